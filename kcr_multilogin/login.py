"""The login engine: detect the tools while the registry checks the credential, then log each store in once.

Tools that write the same store run one after another (tool-facts §4); different stores run in parallel. A row
says `authenticated` only after the credential was read back from the tool's store (and, for the containers
tools, from the tool's own `login --get-login`). Returns a Report; never prints.
"""

from __future__ import annotations

import base64
import hmac
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kcr_multilogin import proc
from kcr_multilogin.adapter import Adapter, TlsPlan, advice, last_meaningful_line
from kcr_multilogin.checks import FAIL, WARN, Check, local_checks
from kcr_multilogin.detect import Detected
from kcr_multilogin.fanout import detect_all, group_by_keys, in_daemon_thread, wait
from kcr_multilogin.inputs import Credential, Registry
from kcr_multilogin.locks import LockTimeout, store_locks
from kcr_multilogin.registry import CheckResult, TlsOptions, check_credential
from kcr_multilogin.results import AUTHENTICATED, FAILED_STATUS, NOT_INSTALLED, PLANNED, TIMEOUT, Report, ToolRow
from kcr_multilogin.shell import detect as detect_shell
from kcr_multilogin.stores import Environment, StoreError, StoreRef, StoredCredential, read_credential

RowCallback = Callable[[ToolRow], None]
CERT_DIR_PLACEHOLDER = "<private temporary directory holding the CA as ca.crt>"


@dataclass(frozen=True)
class LoginRequest:
    registry: Registry
    credential: Credential
    tools: tuple[str, ...]
    tls: TlsOptions = TlsOptions()
    timeout: float = 60.0
    dry_run: bool = False
    force: bool = False
    persist: bool = False  # podman/skopeo/buildah: a credential file that survives reboots


@dataclass(frozen=True)
class _Run:
    request: LoginRequest
    env: Environment  # the children's environment: the token scrubbed out
    plan: TlsPlan
    secrets: tuple[str, ...]

    @property
    def cred(self) -> Credential:
        return self.request.credential

    def persisting(self, a: Adapter) -> bool:
        return self.request.persist and a.persist_store is not None

    def write_store(self, a: Adapter) -> StoreRef:
        chooser = a.persist_store if self.persisting(a) and a.persist_store else a.store
        return chooser(self.request.registry, self.env)

    def authfile(self, a: Adapter) -> Path | None:
        """The file to name with --authfile: only when it is not the one the tool writes anyway."""
        if not self.persisting(a):
            return None
        target = self.write_store(a).file
        return target if target != a.store(self.request.registry, self.env).file else None


def secrets_of(cred: Credential) -> tuple[str, ...]:
    """The token, and the forms in which the tools store it, for redaction and environment scrubbing."""
    pair = f"{cred.username}:{cred.token}".encode()
    return (cred.token, base64.b64encode(pair).decode())


def run_login(request: LoginRequest, env: Environment, adapters: Mapping[str, Adapter],
              on_row: RowCallback | None = None) -> Report:
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
        ordered = tuple(rows.get(name) or _unfinished(name, adapters) for name in request.tools)
        notes = tuple(f"warning: {c.summary}" + (f"; fix: {c.fix}" if c.fix else "") for c in warnings)
        return Report("dry-run" if request.dry_run else "login", request.registry.key, request.credential.username,
                      request.credential.credential_type.value, ordered, notes=notes,
                      warnings=tuple(c.to_json() for c in warnings), **kw)  # type: ignore[arg-type]

    cred = request.credential
    preflight: Future[CheckResult] | None = None
    if not request.dry_run:
        preflight = in_daemon_thread(lambda: check_credential(request.registry, cred.username, cred.token,
                                                               request.tls, request.timeout))
    pool = ThreadPoolExecutor(max_workers=len(request.tools) + 1, thread_name_prefix="kcr")
    try:
        found = detect_all(pool, request.tools, adapters, child, request.timeout)
        for name, d in found.items():
            if d.path is None:
                finish(ToolRow(name, False, status=NOT_INSTALLED, detail="not installed"))
            elif d.problem:
                finish(_base(d, cred).with_(status=FAILED_STATUS, detail=d.problem))
        usable = [d for d in found.values() if d.usable]
        if not any(d.path for d in found.values()):
            return report()
        checks = _relevant_checks(request, child, found)
        warnings.extend(c for c in checks if c.level == WARN)
        usable = _drop_blocked(usable, checks, cred, finish)
        with _tls_plan(request.tls, usable, request.dry_run) as plan:
            if request.dry_run:
                for d in usable:
                    finish(_planned(d, _Run(request, child, plan, secrets)))
                return report()
            assert preflight is not None
            checked = wait(preflight)
            if not checked.ok:
                message = preflight_message(checked, request.registry, cred)
                for d in usable:
                    finish(_base(d, cred).with_(status=FAILED_STATUS, detail="not attempted: the pre-flight check failed"))
                return report(error=message, preflight_failed=True)
            run = _Run(request, child, TlsPlan(plan.verify, plan.ca_file, plan.cert_dir, checked.plain_http), secrets)
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
            finish(_base(d, cred).with_(detail=f"{blocking.summary} — fix: {blocking.fix} [{blocking.id}]"))
    return kept


def _unfinished(name: str, adapters: Mapping[str, Adapter]) -> ToolRow:
    return ToolRow(name, True, status=FAILED_STATUS, detail="interrupted before it finished")


def _base(d: Detected, cred: Credential) -> ToolRow:
    return ToolRow(d.adapter.name, True, d.path, d.version, FAILED_STATUS, cred.username, cred.credential_type.value)


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


# ------------------------------------------------------------------------------------------ argv and TLS


def login_argv(d: Detected, run: _Run, *, prompt: bool = False, display: bool = False) -> tuple[str, ...]:
    a = d.adapter
    plan = run.plan
    if display and plan.cert_dir is not None:
        plan = TlsPlan(plan.verify, plan.ca_file, Path(CERT_DIR_PLACEHOLDER), plan.plain_http)
    argv = [d.path or a.binary, *a.login_command, "--username", run.cred.username]
    if not prompt:
        argv.append("--password-stdin")
    argv += a.tls_args(plan)
    authfile = run.authfile(a)
    if authfile is not None and a.authfile_option:
        argv += [a.authfile_option, str(authfile)]
    argv.append(run.request.registry.key)
    return tuple(argv)


@contextmanager
def _tls_plan(tls: TlsOptions, usable: Sequence[Detected], dry_run: bool) -> Iterator[TlsPlan]:
    """`--ca-file` becomes `--cert-dir` on a private temporary directory for the containers tools (tool-facts §2)."""
    ca = tls.ca_file.resolve() if tls.ca_file else None
    needs_dir = ca is not None and any("--cert-dir" in d.adapter.tls_args(TlsPlan(cert_dir=Path("x"))) for d in usable)
    if not needs_dir or dry_run:
        yield TlsPlan(tls.verify, ca, Path(CERT_DIR_PLACEHOLDER) if needs_dir else None)
        return
    assert ca is not None
    directory = Path(tempfile.mkdtemp(prefix="kcr-ca-"))  # mode 0700
    try:
        shutil.copyfile(ca, directory / "ca.crt")
        yield TlsPlan(tls.verify, ca, directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _planned(d: Detected, run: _Run) -> ToolRow:
    prompt = d.adapter.uses_prompt(d.version)
    try:
        where = run.write_store(d.adapter).describe(run.env.home)
    except StoreError as exc:
        where = f"unreadable: {exc}"
    how = "answering its password prompt on a pty" if prompt else "with the token on stdin"
    return _base(d, run.cred).with_(status=PLANNED, argv=login_argv(d, run, prompt=prompt, display=True),
                                    detail=f"would log in {how}; store {where}")


# ------------------------------------------------------------------------------------ grouping and login


def _group_by_store(usable: Sequence[Detected], run: _Run, finish: RowCallback) -> list[list[tuple[Detected, StoreRef]]]:
    """Tools whose stores share a file or a helper form one group, run in order; groups run in parallel."""
    items: list[tuple[tuple[Detected, StoreRef], frozenset[str]]] = []
    for d in usable:
        try:
            store = run.write_store(d.adapter)
        except StoreError as exc:
            # docker overwrites a corrupt config.json on login, losing every other entry: never let it.
            finish(_base(d, run.cred).with_(detail=f"{exc}: fix or move the file; {d.adapter.name} was not run so "
                                                   "that it cannot overwrite it"))
            continue
        items.append(((d, store), store.lock_keys()))
    return [members for members, _ in group_by_keys(items)]


def _login_group(group: list[tuple[Detected, StoreRef]], run: _Run, finish: RowCallback) -> None:
    keys = set().union(*(store.lock_keys() for _, store in group))
    try:
        with store_locks(keys, time.monotonic() + run.request.timeout):
            written_by: str | None = None
            for d, store in group:
                row, wrote = _login_one(d, store, run, written_by)
                if wrote:
                    written_by = d.adapter.name
                finish(row)
    except LockTimeout as exc:
        for d, _ in group:
            finish(_base(d, run.cred).with_(status=TIMEOUT, detail=str(exc)))
    except proc.Interrupted:
        return


def _same(stored: StoredCredential | None, cred: Credential) -> bool:
    return (stored is not None and stored.secret is not None and stored.username == cred.username
            and hmac.compare_digest(stored.secret.encode(), cred.token.encode()))


def _login_one(d: Detected, store: StoreRef, run: _Run, written_by: str | None) -> tuple[ToolRow, bool]:
    a = d.adapter
    registry = run.request.registry
    deadline = time.monotonic() + run.request.timeout
    row = _base(d, run.cred)
    home = run.env.home
    started = time.monotonic()

    def left() -> float:
        return max(0.1, deadline - time.monotonic())

    if not run.request.force:
        try:
            existing = read_credential(store, registry, run.env, left())
        except StoreError:
            existing = None
        if _same(existing, run.cred):
            _unshadow(d, run, left())
            problem = _confirm(d, run, left())
            if problem is None:
                how = (f"logged in through {written_by} (shared store {store.describe(home)})" if written_by
                       else f"already logged in ({store.describe(home)})")
                return row.with_(status=AUTHENTICATED, detail=how, elapsed=time.monotonic() - started), False

    prompt = a.uses_prompt(d.version)
    argv = login_argv(d, run, prompt=prompt)
    row = row.with_(argv=login_argv(d, run, prompt=prompt, display=True))
    if prompt:
        answers = [(r"(?i)username:\s*$", run.cred.username), (r"(?i)password:\s*$", run.cred.token)]
        result = proc.run_on_pty(argv, env=run.env.vars, timeout=left(), answers=answers, redact_secrets=run.secrets)
    else:
        result = proc.run(argv, env=run.env.vars, timeout=left(), stdin=run.cred.token.encode(),
                          redact_secrets=run.secrets)
    elapsed = time.monotonic() - started
    if result.timed_out:
        return row.with_(status=TIMEOUT, elapsed=elapsed, detail=f"no answer within {run.request.timeout:g}s: "
                                                                 f"{a.binary} and its process group were killed"), False
    if not result.ok:
        return row.with_(detail=_failure_detail(d, run, result), elapsed=elapsed), False

    try:
        after = run.write_store(a)
        stored = read_credential(after, registry, run.env, left())
    except StoreError as exc:
        return row.with_(detail=f"login exited 0 but the credential cannot be read back: {exc}", elapsed=elapsed), True
    if not _same(stored, run.cred):
        what = "nothing" if stored is None else f"a different credential ({stored.username or 'identity token'})"
        return row.with_(detail=f"login exited 0 but {after.describe(home)} holds {what} for {registry}",
                         elapsed=time.monotonic() - started), True
    unshadowed = _unshadow(d, run, left())
    problem = _confirm(d, run, left())
    if problem is not None:
        return row.with_(detail=problem, elapsed=time.monotonic() - started), True
    detail = f"stored in {after.describe(home)}"
    if run.persisting(a):
        detail += " (survives reboots)"
    if unshadowed:
        detail += f"; removed the older entry from {unshadowed.describe(home)}, which the tool reads first"
    if d.is_podman_shim:
        detail = f"docker is podman's docker shim: {detail}"
    if after.volatile:
        detail += " (tmpfs: lost at reboot)"
    note = a.tls_advice(registry, run.plan, "") if a.tls_advice else None
    if note:
        detail += f"; {note}"
    return row.with_(status=AUTHENTICATED, detail=detail, elapsed=time.monotonic() - started), True


def _unshadow(d: Detected, run: _Run, timeout: float) -> StoreRef | None:
    """With --persist, an entry left in the runtime auth file would be read first (tool-facts §2): remove it with
    the tool's own logout, so the persistent credential is the one in use."""
    a = d.adapter
    if run.authfile(a) is None or a.authfile_option is None:
        return None
    runtime = a.store(run.request.registry, run.env)
    try:
        if read_credential(runtime, run.request.registry, run.env, timeout) is None:
            return None
    except StoreError:
        return None
    proc.run([d.path or a.binary, *a.logout_command, a.authfile_option, str(runtime.file), run.request.registry.key],
             env=run.env.vars, timeout=timeout, redact_secrets=run.secrets)
    return runtime


def _confirm(d: Detected, run: _Run, timeout: float) -> str | None:
    """The tool's own read-back (`login --get-login`), where it has one: it must name our user."""
    a = d.adapter
    if a.get_login_command is None:
        return None
    registry = run.request.registry
    result = proc.run([d.path or a.binary, *a.get_login_command, registry.key], env=run.env.vars, timeout=timeout,
                      redact_secrets=run.secrets)
    if result.timed_out:
        return f"`{a.binary} {' '.join(a.get_login_command)}` did not answer within the timeout"
    said = result.stdout.strip()
    if result.returncode != 0 or said != run.cred.username:
        seen = said or last_meaningful_line(result) or f"exit {result.returncode}"
        return f"the credential is stored, but `{a.binary} {' '.join(a.get_login_command)}` reports: {seen}"
    return None


def _failure_detail(d: Detected, run: _Run, result: proc.ProcResult) -> str:
    a = d.adapter
    if result.spawn_error:
        return f"cannot run {d.path}: {result.spawn_error}"
    if result.signal_name:
        return f"{a.binary} crashed ({result.signal_name})"
    said = last_meaningful_line(result) or "no error message"
    parts = [f"{a.binary} exited {result.returncode}: {said}"]
    tip = (a.tls_advice(run.request.registry, run.plan, said) if a.tls_advice else None) or advice(said)
    if tip:
        parts.append(tip)
    return " — ".join(parts)
