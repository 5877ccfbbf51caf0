"""What login, status and logout share: find the tools in parallel, and group them by the store they write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

from kcr_multilogin.adapter import Adapter
from kcr_multilogin.background import wait
from kcr_multilogin.detect import Detected, detect
from kcr_multilogin.stores import Environment

Item = TypeVar("Item")


def detect_all(pool: ThreadPoolExecutor, names: Sequence[str], adapters: Mapping[str, Adapter], env: Environment,
               timeout: float) -> dict[str, Detected]:
    probes = {name: pool.submit(detect, adapters[name], env, timeout) for name in names}
    return {name: as_podman_if_shim(wait(future), adapters) for name, future in probes.items()}


def as_podman_if_shim(d: Detected, adapters: Mapping[str, Adapter]) -> Detected:
    """podman-docker's `docker` is podman: it writes and reads podman's stores, so it is treated as podman."""
    podman = adapters.get("podman")
    if not d.is_podman_shim or podman is None:
        return d
    return replace(d, adapter=replace(podman, name=d.adapter.name, binary=d.adapter.binary,
                                      version_argv=d.adapter.version_argv))


def group_by_keys(items: Iterable[tuple[Item, frozenset[str]]]) -> list[tuple[list[Item], frozenset[str]]]:
    """Items whose keys overlap (a shared file or credential helper) form one group, kept in input order."""
    groups: list[tuple[list[Item], set[str]]] = []
    for item, keys in items:
        members, merged = [item], set(keys)
        for i in reversed([i for i, (_, k) in enumerate(groups) if k & merged]):
            other, other_keys = groups.pop(i)
            members = other + members
            merged |= other_keys
        groups.append((members, merged))
    return [(members, frozenset(keys)) for members, keys in groups]
