"""podman/skopeo/buildah rewrite their auth file with only `auths` and `credHelpers`: we put back what they drop."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import ORG
from tests.harness.registry import RunningRegistry
from tests.harness.sandbox import Sandbox
from tests.helpers import login, rows

pytestmark = pytest.mark.realtools

SHARED = {
    "auths": {"other.example": {"auth": "dTpw", "email": "a@b.c", "registrytoken": "rt"}},
    "HttpHeaders": {"User-Agent": "corp-proxy-tag"},
    "detachKeys": "ctrl-e,e",
    "psFormat": "table {{.ID}}",
    "credHelpers": {"ecr.example": "ecr-login"},
}


def test_podman_on_dockers_own_file_loses_nothing(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                  tokens: dict[str, str]) -> None:
    """REGISTRY_AUTH_FILE=~/.docker/config.json (a common way to share logins): docker's settings survive podman."""
    sandbox.docker_config.parent.mkdir()
    sandbox.docker_config.write_text(json.dumps(SHARED))
    sandbox.docker_config.chmod(0o600)
    env = {"REGISTRY_AUTH_FILE": str(sandbox.docker_config)}
    # What podman alone does to that file (the reason for all this):
    cert_dir = sandbox.root / "certs"
    cert_dir.mkdir()
    shutil.copy(basic_registry.ca, cert_dir / "ca.crt")
    alone = sandbox.tool("podman", "login", "-u", ORG, "--password-stdin", "--cert-dir", str(cert_dir),
                         basic_registry.host, input=tokens[ORG], env=env)
    assert alone.returncode == 0 and sorted(json.loads(sandbox.docker_config.read_text())) == ["auths", "credHelpers"]
    sandbox.docker_config.write_text(json.dumps(SHARED))

    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", "--force", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(sandbox.docker_config.read_text())
    for key in ("HttpHeaders", "detachKeys", "psFormat", "credHelpers"):
        assert data[key] == SHARED[key]
    assert data["auths"]["other.example"] == SHARED["auths"]["other.example"]
    assert sandbox.stored(sandbox.docker_config, basic_registry.host) == (ORG, tokens[ORG])
    assert (sandbox.docker_config.stat().st_mode & 0o777) == 0o600
    assert any("put back what" in row["detail"] for row in rows(result).values())

    out = sandbox.run("logout", "--registry", basic_registry.host, "--ca-file", str(basic_registry.ca), "--json", env=env)
    assert out.returncode == 0, out.stdout
    data = json.loads(sandbox.docker_config.read_text())
    assert basic_registry.host not in data["auths"]
    for key in ("HttpHeaders", "detachKeys", "psFormat", "credHelpers"):
        assert data[key] == SHARED[key]
    assert data["auths"]["other.example"] == SHARED["auths"]["other.example"]
