"""What people see: live progress on a terminal, plain lines otherwise, pure JSON, quiet/verbose, narrow, no colour."""

from __future__ import annotations

import json
import re
import sys

import pytest

from tests.conftest import ORG
from tests.harness.registry import RunningRegistry
from tests.harness.sandbox import Sandbox, real_tool
from tests.helpers import login

pytestmark = pytest.mark.realtools

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _slow_helm(box: Sandbox) -> None:
    """The real helm, two seconds late: long enough to see the others finish while it runs."""
    box.fake_tool("helm", f'case "$1" in registry) /bin/sleep 2;; esac\nexec {real_tool("helm")} "$@"\n')


def test_live_table_on_a_terminal(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    import pexpect

    _slow_helm(sandbox)
    child = pexpect.spawn(sys.executable, ["-m", "kcr_multilogin", "all", "-u", ORG, "--registry", basic_registry.host,
                                           "--ca-file", str(basic_registry.ca)],
                          env={**sandbox.env, "KCR_TOKEN": tokens[ORG], "COLUMNS": "120", "TERM": "xterm-256color"},
                          timeout=60, encoding="utf-8", dimensions=(40, 120))
    child.expect(pexpect.EOF)
    child.close()
    screen = child.before
    assert child.exitstatus == 0
    assert "… running" in screen  # helm still running while the others were shown finished
    assert "\x1b[" in screen  # a terminal gets colour and cursor control
    final = ANSI.sub("", screen[screen.rindex("kcr-multilogin login ·"):])
    assert final.count("✓ authenticated") == 5 and "running" not in final


def test_plain_lines_when_not_a_terminal(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    _slow_helm(sandbox)
    result = login(sandbox, basic_registry, ORG, tokens[ORG])
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[4].startswith("helm: authenticated")  # the slow one finished last, and was printed last
    assert "\x1b" not in result.stdout and "running" not in result.stdout
    assert "┃ Tool" in result.stdout


def test_json_is_the_only_thing_on_stdout(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", "--verbose")
    assert result.returncode == 0
    json.loads(result.stdout)  # the whole of stdout is one document
    assert result.stdout.lstrip().startswith("{") and result.stdout.rstrip().endswith("}")


def test_json_stays_pure_with_interactive_prompts(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                   tokens: dict[str, str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Prompts go to the terminal (stderr), stdout redirected to a file holds only the JSON."""
    import pexpect

    out = tmp_path / "out.json"
    command = (f"{sys.executable} -m kcr_multilogin all --registry {basic_registry.host} --ca-file {basic_registry.ca} "
               f"--json > {out}")
    child = pexpect.spawn("/bin/sh", ["-c", command], env=sandbox.env, timeout=60, encoding="utf-8")
    child.expect("Credential type")
    child.sendline("org")
    child.expect("Organisation subdomain")
    child.sendline(ORG)
    child.expect("API token")
    child.sendline(tokens[ORG])
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    doc = json.loads(out.read_text())
    assert {row["status"] for row in doc["tools"]} == {"authenticated"}


def test_quiet_and_verbose(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    quiet = login(sandbox, basic_registry, ORG, tokens[ORG], "-q")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    verbose = login(sandbox, basic_registry, ORG, tokens[ORG], "-v", "--force")
    assert re.search(r"^podman \(\d+ ms\): \S*podman login --username my-company --password-stdin", verbose.stdout, re.M)
    assert tokens[ORG] not in verbose.stdout
    sandbox.fake_tool("skopeo", 'case "$1" in --version) echo "skopeo version 1.9.3";; *) exit 3;; esac\n')
    failing = login(sandbox, basic_registry, ORG, tokens[ORG], "-q", "--force", command="login", tools=("skopeo", "helm"))
    assert failing.returncode == 1 and failing.stdout == ""
    assert failing.stderr.strip().splitlines() == [failing.stderr.strip()]  # one line: skopeo's
    assert failing.stderr.startswith("kcr-multilogin: skopeo: failed")


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {}])
def test_no_color(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str], env: dict[str, str]) -> None:
    import pexpect

    args = ["-m", "kcr_multilogin", "status", "--registry", basic_registry.host, "--ca-file", str(basic_registry.ca)]
    if not env:
        args.append("--no-color")
    child = pexpect.spawn(sys.executable, args, env={**sandbox.env, **env, "TERM": "xterm-256color"}, timeout=60,
                          encoding="utf-8", dimensions=(40, 140))
    child.expect(pexpect.EOF)
    child.close()
    colours = re.findall(r"\x1b\[[0-9;]*m", child.before)
    assert not [c for c in colours if c not in ("\x1b[0m", "\x1b[1m", "\x1b[3m", "\x1b[2m")], colours


def test_narrow_terminal_keeps_the_status_whole(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                tokens: dict[str, str]) -> None:
    sandbox.fake_tool("buildah", 'case "$1" in --version) echo "buildah version 1.28.2";; *) /bin/sleep 30;; esac\n')
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--timeout", "1", env={"COLUMNS": "60"})
    table = result.stdout[result.stdout.index("kcr-multilogin login"):]
    assert all(len(line) <= 60 for line in table.splitlines())
    for status in ("✓ authenticated", "⏱ timeout"):
        assert status in table  # never cut mid-word
    assert "my-company (org)" in table  # the username moved into the title


def test_ascii_glyphs_when_the_terminal_cannot_encode_them(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                         tokens: dict[str, str]) -> None:
    result = login(sandbox, basic_registry, ORG, tokens[ORG], env={"PYTHONIOENCODING": "ascii", "LANG": "C"})
    assert result.returncode == 0
    table = result.stdout[result.stdout.index("kcr-multilogin login"):]
    assert "ok authenticated" in table and "✓" not in table
