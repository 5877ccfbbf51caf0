"""What credential a tool will really use for a registry, and where it comes from.

Follows the tool's own read order (tool-facts §1-§3): the first store in it that holds an entry wins. For the
containers tools the tool's own `login --get-login` is asked too, and must agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from kcr_multilogin import proc
from kcr_multilogin.adapter import Adapter, last_meaningful_line
from kcr_multilogin.detect import Detected
from kcr_multilogin.inputs import Registry
from kcr_multilogin.stores import Environment, StoredCredential, StoreError, StoreRef, read_credential


@dataclass(frozen=True)
class Inspection:
    store: StoreRef | None  # where the credential in use lives; else the tool's first store
    credential: StoredCredential | None
    fallback: bool = False  # found in a store the tool only reads as a fallback (podman reading docker's file)
    error: str | None = None  # a store cannot be read (corrupt file, broken helper)
    note: str | None = None  # the tool's own read-back disagrees with the files

    @property
    def found(self) -> bool:
        return self.credential is not None


def inspect(d: Detected, registry: Registry, env: Environment, timeout: float) -> Inspection:
    found = read_stores(d.adapter, registry, env, timeout)
    if found.error or d.adapter.get_login_command is None:
        return found
    return agree(d, registry, env, timeout, found)


def read_stores(a: Adapter, registry: Registry, env: Environment, timeout: float) -> Inspection:
    """The first store in the tool's read order that holds an entry (files and helpers only: no tool is run)."""
    try:
        order = a.read_order(registry, env) if a.read_order else [a.store(registry, env)]
        found: Inspection | None = None
        first: StoreRef | None = None
        for store in order:
            first = first or store
            cred = read_credential(store, registry, env, timeout)
            if cred is not None:
                found = Inspection(store, cred, fallback=store.fallback)
                break
    except StoreError as exc:
        return Inspection(None, None, error=str(exc))
    return found or Inspection(first, None)


def agree(d: Detected, registry: Registry, env: Environment, timeout: float, found: Inspection) -> Inspection:
    """The tool's `--get-login` is the truth for the username; our reading must match it."""
    a = d.adapter
    assert a.get_login_command is not None
    result = proc.run([d.path or a.binary, *a.get_login_command, registry.key], env=env.vars, timeout=timeout)
    command = f"{a.binary} {' '.join(a.get_login_command)}"
    if result.timed_out:
        return Inspection(found.store, found.credential, found.fallback, error=f"`{command}` did not answer within {timeout:g}s")
    said = result.stdout.strip() if result.returncode == 0 else ""
    if not said:
        if found.credential is None:
            return found
        where = found.store.describe(env.home) if found.store else "?"
        return Inspection(found.store, None, found.fallback,
                          note=f"{where} holds an entry for {registry}, but `{command}` does not use it "
                               f"({last_meaningful_line(result) or 'not logged in'})")
    if found.credential is None:
        return Inspection(found.store, None, found.fallback,
                          error=f"`{command}` reports {said}, but kcr-multilogin cannot find where that is stored")
    if said != found.credential.username:
        return Inspection(found.store, found.credential, found.fallback,
                          error=f"`{command}` reports {said}, but {found.store.describe(env.home) if found.store else '?'} "
                                f"holds {found.credential.username}")
    return found
