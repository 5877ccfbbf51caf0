"""The one way this program runs another program (style.md §2).

- always a timeout; on expiry the whole process group is killed (SIGTERM, then SIGKILL);
- stdin is always a pipe (or a pty we drive), never the user's terminal: docker, podman and buildah hang at
  `Password:` when they see a terminal (tool-facts §2, §9);
- output is captured in bounded buffers, so a tool that floods megabytes costs at most `OUTPUT_LIMIT` per stream;
- every child runs in its own session, so Ctrl-C reaches only us and `stop_all()` can kill every child at once;
- secrets given in `redact` are replaced in everything captured, in case a tool echoes them.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

OUTPUT_LIMIT = 64 * 1024
_KILL_GRACE = 0.5
_POLL = 0.1

_live_lock = threading.Lock()
_live: set[int] = set()  # process-group ids of running children
_stopping = threading.Event()


class Interrupted(Exception):
    """Raised by `run` when `stop_all` was called while a child ran."""


@dataclass(frozen=True)
class ProcResult:
    argv: tuple[str, ...]
    returncode: int | None  # None: never started, or killed at the timeout
    stdout: str = field(repr=False)  # a credential helper's `get` answer holds the secret: never in a repr
    stderr: str = field(repr=False)
    timed_out: bool = False
    duration: float = 0.0
    spawn_error: str | None = None
    dropped: int = 0  # bytes of output discarded beyond OUTPUT_LIMIT

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def signal_name(self) -> str | None:
        if self.returncode is not None and self.returncode < 0:
            try:
                return signal.Signals(-self.returncode).name
            except ValueError:
                return f"signal {-self.returncode}"
        return None

    def command(self) -> str:
        """The command line for messages. Callers never put a secret in argv, so this is safe to show."""
        return " ".join(self.argv)


@dataclass
class _Tail:
    """Keeps the last `OUTPUT_LIMIT` bytes of a stream: the meaningful error line is at the end."""

    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        excess = len(self.data) - OUTPUT_LIMIT
        if excess > 0:
            del self.data[:excess]
            self.dropped += excess


def child_env(base: Mapping[str, str], secrets: Sequence[str]) -> dict[str, str]:
    """The environment for a tool: ours, minus KCR_TOKEN and any variable whose value holds a secret."""
    return {
        k: v
        for k, v in base.items()
        if k != "KCR_TOKEN" and not any(s and s in v for s in secrets) and not any(s and s in k for s in secrets)
    }


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    stdin: bytes = b"",
    redact_secrets: Sequence[str] = (),
) -> ProcResult:
    if _stopping.is_set():
        raise Interrupted()
    args = tuple(argv)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            start_new_session=True,
            close_fds=True,
        )
    except OSError as exc:
        return ProcResult(args, None, "", "", spawn_error=exc.strerror or str(exc))
    _register(proc.pid)
    try:
        out, err, ending = _pump(proc, stdin, start + timeout)
    finally:
        _kill_group(proc.pid, signal.SIGKILL)  # leftovers of the group, e.g. a helper the tool started
        _unregister(proc.pid)
    if ending == "interrupted":
        raise Interrupted()
    timed_out = ending == "timeout"
    return ProcResult(
        args,
        None if timed_out else proc.returncode,
        redact(out.data.decode("utf-8", "replace"), redact_secrets),
        redact(err.data.decode("utf-8", "replace"), redact_secrets),
        timed_out=timed_out,
        duration=time.monotonic() - start,
        dropped=out.dropped + err.dropped,
    )


def _pump(proc: subprocess.Popen[bytes], stdin: bytes, deadline: float) -> tuple[_Tail, _Tail, str]:
    """Feed stdin, collect output; return how it ended: "done", "timeout" or "interrupted"."""
    assert proc.stdin and proc.stdout and proc.stderr
    out, err = _Tail(), _Tail()
    sel = selectors.DefaultSelector()
    sinks = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    for stream in (proc.stdout, proc.stderr):
        os.set_blocking(stream.fileno(), False)
        sel.register(stream.fileno(), selectors.EVENT_READ)
    pending = memoryview(stdin)
    if pending:
        os.set_blocking(proc.stdin.fileno(), False)
        sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE)
    else:
        proc.stdin.close()
    exited_at: float | None = None
    try:
        while sinks or pending:
            now = time.monotonic()
            if now >= deadline or _stopping.is_set():
                _terminate(proc)
                return out, err, "interrupted" if _stopping.is_set() else "timeout"
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > 0.2:
                break  # the leader is gone; a grandchild holding our pipes open is not waited for
            for key, _ in sel.select(min(_POLL, deadline - now)):
                fd = key.fd
                if fd in sinks:
                    try:
                        chunk = os.read(fd, 65536)
                    except BlockingIOError:
                        continue
                    if chunk:
                        sinks[fd].add(chunk)
                    else:
                        sel.unregister(fd)
                        del sinks[fd]
                else:
                    try:
                        written = os.write(fd, pending)
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:
                        written = len(pending)
                    pending = pending[written:]
                    if not pending:
                        sel.unregister(fd)
                        proc.stdin.close()
        remaining = max(0.0, deadline - time.monotonic())
        try:
            proc.wait(remaining)
        except subprocess.TimeoutExpired:
            _terminate(proc)
            return out, err, "timeout"
        return out, err, "done"
    finally:
        sel.close()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    _kill_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(_KILL_GRACE)
    except subprocess.TimeoutExpired:
        pass
    _kill_group(proc.pid, signal.SIGKILL)
    try:
        proc.wait(_KILL_GRACE)
    except subprocess.TimeoutExpired:
        pass


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _register(pgid: int) -> None:
    with _live_lock:
        _live.add(pgid)


def _unregister(pgid: int) -> None:
    with _live_lock:
        _live.discard(pgid)


def stop_all() -> None:
    """Ctrl-C: refuse new children and kill every running child's process group now."""
    _stopping.set()
    with _live_lock:
        groups = list(_live)
    for pgid in groups:
        _kill_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + _KILL_GRACE
    while time.monotonic() < deadline:
        with _live_lock:
            if not _live:
                return
        time.sleep(0.02)
    with _live_lock:
        groups = list(_live)
    for pgid in groups:
        _kill_group(pgid, signal.SIGKILL)


def run_on_pty(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    answers: Sequence[tuple[str, str]],
    redact_secrets: Sequence[str] = (),
) -> ProcResult:
    """Run a tool on a pseudo-terminal and answer its prompts, for tools that read a password only from a terminal.

    `answers` pairs a regular expression for a prompt with the line to type. The answer is typed into the pty, so
    it is never in argv or the environment; the tools turn echo off for their password prompt.
    """
    import pexpect  # only this path needs it

    if _stopping.is_set():
        raise Interrupted()
    args = tuple(argv)
    start = time.monotonic()
    deadline = start + timeout
    try:
        child = pexpect.spawn(args[0], list(args[1:]), env=dict(env), echo=False, timeout=timeout)
    except (pexpect.ExceptionPexpect, OSError) as exc:
        return ProcResult(args, None, "", "", spawn_error=str(exc))
    _register(child.pid)
    transcript = _Tail()
    timed_out = False
    try:
        todo = list(answers)
        patterns = [p for p, _ in todo]
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or _stopping.is_set():
                timed_out = not _stopping.is_set()
                break
            index = child.expect([*patterns, pexpect.EOF, pexpect.TIMEOUT], timeout=min(remaining, _POLL * 5))
            transcript.add((child.before or b"") + (child.after if isinstance(child.after, bytes) else b""))
            if index < len(patterns):
                child.sendline(todo[index][1])
            elif index == len(patterns):
                break
    finally:
        if child.isalive():
            _kill_group(child.pid, signal.SIGKILL)
        child.close(force=True)
        _unregister(child.pid)
    if _stopping.is_set():
        raise Interrupted()
    text = redact(transcript.data.decode("utf-8", "replace").replace("\r\n", "\n"), redact_secrets)
    rc = None if timed_out else (child.exitstatus if child.exitstatus is not None else -(child.signalstatus or 0))
    return ProcResult(args, rc, text, "", timed_out=timed_out, duration=time.monotonic() - start,
                      dropped=transcript.dropped)
