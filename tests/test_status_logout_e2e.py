"""`status` and `logout` end to end, against the real tools, real registries and a real credential helper."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kcr_multilogin.registry import USER_AGENT
from tests.conftest import ORG, USER
from tests.harness.certs import Pki
from tests.harness.passstore import helpers_on_path, init_pass, stop_agent
from tests.harness.registry import RunningRegistry, htpasswd_auth, htpasswd_file, start_registry
from tests.harness.sandbox import TOOLS, Sandbox
from tests.helpers import doc, login, rows

pytestmark = pytest.mark.realtools


def _status(box: Sandbox, registry: RunningRegistry, *args: str):  # type: ignore[no-untyped-def]
    return box.run("status", "--registry", registry.host, "--ca-file", str(registry.ca), "--json", *args)


def _logout(box: Sandbox, registry: RunningRegistry, *args: str):  # type: ignore[no-untyped-def]
    return box.run("logout", "--registry", registry.host, "--ca-file", str(registry.ca), "--json", *args)


def _ours(registry: RunningRegistry, mark: int) -> list[dict[str, str]]:
    return [r for r in registry.since(mark) if r["agent"] == USER_AGENT]


def _snapshot(box: Sandbox) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for root in (box.home, box.runtime) for p in sorted(root.rglob("*")) if p.is_file()}


def test_status_after_all_is_authenticated_with_one_check(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                          tokens: dict[str, str]) -> None:
    assert login(sandbox, basic_registry, ORG, tokens[ORG]).returncode == 0
    before = _snapshot(sandbox)
    mark = basic_registry.mark()
    result = _status(sandbox, basic_registry)
    assert result.returncode == 0, result.stdout + result.stderr
    document = doc(result)
    assert document["username"] is None and document["credential_type"] is None
    by_tool = rows(result)
    for tool, row in by_tool.items():
        assert set(row) == {"tool", "installed", "path", "version", "status", "username", "credential_type", "store",
                            "verified", "detail"}
        assert (row["status"], row["verified"], row["username"], row["credential_type"]) == ("authenticated", True, ORG, "org"), tool
    assert by_tool["docker"]["store"] == str(sandbox.docker_config)
    assert by_tool["podman"]["store"] == by_tool["buildah"]["store"] == str(sandbox.auth_json)
    assert by_tool["helm"]["store"] == str(sandbox.helm_config)
    # Five tools hold one credential: one verification (the credential goes with the first request), not five.
    assert [(r["path"], r["status"]) for r in _ours(basic_registry, mark)] == [("/v2/", "200")]
    assert _snapshot(sandbox) == before  # status writes nothing


def test_status_on_a_fresh_machine(sandbox: Sandbox, basic_registry: RunningRegistry) -> None:
    mark = basic_registry.mark()
    result = _status(sandbox, basic_registry)
    assert result.returncode == 1
    assert {r["status"] for r in doc(result)["tools"]} == {"not_logged_in"}
    assert {r["verified"] for r in doc(result)["tools"]} == {None}
    assert _ours(basic_registry, mark) == []


def test_offline_never_touches_the_network(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    assert login(sandbox, basic_registry, USER, tokens[USER]).returncode == 0
    mark = basic_registry.mark()
    result = _status(sandbox, basic_registry, "--offline")
    assert result.returncode == 0
    assert {(r["status"], r["verified"], r["credential_type"]) for r in doc(result)["tools"]} == {("stored", None, "user")}
    assert basic_registry.since(mark) == []


def test_status_on_the_bearer_registry(sandbox: Sandbox, token_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    assert login(sandbox, token_registry, USER, tokens[USER]).returncode == 0
    server = token_registry.extra["token_server"]
    asked = sum(server.requests.values())  # type: ignore[attr-defined]
    result = _status(sandbox, token_registry)
    assert result.returncode == 0, result.stdout
    assert {r["status"] for r in doc(result)["tools"]} == {"authenticated"}
    assert sum(server.requests.values()) == asked + 1  # type: ignore[attr-defined]  # one token for one credential


def test_revoked_credential_is_rejected_for_that_tool_only(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                           tokens: dict[str, str]) -> None:
    assert login(sandbox, basic_registry, ORG, tokens[ORG]).returncode == 0
    config = json.loads(sandbox.helm_config.read_text())
    config["auths"][basic_registry.host]["auth"] = base64.b64encode(f"{ORG}:revoked-token".encode()).decode()
    sandbox.helm_config.write_text(json.dumps(config))
    mark = basic_registry.mark()
    result = _status(sandbox, basic_registry)
    assert result.returncode == 1
    by_tool = rows(result)
    assert (by_tool["helm"]["status"], by_tool["helm"]["verified"]) == ("rejected", False)
    assert "log in again" in by_tool["helm"]["detail"]
    assert all(by_tool[t]["status"] == "authenticated" for t in TOOLS if t != "helm")
    assert len(_ours(basic_registry, mark)) == 2  # two distinct credentials, one request each
    assert "revoked-token" not in result.stdout + result.stderr


def test_corrupt_config_is_an_error_for_docker_only(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                    tokens: dict[str, str]) -> None:
    assert login(sandbox, basic_registry, ORG, tokens[ORG]).returncode == 0
    sandbox.docker_config.write_bytes(b'{"auths": {"x": ')
    before = sandbox.docker_config.read_bytes()
    result = _status(sandbox, basic_registry)
    assert result.returncode == 1
    by_tool = rows(result)
    assert by_tool["docker"]["status"] == "error"
    assert str(sandbox.docker_config) in by_tool["docker"]["detail"] and "not valid JSON" in by_tool["docker"]["detail"]
    assert sandbox.docker_config.read_bytes() == before
    # podman reads docker's file only as a fallback, after its own auth.json, which holds the credential.
    assert all(by_tool[t]["status"] == "authenticated" for t in ("podman", "skopeo", "buildah", "helm"))


def test_unreachable_registry_keeps_rows_stored(sandbox: Sandbox, tmp_path: Path, pki: Pki, tokens: dict[str, str]) -> None:
    registry = start_registry(tmp_path / "reg", name="short-lived", cert=pki.server_cert, key=pki.server_key,
                              ca=pki.ca_cert, auth_yaml=htpasswd_auth(htpasswd_file(tmp_path / "htpasswd", tokens)))
    try:
        assert login(sandbox, registry, ORG, tokens[ORG], command="login", tools=("skopeo", "helm")).returncode == 0
    finally:
        registry.stop()
    result = sandbox.run("status", "skopeo", "helm", "--registry", registry.host, "--ca-file", str(registry.ca), "--json")
    assert result.returncode == 1
    for row in doc(result)["tools"]:
        assert (row["status"], row["verified"]) == ("stored", None)
        assert "could not verify" in row["detail"] and "refused" in row["detail"]


def test_podman_seeing_docker_through_its_fallback(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                   tokens: dict[str, str]) -> None:
    assert login(sandbox, basic_registry, ORG, tokens[ORG], command="login", tools=("docker",)).returncode == 0
    result = _status(sandbox, basic_registry, "podman", "docker")
    assert result.returncode == 0
    podman = rows(result)["podman"]
    assert podman["status"] == "authenticated" and podman["store"] == str(sandbox.docker_config)
    assert "fallback" in podman["detail"]


def test_logout_removes_everything_and_status_agrees(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                     tokens: dict[str, str]) -> None:
    others = {f"reg{i:02d}.example.com": {"auth": base64.b64encode(f"u{i}:p{i}".encode()).decode()} for i in range(20)}
    for path in (sandbox.docker_config, sandbox.auth_json, sandbox.helm_config):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"auths": others}))
    assert login(sandbox, basic_registry, ORG, tokens[ORG]).returncode == 0
    result = _logout(sandbox, basic_registry)
    assert result.returncode == 0, result.stdout
    by_tool = rows(result)
    assert {r["status"] for r in by_tool.values()} == {"logged_out"}
    assert "removed by podman" in by_tool["skopeo"]["detail"]
    for path in (sandbox.docker_config, sandbox.auth_json, sandbox.helm_config):
        auths = json.loads(path.read_text())["auths"]
        assert basic_registry.host not in auths and auths == others
    assert {r["status"] for r in doc(_status(sandbox, basic_registry))["tools"]} == {"not_logged_in"}


def test_logout_when_not_logged_in_is_not_an_error(sandbox: Sandbox, basic_registry: RunningRegistry) -> None:
    result = _logout(sandbox, basic_registry)
    assert result.returncode == 0
    assert {r["status"] for r in doc(result)["tools"]} == {"not_logged_in"}


def test_logout_of_podman_alone_says_what_remains(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                 tokens: dict[str, str]) -> None:
    assert login(sandbox, basic_registry, ORG, tokens[ORG]).returncode == 0
    result = _logout(sandbox, basic_registry, "podman")
    assert result.returncode == 1
    podman = rows(result)["podman"]
    assert podman["status"] == "still_authenticated" and podman["store"] == str(sandbox.docker_config)
    assert "kcr-multilogin logout docker" in podman["detail"]
    assert sandbox.stored(sandbox.auth_json, basic_registry.host) is None  # its own entry is gone


# ------------------------------------------------------------------------------------ real credential helper


@pytest.fixture
def pass_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    """A real pass store; docker and helm find `pass` and `docker-credential-pass` and pick them by themselves
    (tool-facts §1 "Beware"); every other test keeps them off PATH."""
    helpers_on_path(sandbox, "pass", "docker-credential-pass")
    init_pass(sandbox)
    yield sandbox
    stop_agent(sandbox)


def test_docker_and_helm_through_pass(pass_sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    box = pass_sandbox
    token = tokens[ORG]
    result = login(box, basic_registry, ORG, token, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "helper pass" in rows(result)["docker"]["detail"]
    # The secret is in pass (gpg-encrypted), not in docker's or helm's file.
    assert json.loads(box.docker_config.read_text())["credsStore"] == "pass"
    # helm shares docker's pass entry (tool-facts §3): it is confirmed through it without a second login.
    assert "logged in through docker" in rows(result)["helm"]["detail"]
    for path in (box.docker_config, box.helm_config):
        text = path.read_text() if path.exists() else ""
        assert token not in text and base64.b64encode(f"{ORG}:{token}".encode()).decode() not in text
    import subprocess

    listed = subprocess.run(["docker-credential-pass", "list"], env=box.env, capture_output=True, text=True)
    assert json.loads(listed.stdout).get(basic_registry.host) == ORG

    status = _status(box, basic_registry)
    assert status.returncode == 0, status.stdout
    by_tool = rows(status)
    for tool in ("docker", "helm"):
        assert by_tool[tool]["status"] == "authenticated" and by_tool[tool]["store"].startswith("helper pass")

    result = _logout(box, basic_registry)
    assert result.returncode == 0, result.stdout
    by_tool = rows(result)
    assert by_tool["docker"]["status"] == by_tool["helm"]["status"] == "logged_out"
    assert "docker" in by_tool["helm"]["detail"]  # the shared pass entry went with docker's logout
    listed = subprocess.run(["docker-credential-pass", "list"], env=box.env, capture_output=True, text=True)
    assert basic_registry.host not in json.loads(listed.stdout)
