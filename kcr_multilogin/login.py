"""The login engine: detect the tools while the registry checks the credential, then log each store in once.

Tools that write the same store run one after another (tool-facts §4); different stores run in parallel; each
tool's own login is `login_tool.login_one`. Returns a Report; never prints.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from kcr_multilogin import proc
from kcr_multilogin.adapter import Adapter, TlsPlan
from kcr_multilogin.background import in_daemon_thread, wait
from kcr_multilogin.checks import FAIL, WARN, Check, local_checks
from kcr_multilogin.detect import Detected
from kcr_multilogin.fanout import detect_all, group_by_keys
from kcr_multilogin.inputs import Credential, Registry
from kcr_multilogin.locks import LockTimeout, store_locks
from kcr_multilogin.login_tool import (
    LoginRequest,
    Run,
    base_row,
    confirm_stored,
    login_argv,
    login_one,
    secrets_of,
    tls_plan,
)
from kcr_multilogin.registry import CheckResult, check_credential
from kcr_multilogin.results import AUTHENTICATED, FAILED_STATUS, NOT_INSTALLED, PLANNED, TIMEOUT, Report, ToolRow
from kcr_multilogin.shell import detect as detect_shell
from kcr_multilogin.stores import Environment, StoreError, StoreRef

__all__ = ["LoginRequest", "run_login", "preflight_message"]

RowCallback = Callable[[ToolRow], None]


def run_login(request: LoginRequest, env: Environment, adapters: Mapping[str, Adapter],
              on_row: RowCallback | None = None, preflight: Future[CheckResult] | None = None) -> Report:
    """`preflight`, when given, is the already started check of this request's credential."""
    secrets = secrets_of(request.credential)
    child = Environment(proc.child_env(env.vars, secrets), env.platform, env.uid)
    rows: dict[str, ToolRow] = {}
    lock = threading.Lock()

    def finish(row: ToolRow) -> None:
        with lock:
            rows[row.tool] = row
        if on_row is not None:
            on_row(row)

    warnings: list[Check] = []

    def report(**kw: object) -> Report:
        ordered = tuple(rows.get(name) or _unfinished(name) for name in request.tools)
        notes = tuple(_note(c, env.home) for c in warnings)
        return Report("dry-run" if request.dry_run else "login", request.registry.key, request.credential.username,
                      request.credential.credential_type.value, ordered, notes=notes,
                      warnings=tuple(c.to_json() for c in warnings), **kw)  # type: ignore[arg-type]

    cred = request.credential
    if preflight is None and not request.dry_run:
        preflight = in_daemon_thread(lambda: check_credential(request.registry, cred.username, cred.token,
                                                               request.tls, request.timeout))
    pool = ThreadPoolExecutor(max_workers=len(request.tools) + 1, thread_name_prefix="kcr")
    try:
        found = detect_all(pool, request.tools, adapters, child, request.timeout)
        for name, d in found.items():
            if d.path is None:
                finish(ToolRow(name, False, status=NOT_INSTALLED, detail="not installed"))
            elif d.problem:
                finish(base_row(d, cred).with_(status=FAILED_STATUS, detail=d.problem))
        usable = [d for d in found.values() if d.usable]
        if not any(d.path for d in found.values()):
            return report()
        checks = _relevant_checks(request, child, found)
        warnings.extend(c for c in checks if c.level == WARN)
        usable = _drop_blocked(usable, checks, cred, finish)
        with tls_plan(request.tls, usable, request.dry_run) as plan:
            if request.dry_run:
                for d in usable:
                    finish(_planned(d, Run(request, child, plan, secrets)))
                return report()
            assert preflight is not None
            checked = wait(preflight)
            if not checked.ok:
                message = preflight_message(checked, request.registry, cred)
                for d in usable:
                    finish(base_row(d, cred).with_(status=FAILED_STATUS, detail="not attempted: the pre-flight check failed"))
                return report(error=message, preflight_failed=True)
            run = Run(request, child, TlsPlan(plan.verify, plan.ca_file, plan.cert_dir, checked.plain_http), secrets)
            if request.credential_helper:
                usable = _use_helper(usable, run, request.credential_helper, finish)
            groups = _group_by_store(usable, run, finish)
            futures = [pool.submit(_login_group, group, run, finish) for group in groups]
            for future in futures:
                wait(future)
        return report()
    except KeyboardInterrupt:
        proc.stop_all()
        return report(interrupted=True)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _note(check: Check, home: Path) -> str:
    """One line under the table; the fix is one `doctor` away (except the tmpfs hint, which is the fix)."""
    summary = check.summary.replace(str(home) + "/", "~/")
    if check.id == "containers.persistence":
        return f"hint: {summary}; log in with --persist to keep it"
    return f"warning: {summary} (the fix: kcr-multilogin doctor)"


def _relevant_checks(request: LoginRequest, env: Environment, found: Mapping[str, Detected]) -> list[Check]:
    """The cheap local doctor checks for the tools this run touches (no network)."""
    skip = {"containers.persistence"} if request.persist else set()
    shell = detect_shell(env.vars, env.platform)
    return [c for c in local_checks(request.registry, env, shell, found) if c.id not in skip]


def _drop_blocked(usable: list[Detected], checks: Sequence[Check], cred: Credential,
                  finish: RowCallback) -> list[Detected]:
    """A check that predicts a tool's login will fail is reported in its row, instead of the tool's raw error."""
    kept = []
    for d in usable:
        blocking = next((c for c in checks if c.level == FAIL and d.adapter.name in c.blocks), None)
        if blocking is None:
            kept.append(d)
        else:
            finish(base_row(d, cred).with_(detail=f"{blocking.summary} — fix: {blocking.fix} [{blocking.id}]"))
    return kept


def _unfinished(name: str) -> ToolRow:
    return ToolRow(name, True, status=FAILED_STATUS, detail="interrupted before it finished")


def preflight_message(checked: CheckResult, registry: Registry, cred: Credential) -> str:
    if checked.outcome == "rejected":
        if cred.credential_type.value == "user":
            scope = ("a user API token from Krystal Identity (Static Access Tokens) with the scope "
                     "\"Manage container registries\" or \"Read-only access to container registries\"")
            causes = ["the token is wrong, revoked or expired", f"it is not {scope}"]
        else:
            scope = ("an organisation API token from Katapult (API Tokens) with the scope "
                     "\"Core: Manage container registries\" or \"Core: Read-only access to container registries\"")
            causes = ["the token is wrong, revoked or expired", f"it is not {scope}",
                      "the token is limited to Authorized IP Addresses that do not include this machine's address"]
        return (f"{registry} rejected the {cred.credential_type.value} token for {cred.username} ({checked.detail}). "
                f"Likely causes: {'; '.join(causes)}. No tool was touched.")
    if checked.outcome == "unreachable":
        return f"cannot reach {registry}: {checked.detail}. Check the network, HTTPS_PROXY/NO_PROXY and --registry. No tool was touched."
    if checked.outcome == "tls":
        return (f"{checked.detail}. If the registry uses a private CA, pass --ca-file CA.pem "
                "(or --no-tls-verify on a network you trust). No tool was touched.")
    return f"{registry}: {checked.detail}. No tool was touched."


def _planned(d: Detected, run: Run) -> ToolRow:
    prompt = d.adapter.uses_prompt(d.version)
    helper = run.request.credential_helper
    try:
        store = run.write_store(d.adapter)
        where = (f"docker-credential-{helper} (credHelpers[{run.request.registry}] set in {store.file} first)"
                 if helper else store.describe(run.env.home))
    except StoreError as exc:
        where = f"unreadable: {exc}"
    how = "answering its password prompt on a pty" if prompt else "with the token on stdin"
    return base_row(d, run.cred).with_(status=PLANNED, argv=login_argv(d, run, prompt=prompt, display=True),
                                    detail=f"would log in {how}; store {where}")


# ------------------------------------------------------------------------------------ grouping and login


def _use_helper(usable: list[Detected], run: Run, helper: str, finish: RowCallback) -> list[Detected]:
    """credHelpers[registry] = helper in each tool's own file, plain-text copies removed, before any tool logs in."""
    from kcr_multilogin.helpers import set_helper
    from kcr_multilogin.locks import LockTimeout

    kept = []
    registry = run.request.registry
    for d in usable:
        a = d.adapter
        try:
            target = run.write_store(a).file
            # The other files the tool reads (podman: ~/.config/containers/auth.json) must not keep a plain copy;
            # docker's config is docker's own, and only podman's fallback.
            others = [ref.file for ref in (a.read_order(registry, run.env) if a.read_order else [])
                      if ref.file != target and not ref.fallback]
            set_helper([target], registry, helper, time.monotonic() + run.request.timeout, plaintext_only=others)
        except (StoreError, LockTimeout, OSError) as exc:
            finish(base_row(d, run.cred).with_(detail=f"cannot set credHelpers for {registry}: {exc}"))
            continue
        kept.append(d)
    return kept


def _group_by_store(usable: Sequence[Detected], run: Run, finish: RowCallback) -> list[list[tuple[Detected, StoreRef]]]:
    """Tools whose stores share a file or a helper form one group, run in order; groups run in parallel."""
    items: list[tuple[tuple[Detected, StoreRef], frozenset[str]]] = []
    for d in usable:
        try:
            store = run.write_store(d.adapter)
        except StoreError as exc:
            # docker overwrites a corrupt config.json on login, losing every other entry: never let it.
            finish(base_row(d, run.cred).with_(detail=f"{exc}: fix or move the file; {d.adapter.name} was not run so "
                                                   "that it cannot overwrite it"))
            continue
        items.append(((d, store), store.lock_keys()))
    return [members for members, _ in group_by_keys(items)]


Member = tuple[Detected, StoreRef]


def _confirm_all(rest: list[Member], run: Run, written_by: str | None) -> list[ToolRow | None]:
    """The store holds the credential: the others only read it back, all at once (reading needs no lock order)."""
    with ThreadPoolExecutor(max_workers=len(rest), thread_name_prefix="kcr-confirm") as pool:
        return list(pool.map(lambda m: confirm_stored(m[0], m[1], run, written_by, unshadow=False), rest))


def _settle(rest: list[Member], rows: list[ToolRow | None], finish: RowCallback) -> list[Member]:
    """Report the confirmed; return those whose read-back did not agree, to log in themselves one after another."""
    left = []
    for member, row in zip(rest, rows, strict=True):
        if row is None:
            left.append(member)
        else:
            finish(row)
    return left


def _login_group(group: list[tuple[Detected, StoreRef]], run: Run, finish: RowCallback) -> None:
    keys = set().union(*(store.lock_keys() for _, store in group))
    try:
        with store_locks(keys, time.monotonic() + run.request.timeout):
            # The tool that starts fastest (its version probe) does the group's one network login.
            todo = sorted(group, key=lambda member: member[0].probe_seconds)
            written_by: str | None = None
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcr-group") as side:
                while todo:
                    d, store = todo.pop(0)
                    rest: list[Member] = list(todo)
                    early: list[Future[list[ToolRow | None]]] = []

                    def confirm_rest(writer: str = d.adapter.name, rest: list[Member] = rest,
                                     early: list[Future[list[ToolRow | None]]] = early) -> None:
                        if rest and not run.request.force:
                            early.append(side.submit(_confirm_all, rest, run, writer))

                    row, wrote = login_one(d, store, run, written_by, on_stored=confirm_rest)
                    if wrote:
                        written_by = d.adapter.name
                    finish(row)
                    if early:
                        todo = _settle(rest, wait(early[0]), finish)
                    elif row.status == AUTHENTICATED and todo and not run.request.force:
                        todo = _settle(todo, _confirm_all(todo, run, written_by), finish)
    except LockTimeout as exc:
        for d, _ in group:
            finish(base_row(d, run.cred).with_(status=TIMEOUT, detail=str(exc)))
    except proc.Interrupted:
        return


