"""Where each tool keeps its registry credential, resolved the way the tool itself does, and how to read it back.

All five tools use docker's config format (`{"auths": {HOST: {"auth": base64(user:password)}}}`, plus
`credsStore`/`credHelpers` naming a docker-credential helper). What differs is which file, and which helper.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kcr_multilogin import proc
from kcr_multilogin.inputs import Registry


class StoreError(Exception):
    """A credential file or helper that cannot be read: names the file and what is wrong."""


@dataclass(frozen=True)
class Environment:
    """The process environment the tools will see, plus what the resolution rules depend on."""

    vars: Mapping[str, str]
    platform: str = field(default_factory=lambda: sys.platform)
    uid: int = field(default_factory=lambda: os.getuid() if hasattr(os, "getuid") else 0)

    @property
    def home(self) -> Path:
        if self.platform == "win32":
            return Path(self.vars.get("USERPROFILE") or self.vars.get("HOME") or "~").expanduser()
        return Path(self.vars.get("HOME") or Path.home())

    def which(self, name: str) -> str | None:
        path = self.vars.get("PATH", os.defpath)
        if self.platform != "win32":
            return shutil.which(name, path=path)
        # Windows: executables are found by PATHEXT (docker-credential-wincred.exe).
        extensions = [e for e in (self.vars.get("PATHEXT") or ".COM;.EXE;.BAT;.CMD").split(";") if e]
        for directory in path.split(os.pathsep):
            for ext in ("", *extensions):
                candidate = os.path.join(directory, name + ext)
                if os.path.isfile(candidate):
                    return candidate
        return None

    def join(self, base: str, *parts: str) -> Path:
        return Path(base, *parts)  # a WindowsPath on Windows, where the separators are handled natively


@dataclass(frozen=True)
class StoreRef:
    """Where one tool's credential for one registry lives."""

    file: Path  # the config file the tool reads (and, for the write target, writes)
    helper: str | None = None  # docker-credential-<helper> holds the secret
    helper_via: str | None = None  # "credHelpers", "credsStore" or "default" (auto-detected by the tool)
    volatile: bool = False  # on a tmpfs that does not survive a reboot
    fallback: bool = False  # a file the tool only reads as a fallback (podman reading docker's config.json)

    def describe(self, home: Path | None = None) -> str:
        path = _tilde(self.file, home)
        if self.helper:
            how = {"default": "auto-detected"}.get(self.helper_via or "", self.helper_via)
            return f"helper {self.helper} ({how}, {path})"
        return path

    def lock_keys(self) -> frozenset[str]:
        keys = {f"file:{os.path.realpath(self.file)}"}
        if self.helper:
            keys.add(f"helper:{self.helper}")
        return frozenset(keys)


@dataclass(frozen=True)
class StoredCredential:
    username: str
    secret: str | None = field(repr=False)  # None when only an identity token is stored
    source: str = ""

    def __repr__(self) -> str:
        return f"StoredCredential(username={self.username!r}, secret=<hidden>, source={self.source!r})"


def _tilde(path: Path, home: Path | None) -> str:
    if home is not None:
        try:
            return "~/" + str(path.relative_to(home))
        except ValueError:
            pass
    return str(path)


# ---------------------------------------------------------------------------------------------- reading files


def load_config(path: Path) -> dict[str, object] | None:
    """The parsed config file, None if it does not exist; StoreError if it cannot be read or is not valid."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    if not raw.strip():
        return {}  # docker and c/image treat an empty file as an empty config
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise StoreError(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise StoreError(f"{path} does not hold a JSON object")
    for key in ("auths", "credHelpers"):
        if key in data and not isinstance(data[key], dict):
            raise StoreError(f"{path}: '{key}' is not a JSON object")
    if "credsStore" in data and not isinstance(data["credsStore"], str):
        raise StoreError(f"{path}: 'credsStore' is not a string")
    return data


def normalise_key(key: str) -> str:
    """`https://kcr.io/v1/` and `kcr.io` name the same registry (docker's ConvertToHostname)."""
    for prefix in ("https://", "http://"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    return key.split("/", 1)[0]


def find_entry(config: Mapping[str, object], registry: Registry) -> tuple[str, Mapping[str, object]] | None:
    auths = config.get("auths")
    if not isinstance(auths, dict):
        return None
    entry = auths.get(registry.key)
    if isinstance(entry, dict):
        return registry.key, entry
    for key, value in auths.items():
        if isinstance(value, dict) and normalise_key(key) == registry.key:
            return key, value
    return None


def decode_entry(entry: Mapping[str, object], where: str) -> StoredCredential | None:
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise StoreError(f"{where}: the 'auth' value is not valid base64 of user:password") from None
        name, sep, secret = decoded.partition(":")
        if not sep:
            raise StoreError(f"{where}: the 'auth' value does not hold user:password")
        return StoredCredential(name, secret, where)
    user, password = entry.get("username"), entry.get("password")
    if isinstance(user, str) and user and isinstance(password, str):
        return StoredCredential(user, password, where)
    if isinstance(entry.get("identitytoken"), str) and entry.get("identitytoken"):
        return StoredCredential(user if isinstance(user, str) else "", None, where)
    return None


def write_config(path: Path, data: Mapping[str, object], indent: str | int = "\t") -> None:
    """Temporary file in the same directory, the file's mode (0600 for a new one), then rename: a credential file is
    never half-written. docker and c/image indent with tabs."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".kcr-", suffix=".json")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=indent)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def read_helper(helper: str, registry: Registry, env: Environment, timeout: float) -> StoredCredential | None:
    """`docker-credential-<helper> get` with the host on stdin (tool-facts §1). An empty Username means none."""
    binary = env.which(f"docker-credential-{helper}")
    if binary is None:
        raise StoreError(f"credential helper docker-credential-{helper} is not on PATH")
    result = proc.run([binary, "get"], env=env.vars, stdin=registry.key.encode(), timeout=timeout)
    if result.timed_out:
        raise StoreError(f"docker-credential-{helper} get did not answer within {timeout:g}s")
    text = result.stdout.strip()
    if result.returncode != 0:
        if "credentials not found" in text.lower() or "not in the password store" in text.lower():
            return None
        last = (text or result.stderr.strip() or result.spawn_error or "").splitlines()[-1:] or [""]
        raise StoreError(f"docker-credential-{helper} get failed (exit {result.returncode}): {last[0]}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise StoreError(f"docker-credential-{helper} get printed something that is not JSON") from None
    user = data.get("Username") if isinstance(data, dict) else None
    if not isinstance(user, str) or not user:
        return None
    secret = data.get("Secret")
    source = f"helper {helper}"
    if user == "<token>":  # identity token convention of the helper protocol
        return StoredCredential("", None, source)
    return StoredCredential(user, secret if isinstance(secret, str) else None, source)


def read_credential(store: StoreRef, registry: Registry, env: Environment, timeout: float) -> StoredCredential | None:
    if store.helper:
        return read_helper(store.helper, registry, env, timeout)
    config = load_config(store.file)
    if config is None:
        return None
    found = find_entry(config, registry)
    if found is None:
        return None
    key, entry = found
    return decode_entry(entry, f"{store.file} [{key}]")


# ------------------------------------------------------------------------------------- helper selection


def configured_helper(config: Mapping[str, object] | None, registry: Registry, *, creds_store: bool = True) -> tuple[str, str] | None:
    if not config:
        return None
    helpers = config.get("credHelpers")
    if isinstance(helpers, dict):
        for key, value in helpers.items():
            if isinstance(value, str) and value and (key == registry.key or normalise_key(key) == registry.key):
                return value, "credHelpers"
    store = config.get("credsStore")
    if creds_store and isinstance(store, str) and store:
        return store, "credsStore"
    return None


def default_native_helper(env: Environment) -> str | None:
    """The helper docker and helm pick by themselves for a config without any auth (tool-facts §1, §3).

    docker/cli cli/config/credentials/default_store*.go and oras-go's DynamicStore: on Linux `pass` when the
    `pass` program is on PATH, else `secretservice`; `osxkeychain` on macOS; `wincred` on Windows; and only if
    `docker-credential-<that>` is on PATH.
    """
    if env.platform == "darwin":
        name = "osxkeychain"
    elif env.platform == "win32":
        name = "wincred"
    elif env.which("pass"):
        name = "pass"
    else:
        name = "secretservice"
    return name if env.which(f"docker-credential-{name}") else None


def _contains_auth(config: Mapping[str, object] | None) -> bool:
    """docker's ConfigFile.ContainsAuth / oras-go's IsAuthConfigured."""
    if not config:
        return False
    return bool(config.get("credsStore") or config.get("credHelpers") or config.get("auths"))


def resolve_helper(config: Mapping[str, object] | None, registry: Registry, env: Environment) -> tuple[str, str] | None:
    """docker and helm: credHelpers, then credsStore, then the helper they auto-detect for a config without any
    auth ("default"); None means the plain-text file store."""
    chosen = configured_helper(config, registry)
    if chosen is None and not _contains_auth(config):
        detected = default_native_helper(env)
        if detected:
            chosen = (detected, "default")
    return chosen


def docker_format_store(path: Path, registry: Registry, env: Environment) -> StoreRef:
    """docker and helm: the resolved helper, else the file itself."""
    chosen = resolve_helper(load_config(path), registry, env)
    if chosen is None:
        return StoreRef(path)
    return StoreRef(path, helper=chosen[0], helper_via=chosen[1])
