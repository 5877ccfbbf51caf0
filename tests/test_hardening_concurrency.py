"""Interruptions and concurrency: nothing half-written, nothing lost, every run's own result true."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CANARY_ORG, ORG, USER
from tests.harness.registry import RunningRegistry
from tests.harness.sandbox import Sandbox
from tests.helpers import alive, doc, login, rows

pytestmark = pytest.mark.realtools

OTHERS = {f"reg{i:02d}.example.com": {"auth": base64.b64encode(f"u{i}:p{i}".encode()).decode()} for i in range(20)}


def _seed(box: Sandbox) -> None:
    for path in (box.docker_config, box.auth_json, box.helm_config):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"auths": OTHERS, "HttpHeaders": {"X-Keep": "me"}}))


def _assert_intact(box: Sandbox) -> dict[str, dict[str, object]]:
    found = {}
    for path in (box.docker_config, box.auth_json, box.helm_config):
        data = json.loads(path.read_text())  # valid JSON
        for host, entry in OTHERS.items():
            assert data["auths"][host] == entry, (path, host)
        assert data["HttpHeaders"] == {"X-Keep": "me"}
        found[str(path)] = data
    return found


def _popen(box: Sandbox, registry: RunningRegistry, user: str, token: str, *args: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "kcr_multilogin", "all", "-u", user, "--password-stdin",
                             "--registry", registry.host, "--ca-file", str(registry.ca), *args],
                            env=box.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(token.encode() + b"\n")
    proc.stdin.close()
    proc.stdin = None
    return proc


def test_three_runs_at_once(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    """Three `all` runs with three different credentials: each confirms its own login; nothing is lost."""
    _seed(sandbox)
    users = (USER, ORG, CANARY_ORG)
    procs = [_popen(sandbox, basic_registry, user, tokens[user], "--json") for user in users]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()
        assert {row["status"] for row in json.loads(out)["tools"]} == {"authenticated"}
    stores = _assert_intact(sandbox)
    winners = {sandbox.stored(Path(path), basic_registry.host) for path in stores}
    assert all(w in {(u, tokens[u]) for u in users} for w in winners)


def test_ctrl_c_leaves_every_store_whole(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str],
                                         tmp_path: Path) -> None:
    _seed(sandbox)
    pidfile = tmp_path / "pid"
    sandbox.fake_tool("buildah", 'case "$1" in --version) echo "buildah version 1.28.2"; exit 0;; esac\n'
                                 f'/bin/sleep 300 & echo $! > {pidfile}; wait\n')
    proc = _popen(sandbox, basic_registry, ORG, tokens[ORG], "--force")
    deadline = time.monotonic() + 30
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pidfile.exists()
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - started < 2.5
    assert proc.returncode == 130 and b"Traceback" not in err
    assert not alive(int(pidfile.read_text()))
    _assert_intact(sandbox)


@pytest.fixture
def read_only_home(sandbox: Sandbox) -> Iterator[Path]:
    """HOME on a read-only file system (a tmpfs mounted ro; the suite runs as root, as CI does)."""
    mount = sandbox.home
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_read_only_home(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str],
                        read_only_home: Path) -> None:
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 1
    by_tool = rows(result)
    for tool in ("docker", "helm"):
        assert by_tool[tool]["status"] == "failed"
        assert "read-only file system" in by_tool[tool]["detail"]
        assert "cannot write its credential file" in by_tool[tool]["detail"]
    for tool in ("podman", "skopeo", "buildah"):  # their runtime dir is elsewhere
        assert by_tool[tool]["status"] == "authenticated"


def test_auth_file_on_a_read_only_file_system(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str],
                                              tmp_path: Path) -> None:
    frozen = tmp_path / "frozen"
    frozen.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(frozen)], check=True)
    try:
        result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json",
                       env={"REGISTRY_AUTH_FILE": str(frozen / "containers" / "auth.json")})
    finally:
        subprocess.run(["umount", str(frozen)], check=True)
    assert result.returncode == 1
    by_tool = rows(result)
    for tool in ("podman", "skopeo", "buildah"):
        assert by_tool[tool]["status"] == "failed"
        assert "read-only file system" in by_tool[tool]["detail"] and "[containers.auth-file]" in by_tool[tool]["detail"]
    assert by_tool["docker"]["status"] == by_tool["helm"]["status"] == "authenticated"
    assert doc(result)["registry"] == basic_registry.host
