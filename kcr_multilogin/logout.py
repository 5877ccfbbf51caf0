"""`logout`: each tool's own logout (serialised per store), then the status read-back to prove what is gone.

All logouts finish before any read-back, so podman's view of docker's file is read after docker's logout.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kcr_multilogin import preserve, proc
from kcr_multilogin.adapter import Adapter, last_meaningful_line
from kcr_multilogin.background import wait
from kcr_multilogin.detect import Detected
from kcr_multilogin.fanout import detect_all, group_by_keys
from kcr_multilogin.inputs import Registry, infer_type
from kcr_multilogin.locations import docker_config_file, helm_registry_config
from kcr_multilogin.locks import LockTimeout, store_locks
from kcr_multilogin.readback import Inspection, inspect
from kcr_multilogin.registry import TlsOptions
from kcr_multilogin.results import (
    FAILED_STATUS,
    LOGGED_OUT,
    NOT_INSTALLED,
    NOT_LOGGED_IN,
    STILL_AUTHENTICATED,
    Report,
    ToolRow,
)
from kcr_multilogin.stores import Environment, StoreError, StoreRef, read_credential


@dataclass(frozen=True)
class LogoutRequest:
    registry: Registry
    tools: tuple[str, ...]
    tls: TlsOptions = TlsOptions()  # accepted so scripts can pass the same options to every command
    timeout: float = 60.0
    forget_helper: bool = False  # also remove credHelpers[registry] from each tool's file


@dataclass(frozen=True)
class _Done:
    said: str | None = None  # what the tool's logout complained about, if anything
    removed_by: str | None = None  # another tool sharing the store removed it


def run_logout(request: LogoutRequest, env: Environment, adapters: Mapping[str, Adapter]) -> Report:
    pool = ThreadPoolExecutor(max_workers=len(request.tools) + 1, thread_name_prefix="kcr-logout")
    rows: dict[str, ToolRow] = {}
    try:
        found = detect_all(pool, request.tools, adapters, env, request.timeout)
        usable = [d for d in found.values() if d.usable]
        before = _inspect_all(pool, usable, request, env)
        done: dict[str, _Done] = {}
        items = []
        for d in usable:
            try:
                items.append((d, d.adapter.store(request.registry, env).lock_keys()))
            except StoreError:
                items.append((d, frozenset({f"tool:{d.adapter.name}"})))
        groups = group_by_keys(items)
        for future in [pool.submit(_logout_group, members, keys, request, env, done) for members, keys in groups]:
            wait(future)
        notes = _forget_helper(usable, request, env) if request.forget_helper else ()
        after = _inspect_all(pool, usable, request, env)
        for name, d in found.items():
            rows[name] = _row(d, before.get(name), after.get(name), done.get(name), request.registry, env)
        interrupted = False
    except KeyboardInterrupt:
        proc.stop_all()
        interrupted, notes = True, ()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    ordered = tuple(rows.get(n) or ToolRow(n, True, status=FAILED_STATUS, detail="interrupted") for n in request.tools)
    return Report("logout", request.registry.key, None, None, ordered, interrupted=interrupted, notes=notes)


def _forget_helper(usable: list[Detected], request: LogoutRequest, env: Environment) -> tuple[str, ...]:
    from kcr_multilogin.helpers import set_helper

    files = [d.adapter.store(request.registry, env).file for d in usable]
    files += [d.adapter.persist_store(request.registry, env).file for d in usable if d.adapter.persist_store]
    try:
        changes = set_helper(files, request.registry, None, time.monotonic() + request.timeout)
    except (StoreError, LockTimeout, OSError) as exc:
        return (f"could not remove the credHelpers entries: {exc}",)
    changed = [str(c.file) for c in changes if c.wrote]
    return (f"removed credHelpers[{request.registry}] from {', '.join(changed)}",) if changed else ()


def _inspect_all(pool: ThreadPoolExecutor, usable: list[Detected], request: LogoutRequest,
                 env: Environment) -> dict[str, Inspection]:
    futures = {d.adapter.name: pool.submit(inspect, d, request.registry, env, request.timeout) for d in usable}
    return {name: wait(f) for name, f in futures.items()}


def _logout_group(members: list[Detected], keys: frozenset[str], request: LogoutRequest, env: Environment,
                  done: dict[str, _Done]) -> None:
    try:
        with store_locks(keys, time.monotonic() + request.timeout):
            removed_by: str | None = None
            for d in members:
                a = d.adapter
                try:
                    own = read_credential(a.store(request.registry, env), request.registry, env, request.timeout)
                except StoreError as exc:
                    done[a.name] = _Done(said=str(exc))
                    continue
                if own is None:
                    # Nothing in this tool's own store (a tool sharing it may have just removed it).
                    done[a.name] = _Done(removed_by=removed_by)
                    continue
                written = a.store(request.registry, env).file
                before = preserve.snapshot(written)
                result = proc.run([d.path or a.binary, *a.logout_command, request.registry.key], env=env.vars,
                                  timeout=request.timeout)
                preserve.restore_dropped(written, before, request.registry)
                said = None
                if not result.ok:
                    said = ("timed out" if result.timed_out else
                            f"`{a.binary} {' '.join(a.logout_command)}` exited {result.returncode}: "
                            f"{last_meaningful_line(result) or result.spawn_error or 'no message'}")
                done[a.name] = _Done(said=said)
                removed_by = a.name
    except LockTimeout as exc:
        for d in members:
            done[d.adapter.name] = _Done(said=str(exc))


def _row(d: Detected, before: Inspection | None, after: Inspection | None, done: _Done | None, registry: Registry,
         env: Environment) -> ToolRow:
    a = d.adapter
    if d.path is None:
        return ToolRow(a.name, False, status=NOT_INSTALLED, detail="not installed")
    row = ToolRow(a.name, True, d.path, d.version)
    if d.problem:
        return row.with_(status=FAILED_STATUS, detail=d.problem)
    assert before is not None and after is not None
    said = done.said if done else None
    for inspection in (after, before):
        if inspection.error:
            return row.with_(status=FAILED_STATUS, detail=inspection.error,
                             store=inspection.store.describe() if inspection.store else None)
    if after.credential is not None and after.store is not None:
        cred = after.credential
        return row.with_(status=STILL_AUTHENTICATED, store=after.store.describe(), username=cred.username or None,
                         credential_type=infer_type(cred.username).value if cred.username else None,
                         detail=_join(_remains(a.name, after, registry, env), said))
    store = before.store.describe() if before.store else None
    if before.credential is None:
        return row.with_(status=NOT_LOGGED_IN, store=store, detail=_join(f"nothing stored for {registry}", said))
    cred = before.credential
    row = row.with_(username=cred.username or None,
                    credential_type=infer_type(cred.username).value if cred.username else None, store=store)
    where = before.store.describe(env.home) if before.store else "its store"
    if done and done.removed_by and done.removed_by != a.name:
        how = f"removed by {done.removed_by}'s logout (shared store {where})"
    elif before.fallback:
        how = f"removed from {where}, which {a.name} read as a fallback"
    else:
        how = f"removed from {where}"
    return row.with_(status=LOGGED_OUT, detail=_join(how, f"its own logout complained: {said}" if said else None))


def _remains(tool: str, found: Inspection, registry: Registry, env: Environment) -> str:
    """Where a credential still is, and the command that removes it."""
    store = found.store
    assert store is not None
    key = registry.key
    if store.helper:
        return (f"docker-credential-{store.helper} still holds it: run `printf %s {key} | "
                f"docker-credential-{store.helper} erase`")
    owner = _owner(store, env)
    if found.fallback:
        return (f"{tool} still reads it from {store.describe(env.home)} (its fallback): run "
                f"`kcr-multilogin logout {owner}` or remove the {key} entry there")
    return f"{store.describe(env.home)} still holds it: remove the {key} entry there or run `kcr-multilogin logout {tool}`"


def _owner(store: StoreRef, env: Environment) -> str:
    if store.file == docker_config_file(env):
        return "docker"
    if store.file == helm_registry_config(env):
        return "helm"
    return "podman"


def _join(*parts: str | None) -> str:
    return "; ".join(p for p in parts if p)
