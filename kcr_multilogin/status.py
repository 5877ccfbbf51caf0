"""`status`: what credential each tool will really use, where it lives, and whether the registry accepts it now.

Each distinct stored credential is verified once (five tools usually hold one: one check, not five), with the same
pre-flight as login. Nothing is written; a stored secret is read only to verify it, and compared in memory.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from kcr_multilogin import proc
from kcr_multilogin.adapter import Adapter
from kcr_multilogin.background import in_daemon_thread, wait
from kcr_multilogin.checks import plaintext_files
from kcr_multilogin.detect import Detected, detect
from kcr_multilogin.fanout import as_podman_if_shim
from kcr_multilogin.inputs import Registry, infer_type
from kcr_multilogin.readback import Inspection, agree, read_stores
from kcr_multilogin.registry import CheckResult, TlsOptions, check_credential
from kcr_multilogin.results import (
    AUTHENTICATED,
    ERROR,
    FAILED_STATUS,
    NOT_INSTALLED,
    NOT_LOGGED_IN,
    REJECTED,
    STORED,
    Report,
    ToolRow,
)
from kcr_multilogin.stores import Environment


@dataclass(frozen=True)
class StatusRequest:
    registry: Registry
    tools: tuple[str, ...]
    tls: TlsOptions = TlsOptions()
    timeout: float = 60.0
    offline: bool = False


class _Verifier:
    """One registry check per distinct (username, secret); concurrent askers wait for the first one's answer."""

    def __init__(self, request: StatusRequest) -> None:
        self._request = request
        self._lock = threading.Lock()
        self._checks: dict[tuple[str, str], Future[CheckResult]] = {}

    def start(self, username: str, secret: str) -> Future[CheckResult]:
        """The check of this credential: started now in the background, or the one already under way."""
        key = (username, hashlib.sha256(secret.encode()).hexdigest())
        r = self._request
        with self._lock:
            future = self._checks.get(key)
            if future is None:
                future = self._checks[key] = in_daemon_thread(
                    lambda: check_credential(r.registry, username, secret, r.tls, r.timeout))
        return future



def run_status(request: StatusRequest, env: Environment, adapters: Mapping[str, Adapter]) -> Report:
    verifier = _Verifier(request)
    pool = ThreadPoolExecutor(max_workers=len(request.tools), thread_name_prefix="kcr-status")
    futures = {name: pool.submit(_status_one, adapters[name], adapters, request, env, verifier) for name in request.tools}
    rows: dict[str, ToolRow] = {}
    interrupted = False
    try:
        for name, future in futures.items():
            rows[name] = wait(future)
    except KeyboardInterrupt:
        proc.stop_all()
        interrupted = True
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    ordered = tuple(rows.get(n) or ToolRow(n, True, status=FAILED_STATUS, detail="interrupted") for n in request.tools)
    plaintext = tuple(plaintext_files(request.registry, env))
    note = (f"plain-text copies of the {request.registry} token: {len(plaintext)}"
            + (f" ({', '.join(plaintext)})" if plaintext else ""))
    return Report("status-offline" if request.offline else "status", request.registry.key, None, None, ordered,
                  interrupted=interrupted, notes=(note,), plaintext=plaintext)


def _status_one(adapter: Adapter, adapters: Mapping[str, Adapter], request: StatusRequest, env: Environment,
                verifier: _Verifier) -> ToolRow:
    # The network check is the slow part: start it from the files, before the tool is even probed.
    early = read_stores(adapter, request.registry, env, request.timeout) if env.which(adapter.binary) else None
    if early and early.credential and early.credential.secret and not request.offline:
        verifier.start(early.credential.username, early.credential.secret)
    d = as_podman_if_shim(detect(adapter, env, request.timeout), adapters)
    if d.path is None:
        return ToolRow(adapter.name, False, status=NOT_INSTALLED, detail="not installed")
    row = ToolRow(adapter.name, True, d.path, d.version)
    if d.problem:
        return row.with_(status=ERROR, detail=d.problem)
    if early is None or d.is_podman_shim:  # a shim reads podman's stores, not docker's
        early = read_stores(d.adapter, request.registry, env, request.timeout)
    found = early if early.error or d.adapter.get_login_command is None else agree(
        d, request.registry, env, request.timeout, early)
    row = row.with_(store=found.store.describe() if found.store else None)
    if found.error:
        return row.with_(status=ERROR, detail=found.error)
    if found.credential is None:
        detail = found.note or f"nothing stored for {request.registry}"
        return row.with_(status=NOT_LOGGED_IN, detail=detail)
    cred = found.credential
    row = row.with_(username=cred.username or None,
                    credential_type=infer_type(cred.username).value if cred.username else None)
    notes = _notes(d, found, env)
    if cred.secret is None:
        return row.with_(status=STORED, detail=_join("an identity token is stored; it cannot be checked", *notes))
    if request.offline:
        return row.with_(status=STORED, detail=_join("not verified (--offline)", *notes))
    checked = wait(verifier.start(cred.username, cred.secret))
    if checked.ok:
        return row.with_(status=AUTHENTICATED, verified=True, detail=_join("the registry accepts it", *notes))
    if checked.outcome == "rejected":
        return row.with_(status=REJECTED, verified=False, detail=_join(
            f"{request.registry} refuses the stored credential ({checked.detail}): log in again with a current token",
            *notes))
    return row.with_(status=STORED, detail=_join(f"could not verify: {checked.detail}", *notes))


def _notes(d: Detected, found: Inspection, env: Environment) -> list[str]:
    notes = []
    if found.fallback and found.store is not None:
        notes.append(f"{d.adapter.name} only sees it through its fallback to {found.store.file}")
    if found.store is not None and found.store.volatile and not found.store.helper:
        notes.append("on a tmpfs: lost at reboot")
    if d.is_podman_shim:
        notes.append("docker is podman's docker shim")
    if found.note:
        notes.append(found.note)
    return notes


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)
