"""Settings: flags, then the environment, then the config file, then built-in defaults — and where each came from.

The config file is `$XDG_CONFIG_HOME/kcr-multilogin/config.toml` (default `~/.config/…`), or `--config PATH`
(or `KCR_MULTILOGIN_CONFIG`). It never holds a token: that belongs in a credential store.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kcr_multilogin.inputs import DEFAULT_REGISTRY, UsageError

TOOL_NAMES = ("docker", "podman", "skopeo", "buildah", "helm")


@dataclass(frozen=True)
class Setting:
    env: str | None
    default: Any
    kind: type


SETTINGS: dict[str, Setting] = {
    "registry": Setting("KCR_REGISTRY", DEFAULT_REGISTRY, str),
    "username": Setting("KCR_USERNAME", None, str),
    "credential_type": Setting("KCR_CREDENTIAL_TYPE", None, str),
    "ca_file": Setting(None, None, str),
    "tls_verify": Setting(None, True, bool),
    "timeout": Setting(None, 60.0, float),
    "persist": Setting(None, False, bool),
    "credential_helper": Setting("KCR_CREDENTIAL_HELPER", None, str),
    "tools": Setting(None, list(TOOL_NAMES), list),
    "exclude": Setting(None, [], list),
}
SECRET_WORDS = ("token", "password", "secret", "passwd")


@dataclass(frozen=True)
class Resolved:
    values: dict[str, Any]
    sources: dict[str, str]  # name → "flag" | "env KCR_…" | "file PATH" | "default"
    config_path: Path | None = None
    config_found: bool = False
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def selected_tools(self) -> tuple[str, ...]:
        chosen = [t for t in self.values["tools"] if t not in self.values["exclude"]]
        return tuple(t for t in TOOL_NAMES if t in chosen)


def config_path(explicit: str | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The file to read, and whether the user named it (a named file must exist)."""
    named = explicit or env.get("KCR_MULTILOGIN_CONFIG")
    if named:
        return Path(named).expanduser(), True
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "kcr-multilogin" / "config.toml", False


def load_file(path: Path, required: bool) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise UsageError(f"config file {path} does not exist") from None
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} cannot be read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    for key, value in data.items():
        where = f"{path}, line {_line_of(text, key)}"
        if any(word in key.lower() for word in SECRET_WORDS):
            raise UsageError(f"{where}: '{key}' looks like a secret. The token never goes in a config file: pipe "
                             "it with --password-stdin, set KCR_TOKEN from a secret store, or type it at the prompt")
        if key not in SETTINGS:
            raise UsageError(f"{where}: unknown setting '{key}' (known: {', '.join(SETTINGS)})")
        data[key] = _typed(key, value, where)
    return data


def _typed(key: str, value: Any, where: str) -> Any:
    kind = SETTINGS[key].kind
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}: '{key}' must be a list of tool names, e.g. [\"docker\", \"helm\"]")
        unknown = [v for v in value if v not in TOOL_NAMES]
        if unknown:
            raise UsageError(f"{where}: unknown tool '{unknown[0]}' in '{key}' (known: {', '.join(TOOL_NAMES)})")
        return value
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise UsageError(f"{where}: '{key}' must be a {kind.__name__}")
    return value


def _line_of(text: str, key: str) -> int:
    match = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*=", text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 1


def resolve(flags: Mapping[str, Any], config: str | None = None, env: Mapping[str, str] | None = None) -> Resolved:
    """`flags` holds what was given on the command line (None: not given)."""
    env = os.environ if env is None else env
    path, required = config_path(config, env)
    from_file = load_file(path, required)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, setting in SETTINGS.items():
        if flags.get(name) is not None:
            values[name], sources[name] = flags[name], "flag"
        elif setting.env and env.get(setting.env):
            values[name], sources[name] = env[setting.env], f"env {setting.env}"
        elif name in from_file:
            values[name], sources[name] = from_file[name], f"file {path}"
        else:
            default = setting.default
            values[name], sources[name] = (list(default) if isinstance(default, list) else default), "default"
    return Resolved(values, sources, path, path.exists())
