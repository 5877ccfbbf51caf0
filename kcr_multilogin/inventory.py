"""`tools`: every supported tool, whether it is installed, its path and version, and the store it uses."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kcr_multilogin.adapter import Adapter
from kcr_multilogin.fanout import detect_all
from kcr_multilogin.inputs import Registry
from kcr_multilogin.stores import Environment, StoreError


def inventory(registry: Registry, env: Environment, adapters: Mapping[str, Adapter]) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=len(adapters)) as pool:
        found = detect_all(pool, tuple(adapters), adapters, env, 5.0)
    rows = []
    for name, d in found.items():
        try:
            store = d.adapter.store(registry, env)
            where, volatile = store.describe(), store.volatile
        except StoreError as exc:
            where, volatile = f"unreadable: {exc}", False
        notes = [d.problem] if d.problem else []
        if d.is_podman_shim:
            notes.append("podman's docker shim")
        if volatile:
            notes.append("on a tmpfs: lost at reboot")
        rows.append({"tool": name, "installed": d.path is not None, "path": d.path, "version": d.version,
                     "store": where, "detail": "; ".join(notes)})
    return rows
