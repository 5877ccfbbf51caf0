"""One tool's login: its command line, the token on stdin (or its prompt on a pty), and the read-back.

A row says `authenticated` only after the credential was read back from the tool's store (and, for the containers
tools, from the tool's own `login --get-login`).
"""

from __future__ import annotations

import base64
import hmac
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kcr_multilogin import preserve, proc
from kcr_multilogin.adapter import Adapter, TlsPlan, advice, last_meaningful_line
from kcr_multilogin.detect import Detected
from kcr_multilogin.inputs import Credential, Registry
from kcr_multilogin.registry import TlsOptions
from kcr_multilogin.results import AUTHENTICATED, FAILED_STATUS, TIMEOUT, ToolRow
from kcr_multilogin.stores import Environment, StoredCredential, StoreError, StoreRef, read_credential

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
    credential_helper: str | None = None  # credHelpers[registry] = this, in every tool's file, before logging in


@dataclass(frozen=True)
class Run:
    request: LoginRequest
    env: Environment  # the children's environment: the token scrubbed out
    plan: TlsPlan
    secrets: tuple[str, ...] = field(repr=False)  # for redaction only; never shown

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



def base_row(d: Detected, cred: Credential) -> ToolRow:
    return ToolRow(d.adapter.name, True, d.path, d.version, FAILED_STATUS, cred.username, cred.credential_type.value)


def login_argv(d: Detected, run: Run, *, prompt: bool = False, display: bool = False) -> tuple[str, ...]:
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
def tls_plan(tls: TlsOptions, usable: Sequence[Detected], dry_run: bool) -> Iterator[TlsPlan]:
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


def _same(stored: StoredCredential | None, cred: Credential) -> bool:
    return (stored is not None and stored.secret is not None and stored.username == cred.username
            and hmac.compare_digest(stored.secret.encode(), cred.token.encode()))


def confirm_stored(d: Detected, store: StoreRef, run: Run, written_by: str | None, *, unshadow: bool) -> ToolRow | None:
    """The `authenticated` row when the store already holds exactly this credential and the tool's own read-back
    agrees; None when the tool must log in. Writes nothing unless `unshadow` (--persist) has to remove an entry."""
    started = time.monotonic()
    deadline = started + run.request.timeout

    def left() -> float:
        return max(0.1, deadline - time.monotonic())

    try:
        existing = read_credential(store, run.request.registry, run.env, left())
    except StoreError:
        return None
    if not _same(existing, run.cred):
        return None
    if unshadow:
        _unshadow(d, run, left())
    if _confirm(d, run, left()) is not None:
        return None
    home = run.env.home
    how = (f"logged in through {written_by} (shared store {store.describe(home)})" if written_by
           else f"already logged in ({store.describe(home)})")
    return base_row(d, run.cred).with_(status=AUTHENTICATED, detail=how, elapsed=time.monotonic() - started)


def login_one(d: Detected, store: StoreRef, run: Run, written_by: str | None,
              on_stored: Callable[[], None] | None = None) -> tuple[ToolRow, bool]:
    """Log one tool in and confirm it. `on_stored` runs once the store verifiably holds the credential, before the
    tool's own read-back: the other tools sharing the store can start confirming then."""
    a = d.adapter
    registry = run.request.registry
    deadline = time.monotonic() + run.request.timeout
    row = base_row(d, run.cred)
    home = run.env.home
    started = time.monotonic()

    def left() -> float:
        return max(0.1, deadline - time.monotonic())

    if not run.request.force:
        confirmed = confirm_stored(d, store, run, written_by, unshadow=True)
        if confirmed is not None:
            return confirmed, False

    prompt = a.uses_prompt(d.version)
    argv = login_argv(d, run, prompt=prompt)
    row = row.with_(argv=login_argv(d, run, prompt=prompt, display=True))
    before = preserve.snapshot(store.file)
    if prompt:
        answers = [(r"(?i)username:\s*$", run.cred.username), (r"(?i)password:\s*$", run.cred.token)]
        result = proc.run_on_pty(argv, env=run.env.vars, timeout=left(), answers=answers, redact_secrets=run.secrets)
    else:
        result = proc.run(argv, env=run.env.vars, timeout=left(), stdin=run.cred.token.encode(),
                          redact_secrets=run.secrets)
    kept = preserve.restore_dropped(store.file, before, registry)
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
    if on_stored is not None:
        on_stored()
    problem = _confirm(d, run, left())
    if problem is not None:
        return row.with_(detail=problem, elapsed=time.monotonic() - started), True
    detail = f"stored in {after.describe(home)}"
    if run.persisting(a):
        detail += " (survives reboots)"
    if unshadowed:
        detail += f"; removed the older entry from {unshadowed.describe(home)}, which the tool reads first"
    if kept:
        detail += f"; put back what {a.binary} dropped from {store.describe(home)}: {', '.join(kept)}"
    if d.is_podman_shim:
        detail = f"docker is podman's docker shim: {detail}"
    if after.volatile:
        detail += " (tmpfs: lost at reboot)"
    note = a.tls_advice(registry, run.plan, "") if a.tls_advice else None
    if note:
        detail += f"; {note}"
    return row.with_(status=AUTHENTICATED, detail=detail, elapsed=time.monotonic() - started), True


def _unshadow(d: Detected, run: Run, timeout: float) -> StoreRef | None:
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
    before = preserve.snapshot(runtime.file)
    proc.run([d.path or a.binary, *a.logout_command, a.authfile_option, str(runtime.file), run.request.registry.key],
             env=run.env.vars, timeout=timeout, redact_secrets=run.secrets)
    preserve.restore_dropped(runtime.file, before, run.request.registry)
    return runtime


def _confirm(d: Detected, run: Run, timeout: float) -> str | None:
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


def _failure_detail(d: Detected, run: Run, result: proc.ProcResult) -> str:
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
