"""`--credential-helper NAME`: one secure store for all five tools.

Every tool reads `credHelpers` (docker's config, the containers tools' auth file, helm's registry config: tool-facts
§1-§3), so setting `credHelpers[REGISTRY] = NAME` in each tool's own file, and removing any plain-text entry for the
registry, makes each tool store the token in `docker-credential-NAME` instead. The helper is checked before anything
changes; the files are changed under the store locks, atomically, keeping their mode and every other key.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kcr_multilogin import proc
from kcr_multilogin.inputs import Registry, UsageError
from kcr_multilogin.locks import store_locks
from kcr_multilogin.stores import Environment, load_config, normalise_key, write_config

KNOWN = ("pass", "secretservice", "osxkeychain", "wincred", "desktop")
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def _install_hint(name: str, env: Environment) -> str:
    if name == "pass":
        return "apt install golang-docker-credential-helpers pass (Debian/Ubuntu)"
    if name == "secretservice":
        return "apt install golang-docker-credential-helpers (Debian/Ubuntu), in a desktop session"
    if name == "osxkeychain":
        return "brew install docker-credential-helper"
    if name in ("wincred", "desktop"):
        return "install Docker Desktop, or docker-credential-wincred from github.com/docker/docker-credential-helpers"
    return f"install docker-credential-{name}"


def check_helper(name: str, env: Environment, timeout: float = 15.0) -> str:
    """The helper's path, once it is known to work; UsageError with the fix otherwise (nothing has changed yet)."""
    if not _NAME.fullmatch(name):
        raise UsageError(f"--credential-helper {name!r} is not a helper name (e.g. {', '.join(KNOWN)})")
    path = env.which(f"docker-credential-{name}")
    if path is None:
        raise UsageError(f"docker-credential-{name} is not on PATH: {_install_hint(name, env)}")
    if name == "pass":
        store = Path(env.vars.get("PASSWORD_STORE_DIR") or env.home / ".password-store")
        if not (store / ".gpg-id").exists():
            raise UsageError(f"the pass store {store} is not initialised: gpg --quick-gen-key 'You <you@example.com>' "
                             "&& pass init <key-id>")
    result = proc.run([path, "list"], env=env.vars, timeout=timeout)
    if not result.ok:
        said = (result.stdout + result.stderr).strip().splitlines()[-1:] or [result.spawn_error or "no message"]
        raise UsageError(f"docker-credential-{name} list does not work ({'timed out' if result.timed_out else said[0]})"
                         f": {_install_hint(name, env)}")
    try:
        json.loads(result.stdout)
    except ValueError:
        raise UsageError(f"docker-credential-{name} list does not answer JSON: is it a docker credential helper?") from None
    return path


@dataclass(frozen=True)
class Change:
    file: Path
    removed_plaintext: bool
    wrote: bool


def set_helper(files: Iterable[Path], registry: Registry, name: str | None, deadline: float,
               plaintext_only: Iterable[Path] = ()) -> list[Change]:
    """Point `registry` at helper `name` (None: remove our credHelpers entry) in `files`, and drop any plain-text entry
    for it there and in `plaintext_only` (other files a tool reads). Raises StoreError for a file it cannot use."""
    targets = list(dict.fromkeys(files))
    extra = [p for p in dict.fromkeys(plaintext_only) if p not in targets]
    changes = []
    keys = {f"file:{os.path.realpath(p)}" for p in [*targets, *extra]}
    with store_locks(keys, deadline):
        for path in [*targets, *extra]:
            changes.append(_edit(path, registry, name if path in targets else None, path in targets))
    return changes


def _edit(path: Path, registry: Registry, name: str | None, manage_helper: bool) -> Change:
    config = load_config(path)
    data: dict[str, object] = dict(config) if config else {}
    before = json.dumps(data, sort_keys=True)
    removed = False
    auths = data.get("auths")
    if isinstance(auths, dict):
        for key in [k for k in auths if normalise_key(k) == registry.key]:
            entry = auths[key]
            if isinstance(entry, dict) and (entry.get("auth") or entry.get("identitytoken") or entry.get("password")):
                del auths[key]
                removed = True
    if manage_helper:
        helpers = data.get("credHelpers")
        helpers = dict(helpers) if isinstance(helpers, dict) else {}
        if name is None:
            helpers.pop(registry.key, None)
        else:
            helpers[registry.key] = name
        if helpers:
            data["credHelpers"] = helpers
        else:
            data.pop("credHelpers", None)
    if json.dumps(data, sort_keys=True) == before:
        return Change(path, False, False)  # nothing to do: the file is left byte for byte as it was
    if config is None and not data:
        return Change(path, False, False)
    write_config(path, data, _indent(path))
    return Change(path, removed, True)


def _indent(path: Path) -> str | int:
    """Keep the file's own indentation (docker and c/image write tabs)."""
    try:
        text = path.read_text()
    except OSError:
        return "\t"
    match = re.search(r"\n([ \t]+)\"", text)
    return match.group(1) if match and match.group(1).startswith("\t") else (len(match.group(1)) if match else "\t")
