"""The canary token through every command and every outcome: never in a child's argv or environment, on stdout or
stderr, in JSON, in a file we write, or in a repr of our objects."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CANARY_ORG, USER
from tests.harness.certs import Pki
from tests.harness.registry import RunningRegistry, free_port
from tests.harness.sandbox import Sandbox
from tests.helpers import login, logins_run

pytestmark = pytest.mark.realtools


class Canary:
    def __init__(self, token: str) -> None:
        self.forms = (token, base64.b64encode(f"{CANARY_ORG}:{token}".encode()).decode(),
                      base64.b64encode(f"{USER}:{token}".encode()).decode())

    def assert_absent(self, *texts: str) -> None:
        for text in texts:
            for form in self.forms:
                assert form not in text

    def assert_children_clean(self, box: Sandbox) -> None:
        recorded = box.recorded()
        assert recorded, "no child was recorded: the check would prove nothing"
        for r in recorded:
            self.assert_absent(*r.argv, *r.environ.keys(), *r.environ.values())

    def assert_our_files_clean(self, box: Sandbox) -> None:
        """Our own files (lock files, the temporary CA directory) live under TMPDIR."""
        for path in (box.root / "tmp").rglob("*"):
            if path.is_file():
                self.assert_absent(path.read_bytes().decode(errors="replace"))


@pytest.fixture
def canary_forms(canary: str) -> Canary:
    return Canary(canary)


LEAKY_ENV = {"SOME_OTHER_VAR": "prefix"}  # completed per test with the canary inside its value


def _env(canary: str) -> dict[str, str]:
    return {"KCR_TOKEN": canary, "SOME_OTHER_VAR": f"prefix-{canary}-suffix"}


def test_every_command_after_a_canary_login(sandbox: Sandbox, basic_registry: RunningRegistry, canary: str,
                                            canary_forms: Canary) -> None:
    outputs = []
    for args in ((), ("--json",), ("--dry-run",), ("--dry-run", "--json"), ("--force", "--persist", "--json")):
        result = login(sandbox, basic_registry, CANARY_ORG, canary, *args, env=_env(canary))
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    common = ("--registry", basic_registry.host, "--ca-file", str(basic_registry.ca))
    for command in (("status",), ("status", "--json"), ("status", "--offline", "--json"), ("doctor",), ("doctor", "--json"),
                    ("logout", "--json"), ("status", "--json")):
        result = sandbox.run(*command, *common, env=_env(canary))
        outputs += [result.stdout, result.stderr]
    canary_forms.assert_absent(*outputs)
    canary_forms.assert_children_clean(sandbox)
    canary_forms.assert_our_files_clean(sandbox)


@pytest.mark.parametrize("case", ["rejected", "unreachable", "tls", "tool-fails", "timeout"])
def test_failures_keep_the_canary(sandbox: Sandbox, basic_registry: RunningRegistry, canary: str, canary_forms: Canary,
                                  pki: Pki, case: str) -> None:
    registry, ca, user, extra = basic_registry.host, str(basic_registry.ca), CANARY_ORG, ()
    if case == "rejected":
        user = USER  # the canary is not dev@example.com's token
    elif case == "unreachable":
        registry = f"127.0.0.1:{free_port()}"
    elif case == "tls":
        ca = str(pki.other_ca_cert)
    elif case == "tool-fails":
        sandbox.auth_json.parent.mkdir(parents=True)
        sandbox.auth_json.write_text(json.dumps({"credHelpers": {basic_registry.host: "nosuch"}}))
    else:
        sandbox.fake_tool("helm", 'case "$1" in version) echo v4.1.4; exit 0;; esac\ncat >/dev/null; exec sleep 300\n')
        extra = ("--timeout", "2")
    outputs = []
    expected = {"rejected": 3, "unreachable": 3, "tls": 3, "tool-fails": 1, "timeout": 1}[case]
    for json_flag in ((), ("--json",)):
        result = sandbox.run("all", "-u", user, "--password-stdin", "--registry", registry, "--ca-file", ca, *extra,
                             *json_flag, input=canary + "\n", env=_env(canary))
        assert result.returncode == expected, result.stdout + result.stderr
        outputs += [result.stdout, result.stderr]
    if case in ("tool-fails", "timeout"):
        by_tool = {row["tool"]: row for row in json.loads(outputs[-2])["tools"]}
        broken = {"tool-fails": ("podman", "failed"), "timeout": ("helm", "timeout")}[case]
        assert by_tool[broken[0]]["status"] == broken[1], by_tool[broken[0]]
    canary_forms.assert_absent(*outputs)
    canary_forms.assert_children_clean(sandbox)
    canary_forms.assert_our_files_clean(sandbox)


def test_ctrl_c_keeps_the_canary(sandbox: Sandbox, basic_registry: RunningRegistry, canary: str, canary_forms: Canary,
                                 tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    sandbox.fake_tool("skopeo", f'case "$1" in --version) echo "skopeo version 1.9.3"; exit 0;; esac\n'
                                f'echo $$ > {pidfile}; exec sleep 300\n')
    proc = subprocess.Popen([sys.executable, "-m", "kcr_multilogin", "login", "skopeo", "docker", "-u", CANARY_ORG,
                             "--password-stdin", "--registry", basic_registry.host, "--ca-file", str(basic_registry.ca)],
                            env={**sandbox.env, **_env(canary)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(canary.encode() + b"\n")
    proc.stdin.close()
    proc.stdin = None
    deadline = time.monotonic() + 20
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130
    canary_forms.assert_absent(out.decode(), err.decode())
    canary_forms.assert_children_clean(sandbox)


CRASH = """
import sys
import kcr_multilogin.login as login

def boom(d, store, run, written_by, **kwargs):
    token_in_a_local = run.cred.token
    raise RuntimeError("exploded while holding " + token_in_a_local)

login.login_one = boom
from kcr_multilogin.cli import main
main(sys.argv[1:])
"""


def test_our_own_crash_is_short_and_keeps_the_canary(sandbox: Sandbox, basic_registry: RunningRegistry, canary: str,
                                                     canary_forms: Canary) -> None:
    result = subprocess.run([sys.executable, "-c", CRASH, "all", "-u", CANARY_ORG, "--password-stdin", "--registry",
                             basic_registry.host, "--ca-file", str(basic_registry.ca)],
                            input=canary + "\n", env=sandbox.env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "token_in_a_local" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("kcr-multilogin: internal error at <string>:7: ")
    assert "RuntimeError: exploded while holding ***" in result.stderr
    canary_forms.assert_absent(result.stdout, result.stderr)


def test_reprs_of_our_objects_hide_the_token(sandbox: Sandbox, basic_registry: RunningRegistry, canary: str) -> None:
    from kcr_multilogin.adapter import TlsPlan
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.inputs import Credential, CredentialType, parse_registry
    from kcr_multilogin.login import LoginRequest, run_login
    from kcr_multilogin.login_tool import Run, secrets_of
    from kcr_multilogin.registry import TlsOptions, check_credential
    from kcr_multilogin.stores import Environment, read_credential

    cred = Credential(CANARY_ORG, CredentialType.ORG, canary)
    registry = parse_registry(basic_registry.host)
    request = LoginRequest(registry, cred, ("skopeo",), TlsOptions(True, basic_registry.ca), 30)
    env = Environment(sandbox.env)
    report = run_login(request, env, ADAPTERS)
    assert report.rows[0].status == "authenticated"
    stored = read_credential(ADAPTERS["skopeo"].store(registry, env), registry, env, 5)
    objects = [cred, request, Run(request, env, TlsPlan(), secrets_of(cred)), report, *report.rows, stored,
               check_credential(registry, CANARY_ORG, canary, request.tls, 10)]
    Canary(canary).assert_absent(*(repr(o) for o in objects), *(str(o) for o in objects))
    assert stored is not None and stored.secret == canary  # the object does hold it: only its repr hides it
    assert logins_run(sandbox)
