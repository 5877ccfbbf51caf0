"""The one process runner: timeouts kill the group, output is bounded, stdin is a pipe, secrets are redacted."""

from __future__ import annotations

import os
import time
from pathlib import Path

from kcr_multilogin import proc
from tests.helpers import alive

ENV = {"PATH": "/usr/bin:/bin"}


def test_stdin_reaches_the_child_and_output_is_captured() -> None:
    result = proc.run(["/bin/sh", "-c", "read x; echo got:$x; echo err >&2; exit 3"], env=ENV, timeout=5, stdin=b"hello")
    assert (result.returncode, result.stdout, result.stderr) == (3, "got:hello\n", "err\n")


def test_stdin_is_a_pipe_not_a_terminal() -> None:
    result = proc.run(["/bin/sh", "-c", "[ -t 0 ] && echo tty || echo pipe"], env=ENV, timeout=5)
    assert result.stdout == "pipe\n"


def test_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    started = time.monotonic()
    result = proc.run(["/bin/sh", "-c", f"sleep 300 & echo $! > {pidfile}; wait"], env=ENV, timeout=1)
    assert result.timed_out and result.returncode is None
    assert time.monotonic() - started < 4
    assert not alive(int(pidfile.read_text()))


def test_flood_is_bounded() -> None:
    result = proc.run(["/bin/sh", "-c", "head -c 20000000 /dev/zero | tr '\\0' 'x'; echo; echo LAST LINE >&2"],
                      env=ENV, timeout=30)
    assert result.returncode == 0
    assert len(result.stdout) <= proc.OUTPUT_LIMIT and result.dropped >= 20_000_000 - proc.OUTPUT_LIMIT
    assert result.stderr == "LAST LINE\n"


def test_invalid_utf8_is_replaced() -> None:
    result = proc.run(["/usr/bin/printf", "bad \\377\\376 bytes"], env=ENV, timeout=5)
    assert result.stdout == "bad \ufffd\ufffd bytes"


def test_signal_death_is_reported() -> None:
    result = proc.run(["/bin/sh", "-c", "kill -SEGV $$"], env=ENV, timeout=5)
    assert result.signal_name == "SIGSEGV"


def test_missing_and_non_executable_programs(tmp_path: Path) -> None:
    assert proc.run([str(tmp_path / "nope")], env=ENV, timeout=5).spawn_error
    plain = tmp_path / "plain"
    plain.write_text("#!/bin/sh\necho hi\n")
    result = proc.run([str(plain)], env=ENV, timeout=5)
    assert result.returncode is None and "Permission denied" in (result.spawn_error or "")


def test_secrets_are_redacted_from_output() -> None:
    result = proc.run(["/bin/sh", "-c", "cat; echo; cat >&2 </dev/null; echo s3cret >&2"], env=ENV, timeout=5,
                      stdin=b"s3cret", redact_secrets=["s3cret"])
    assert "s3cret" not in result.stdout + result.stderr and "***" in result.stdout


def test_child_env_scrubs_the_token_everywhere() -> None:
    env = {"KCR_TOKEN": "t0k", "HOME": "/h", "COPY": "prefix-t0k", "t0k": "name-holds-it"}
    assert proc.child_env(env, ["t0k"]) == {"HOME": "/h"}


def test_leftover_group_members_are_killed_after_the_leader_exits(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    result = proc.run(["/bin/sh", "-c", f"(sleep 300 >/dev/null 2>&1 &) ; sleep 300 >/dev/null 2>&1 & echo $! > {pidfile}"],
                      env=ENV, timeout=5)
    assert result.returncode == 0
    assert not alive(int(pidfile.read_text()))


def test_pty_runner_answers_prompts(tmp_path: Path) -> None:
    script = 'printf "Username: "; read u; stty -echo; printf "Password: "; read p; stty echo; echo; echo "$u/${#p}"'
    result = proc.run_on_pty(["/bin/sh", "-c", script], env={**ENV, "TERM": "dumb"}, timeout=10,
                             answers=[(r"Username:\s*$", "me"), (r"Password:\s*$", "hunter22")],
                             redact_secrets=["hunter22"])
    assert result.returncode == 0, result.stdout
    assert "me/8" in result.stdout and "hunter22" not in result.stdout


def test_nothing_is_left_registered() -> None:
    proc.run(["/bin/true"], env=ENV, timeout=5)
    assert proc._live == set()
    assert os.getpgrp() not in proc._live


def test_captured_output_stays_out_of_repr() -> None:
    """A credential helper's `get` prints the secret; a ProcResult's repr must not carry it anywhere."""
    result = proc.run(["/bin/sh", "-c", "cat; cat /dev/null >&2"], env=ENV, timeout=5, stdin=b'{"Secret": "s3cr3t"}')
    assert "s3cr3t" in result.stdout and "s3cr3t" not in repr(result)
