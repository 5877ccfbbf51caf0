"""Put back what a tool dropped from its own credential file.

Observed (podman 4.3.1 / c/image 5.23): a login or logout rewrites the auth file with only `auths` and
`credHelpers`, dropping every other top-level key (`HttpHeaders`, `proxies`, `currentContext`, `credsStore`, …)
and every field but `auth`/`identitytoken` of *other* registries' entries (`email`, `registrytoken`). That matters
most when `REGISTRY_AUTH_FILE` is docker's own config.json. docker and helm keep everything.

Callers hold the store's lock (login.py, logout.py), so nothing else writes the file between snapshot and restore.
The entry for the registry being logged into (or out of) is the tool's business and is never touched.
"""

from __future__ import annotations

from pathlib import Path

from kcr_multilogin.inputs import Registry
from kcr_multilogin.stores import StoreError, load_config, normalise_key, write_config

Config = dict[str, object]


def snapshot(path: Path) -> Config | None:
    try:
        return load_config(path)
    except StoreError:
        return None


def restore_dropped(path: Path, before: Config | None, registry: Registry) -> list[str]:
    """Re-add to `path` whatever `before` had and the tool removed (outside our registry's entry); the names."""
    if not before:
        return []
    try:
        after = load_config(path)
    except StoreError:
        return []
    if after is None:
        return []
    restored = []
    for key, value in before.items():
        if key not in after:
            after[key] = value
            restored.append(key)
    old_auths, new_auths = before.get("auths"), after.get("auths")
    if isinstance(old_auths, dict) and isinstance(new_auths, dict):
        for host, entry in old_auths.items():
            if normalise_key(host) == registry.key or not isinstance(entry, dict):
                continue
            current = new_auths.get(host)
            if current is None:
                new_auths[host] = entry
                restored.append(f"auths[{host}]")
            elif isinstance(current, dict):
                for field_name, value in entry.items():
                    if field_name not in current:
                        current[field_name] = value
                        restored.append(f"auths[{host}].{field_name}")
    if restored:
        write_config(path, after)
    return restored
