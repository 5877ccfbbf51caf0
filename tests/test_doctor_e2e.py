"""`doctor`: each broken situation built for real in an isolated HOME; where a login would fail, `all` says the same."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ORG
from tests.harness.certs import Pki
from tests.harness.passstore import helpers_on_path, init_pass, stop_agent
from tests.harness.proxies import SkewedClockProxy
from tests.harness.registry import RunningRegistry, htpasswd_auth, htpasswd_file, start_registry
from tests.harness.sandbox import Sandbox, real_tool
from tests.helpers import login, logins_run, rows

pytestmark = pytest.mark.realtools


def _doctor(box: Sandbox, registry: RunningRegistry | str, *args: str, ca: Path | None = None,
            env: dict[str, str] | None = None) -> tuple[int, dict[str, dict[str, Any]]]:
    host = registry if isinstance(registry, str) else registry.host
    ca_args = ("--ca-file", str(ca if ca else registry.ca)) if (ca or not isinstance(registry, str)) else ()
    result = box.run("doctor", "--json", "--registry", host, *ca_args, *args, env=env)
    doc = json.loads(result.stdout)
    assert set(doc) == {"registry", "shell", "checks"}
    checks = {c["id"]: c for c in doc["checks"]}
    assert all(set(c) == {"id", "tool", "level", "summary", "fix"} for c in doc["checks"])
    return result.returncode, checks


@pytest.fixture
def gpg_agent_cleanup(sandbox: Sandbox) -> Iterator[None]:
    yield
    stop_agent(sandbox)


def test_healthy_machine_is_all_ok(sandbox: Sandbox, basic_registry: RunningRegistry, gpg_agent_cleanup: None) -> None:
    """docker keeps its token in an initialised pass; helm absent (with helm, sharing pass is a warning by design)."""
    (sandbox.bin / "helm").unlink()
    helpers_on_path(sandbox, "pass", "docker-credential-pass")
    init_pass(sandbox)
    code, checks = _doctor(sandbox, basic_registry)
    assert {c["level"] for c in checks.values()} == {"ok"}, [c for c in checks.values() if c["level"] != "ok"]
    assert code == 0
    assert "docker-credential-pass" in checks["docker.credential-store"]["summary"]


def test_config_naming_a_missing_helper(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    sandbox.docker_config.parent.mkdir()
    sandbox.docker_config.write_text('{"auths": {}, "credsStore": "desktop"}')
    code, checks = _doctor(sandbox, basic_registry)
    check = checks["docker.credential-store"]
    assert code == 1 and check["level"] == "fail"
    assert "docker-credential-desktop is not on PATH" in check["summary"] and "Docker Desktop" in check["fix"]
    # The real docker fails exactly so:
    real = sandbox.tool("docker", "login", "-u", ORG, "--password-stdin", basic_registry.host, input=tokens[ORG])
    assert real.returncode == 1 and "docker-credential-desktop" in real.stderr
    before = len(logins_run(sandbox))
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert rows(result)["docker"]["status"] == "failed" and check["summary"] in rows(result)["docker"]["detail"]
    assert "docker" not in {tool for tool, _ in logins_run(sandbox)[before:]}


def test_pass_without_init(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    helpers_on_path(sandbox, "pass", "docker-credential-pass")
    code, checks = _doctor(sandbox, basic_registry)
    assert code == 1
    for tool in ("docker", "helm"):
        check = checks[f"{tool}.credential-store"]
        assert check["level"] == "fail" and "not initialised" in check["summary"] and "pass init" in check["fix"]
    assert checks["helm.shared-helper"]["level"] == "warn"
    real = sandbox.tool("docker", "login", "-u", ORG, "--password-stdin", basic_registry.host, input=tokens[ORG])
    assert real.returncode == 1 and "pass not initialized" in real.stderr
    before = len(logins_run(sandbox))
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 1
    by_tool = rows(result)
    for tool in ("docker", "helm"):
        assert by_tool[tool]["status"] == "failed" and "not initialised" in by_tool[tool]["detail"]
    ran = {t for t, _ in logins_run(sandbox)[before:]}
    assert len(ran) == 1 and ran <= {"podman", "skopeo", "buildah"}  # docker and helm were not run


def test_secretservice_without_dbus(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    helpers_on_path(sandbox, "docker-credential-secretservice")
    code, checks = _doctor(sandbox, basic_registry)
    check = checks["docker.credential-store"]
    assert code == 1 and check["level"] == "fail" and "D-Bus" in check["summary"] and "pass" in check["fix"]
    real = sandbox.tool("docker", "login", "-u", ORG, "--password-stdin", basic_registry.host, input=tokens[ORG])
    assert real.returncode == 1 and "Cannot autolaunch D-Bus" in real.stderr
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert "D-Bus" in rows(result)["docker"]["detail"] and rows(result)["docker"]["status"] == "failed"


def test_runtime_dir_pointing_nowhere(sandbox: Sandbox, basic_registry: RunningRegistry, tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    code, checks = _doctor(sandbox, basic_registry, env={"XDG_RUNTIME_DIR": str(missing), "SHELL": "/usr/bin/fish"})
    check = checks["containers.runtime-dir"]
    assert code == 1 and check["level"] == "fail" and str(missing) in check["summary"]
    real = sandbox.tool("podman", "login", "--get-login", basic_registry.host, env={"XDG_RUNTIME_DIR": str(missing)})
    assert real.returncode != 0 and "does not exist" in real.stderr


def test_runtime_dir_unset_as_root(sandbox: Sandbox, basic_registry: RunningRegistry) -> None:
    env = dict(sandbox.env)
    del env["XDG_RUNTIME_DIR"]
    sandbox.env = env
    _, checks = _doctor(sandbox, basic_registry)
    check = checks["containers.runtime-dir"]
    assert check["level"] == "warn" and "/run/containers/0/auth.json" in check["summary"]


@pytest.fixture
def tmpfs_runtime(sandbox: Sandbox) -> Iterator[Path]:
    """A runtime dir on a real tmpfs (/dev/shm), as /run/user/$UID is on a workstation."""
    directory = Path("/dev/shm") / f"kcr-test-{uuid.uuid4().hex}"
    directory.mkdir(mode=0o700)
    sandbox.env["XDG_RUNTIME_DIR"] = str(directory)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def test_tmpfs_login_is_flagged_and_persist_fixes_it(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                     tokens: dict[str, str], tmpfs_runtime: Path) -> None:
    _, checks = _doctor(sandbox, basic_registry)
    assert checks["containers.persistence"]["level"] == "warn"
    assert "--persist" in checks["containers.persistence"]["fix"]
    plain = login(sandbox, basic_registry, ORG, tokens[ORG])
    assert plain.returncode == 0 and "lost at reboot" in plain.stdout and "--persist" in plain.stdout
    persisted = login(sandbox, basic_registry, ORG, tokens[ORG], "--persist", "--json")
    assert persisted.returncode == 0, persisted.stdout
    user_file = sandbox.home / ".config/containers/auth.json"
    assert sandbox.stored(user_file, basic_registry.host) == (ORG, tokens[ORG])
    # The runtime entry would be read first: it was removed with the tool's own logout.
    assert sandbox.stored(tmpfs_runtime / "containers/auth.json", basic_registry.host) is None
    assert any("removed the older entry" in row["detail"] for row in rows(persisted).values())
    status = json.loads(sandbox.run("status", "podman", "--registry", basic_registry.host, "--ca-file",
                                    str(basic_registry.ca), "--json").stdout)["tools"][0]
    assert status["status"] == "authenticated" and status["store"] == str(user_file)
    _, checks = _doctor(sandbox, basic_registry)
    assert checks["containers.persistence"]["level"] == "ok"


def test_unwritable_registry_auth_file(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    blocker = sandbox.root / "a-file"
    blocker.write_text("")
    env = {"REGISTRY_AUTH_FILE": str(blocker / "auth.json")}
    code, checks = _doctor(sandbox, basic_registry, env=env)
    check = checks["containers.auth-file"]
    assert code == 1 and check["level"] == "fail" and "is not a directory" in check["summary"]
    assert "REGISTRY_AUTH_FILE" in check["fix"]
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", env=env)
    for tool in ("podman", "skopeo", "buildah"):
        assert rows(result)[tool]["status"] == "failed" and "cannot be written" in rows(result)[tool]["detail"]


def test_docker_that_is_podman(sandbox: Sandbox, basic_registry: RunningRegistry) -> None:
    sandbox.fake_tool("docker", f'exec {real_tool("podman")} "$@"\n')
    _, checks = _doctor(sandbox, basic_registry)
    assert checks["docker.podman-shim"]["level"] == "warn" and "podman's docker shim" in checks["docker.podman-shim"]["summary"]


def test_old_helm(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    """A helm 3.7 that says so (a fake: only its version answer matters)."""
    sandbox.fake_tool("helm", 'case "$1" in version) echo "v3.7.2+g663a896"; exit 0;; esac\nexit 1\n')
    code, checks = _doctor(sandbox, basic_registry)
    check = checks["helm.version"]
    assert code == 1 and check["level"] == "fail" and "3.8" in check["summary"] and "HELM_EXPERIMENTAL_OCI" in check["fix"]
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert rows(result)["helm"]["status"] == "failed" and "3.8" in rows(result)["helm"]["detail"]
    assert "helm" not in dict(logins_run(sandbox))


def test_certificate_for_another_name(sandbox: Sandbox, tmp_path: Path, pki: Pki, tokens: dict[str, str]) -> None:
    registry = start_registry(tmp_path / "wrong", name="wrong-name", cert=pki.wrong_name_cert, key=pki.wrong_name_key,
                              ca=pki.ca_cert, auth_yaml=htpasswd_auth(htpasswd_file(tmp_path / "htpasswd", tokens)))
    try:
        code, checks = _doctor(sandbox, registry)
        check = checks["registry.tls"]
        assert code == 1 and check["level"] == "fail"
        assert "not issued for this IP address" in check["summary"] and "reissued" in check["fix"]
        assert checks["registry.reachable"]["level"] == "ok"
        result = login(sandbox, registry, ORG, tokens[ORG])
        assert result.returncode == 3 and "IP address mismatch" in result.stderr
    finally:
        registry.stop()


def test_unknown_ca(sandbox: Sandbox, basic_registry: RunningRegistry, pki: Pki) -> None:
    code, checks = _doctor(sandbox, basic_registry, ca=pki.other_ca_cert)
    assert code == 1 and "a CA this machine does not trust" in checks["registry.tls"]["summary"]
    assert "--ca-file" in checks["registry.tls"]["fix"] and "certs.d" in checks["registry.tls"]["fix"]


@pytest.mark.parametrize(("skew", "level"), [(-3600, "fail"), (120, "warn"), (5, "ok")])
def test_registry_clock(sandbox: Sandbox, basic_registry: RunningRegistry, pki: Pki, skew: int, level: str) -> None:
    proxy = SkewedClockProxy(basic_registry.host, pki.ca_cert, pki.server_cert, pki.server_key, skew)
    try:
        _, checks = _doctor(sandbox, proxy.host, ca=pki.ca_cert)
    finally:
        proxy.close()
    check = checks["registry.clock"]
    assert check["level"] == level, check
    if level != "ok":
        assert ("behind" if skew < 0 else "ahead of") in check["summary"] and "clock" in check["fix"]


def test_plaintext_copies_are_counted(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    assert login(sandbox, basic_registry, ORG, tokens[ORG]).returncode == 0
    _, checks = _doctor(sandbox, basic_registry)
    check = checks["plaintext.copies"]
    assert check["level"] == "warn" and check["summary"].startswith("3 file(s)")
    for path in (sandbox.docker_config, sandbox.auth_json, sandbox.helm_config):
        assert str(path) in check["summary"]


def test_unreachable_registry(sandbox: Sandbox) -> None:
    code, checks = _doctor(sandbox, "127.0.0.1:9")
    assert code == 1 and checks["registry.reachable"]["level"] == "fail"
    assert checks["registry.tls"]["level"] == "warn" and checks["registry.clock"]["level"] == "warn"
