"""`--credential-helper pass`: one secure store for all five tools, with the real pass, gnupg and Debian's helpers."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ORG
from tests.harness.oci import make_image
from tests.harness.passstore import helpers_on_path, init_pass, stop_agent
from tests.harness.registry import RunningRegistry
from tests.harness.sandbox import TOOLS, Sandbox
from tests.helpers import doc, login, logins_run, rows

pytestmark = pytest.mark.realtools

OTHER = {"other.example": {"auth": base64.b64encode(b"someone:else").decode(), "email": "a@b.c"}}


@pytest.fixture
def pass_box(sandbox: Sandbox) -> Iterator[Sandbox]:
    helpers_on_path(sandbox, "pass", "docker-credential-pass")
    init_pass(sandbox)
    yield sandbox
    stop_agent(sandbox)


def _seed(box: Sandbox, registry: RunningRegistry, old_token: str) -> dict[Path, dict[str, object]]:
    """Every file already holds other registries, other keys, and an old plain-text login for ours."""
    plain = {registry.host: {"auth": base64.b64encode(f"{ORG}:{old_token}".encode()).decode()}}
    seeded = {}
    for path in (box.docker_config, box.auth_json, box.helm_config, box.home / ".config/containers/auth.json"):
        data = {"auths": {**OTHER, **plain}, "credHelpers": {"ecr.example": "ecr-login"}, "HttpHeaders": {"X-A": "1"}}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent="\t"))
        path.chmod(0o600)
        seeded[path] = data
    return seeded


def _files_holding(box: Sandbox, *needles: str) -> list[Path]:
    hits = []
    for root in (box.home, box.runtime):
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                if any(n.encode() in data for n in needles):
                    hits.append(path)
    return hits


def _listed(box: Sandbox) -> dict[str, str]:
    out = subprocess.run([str(box.bin / "docker-credential-pass"), "list"], env=box.env, capture_output=True, text=True,
                         check=True)
    listed: dict[str, str] = json.loads(out.stdout)
    return listed


def test_all_through_pass_leaves_no_plain_text_copy(pass_box: Sandbox, basic_registry: RunningRegistry,
                                                    tokens: dict[str, str]) -> None:
    box, token = pass_box, tokens[ORG]
    seeded = _seed(box, basic_registry, "old-plain-text-token")
    result = login(box, basic_registry, ORG, token, "--credential-helper", "pass", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    for tool, row in rows(result).items():
        assert row["status"] == "authenticated", (tool, row)
        assert "helper pass (credHelpers" in row["detail"], (tool, row["detail"])
    # All five share one pass entry: one network login, four read-backs through the helper.
    assert len(logins_run(box)) == 1
    assert _listed(box) == {basic_registry.host: ORG}

    # No file under HOME or XDG_RUNTIME_DIR holds the token, its base64 form, or the old plain-text login.
    encoded = base64.b64encode(f"{ORG}:{token}".encode()).decode()
    old = base64.b64encode(f"{ORG}:old-plain-text-token".encode()).decode()
    assert _files_holding(box, token, encoded, old) == []

    # Each file: our registry now goes to pass; everything else as it was; mode kept.
    for path, before in seeded.items():
        data = json.loads(path.read_text())
        assert basic_registry.host not in data["auths"] or "auth" not in data["auths"][basic_registry.host]
        assert data["auths"]["other.example"] == OTHER["other.example"]
        assert data["HttpHeaders"] == before["HttpHeaders"]
        assert data["credHelpers"]["ecr.example"] == "ecr-login"
        assert (path.stat().st_mode & 0o777) == 0o600
    for path in (box.docker_config, box.auth_json, box.helm_config):
        assert json.loads(path.read_text())["credHelpers"][basic_registry.host] == "pass"

    status = box.run("status", "--registry", basic_registry.host, "--ca-file", str(basic_registry.ca), "--json")
    assert status.returncode == 0, status.stdout
    document = doc(status)
    assert document["plaintext_copies"] == {"count": 0, "files": []}
    for row in document["tools"]:
        assert row["status"] == "authenticated" and row["store"].startswith("helper pass"), row
    # Each containers tool's own read-back goes through the helper too.
    for tool in ("podman", "skopeo", "buildah"):
        assert box.tool(tool, "login", "--get-login", basic_registry.host).stdout.strip() == ORG


def test_a_pull_style_request_works_with_the_helper_credential(pass_box: Sandbox, basic_registry: RunningRegistry,
                                                               tokens: dict[str, str], tmp_path: Path) -> None:
    box = pass_box
    assert login(box, basic_registry, ORG, tokens[ORG], "--credential-helper", "pass").returncode == 0
    image = make_image(tmp_path / "image")
    certs = tmp_path / "certs"
    certs.mkdir()
    shutil.copy(basic_registry.ca, certs / "ca.crt")
    repo = f"docker://{basic_registry.host}/kcr/hello-{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:8]}"
    pushed = box.tool("skopeo", "copy", "--dest-cert-dir", str(certs), f"oci:{image}:v1", f"{repo}:v1")
    assert pushed.returncode == 0, pushed.stderr
    tags = box.tool("skopeo", "list-tags", "--cert-dir", str(certs), repo)
    assert tags.returncode == 0 and json.loads(tags.stdout)["Tags"] == ["v1"]
    inspected = box.tool("skopeo", "inspect", "--cert-dir", str(certs), f"{repo}:v1")
    assert inspected.returncode == 0 and json.loads(inspected.stdout)["Os"] == "linux"
    # The same request without the helper's credential is refused: the credential really did the work.
    stranger = Sandbox(tmp_path / "stranger")
    stranger.add_tools("skopeo")
    refused = stranger.tool("skopeo", "list-tags", "--cert-dir", str(certs), repo)
    assert refused.returncode != 0 and "unauthorized" in refused.stderr.lower()


def _snapshot(box: Sandbox) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for root in (box.home, box.runtime) for p in root.rglob("*") if p.is_file()}


def test_a_missing_helper_is_refused_before_anything_changes(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                             tokens: dict[str, str]) -> None:
    _seed(sandbox, basic_registry, "old")
    before = _snapshot(sandbox)
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--credential-helper", "pass")
    assert result.returncode == 2
    assert "docker-credential-pass is not on PATH" in result.stderr and "apt install" in result.stderr
    assert _snapshot(sandbox) == before and sandbox.recorded() == []


def test_an_uninitialised_pass_is_refused_before_anything_changes(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                                  tokens: dict[str, str]) -> None:
    helpers_on_path(sandbox, "pass", "docker-credential-pass")
    _seed(sandbox, basic_registry, "old")
    before = _snapshot(sandbox)
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--credential-helper", "pass")
    assert result.returncode == 2
    assert "is not initialised" in result.stderr and "pass init" in result.stderr
    assert _snapshot(sandbox) == before and sandbox.recorded() == []


def test_logout_clears_the_helper_entry_and_forgets_the_setting(pass_box: Sandbox, basic_registry: RunningRegistry,
                                                                tokens: dict[str, str]) -> None:
    box = pass_box
    assert login(box, basic_registry, ORG, tokens[ORG], "--credential-helper", "pass").returncode == 0
    out = box.run("logout", "--registry", basic_registry.host, "--ca-file", str(basic_registry.ca), "--json")
    assert out.returncode == 0, out.stdout
    assert {row["status"] for row in doc(out)["tools"]} == {"logged_out"}
    assert _listed(box) == {}
    # The credHelpers setting stays (a later login goes to pass again) until --forget-helper.
    assert json.loads(box.docker_config.read_text())["credHelpers"][basic_registry.host] == "pass"
    forgot = box.run("logout", "--forget-helper", "--registry", basic_registry.host, "--ca-file",
                     str(basic_registry.ca), "--json")
    assert forgot.returncode == 0
    for path in (box.docker_config, box.auth_json, box.helm_config):
        assert basic_registry.host not in json.loads(path.read_text()).get("credHelpers", {})


def test_the_config_file_makes_pass_the_default(pass_box: Sandbox, basic_registry: RunningRegistry,
                                                tokens: dict[str, str]) -> None:
    box = pass_box
    config = box.home / ".config/kcr-multilogin/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('credential_helper = "pass"\n')
    result = login(box, basic_registry, ORG, tokens[ORG], "--json", command="login", tools=("docker", "skopeo"))
    assert result.returncode == 0, result.stdout
    assert all("helper pass" in row["detail"] for row in doc(result)["tools"])
    # Only the tools of this run had their file pointed at the helper.
    assert json.loads(box.docker_config.read_text())["credHelpers"] == {basic_registry.host: "pass"}
    assert json.loads(box.auth_json.read_text())["credHelpers"] == {basic_registry.host: "pass"}
    assert not box.helm_config.exists()
    plan = login(box, basic_registry, ORG, tokens[ORG], "--dry-run", "--json")
    assert [row["tool"] for row in doc(plan)["tools"]] == list(TOOLS)
    assert all("docker-credential-pass" in row["detail"] for row in doc(plan)["tools"])
