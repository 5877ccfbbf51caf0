from __future__ import annotations

from kcr_multilogin.adapter import TlsPlan, advice, last_meaningful_line
from kcr_multilogin.adapters.docker import DOCKER, tls_advice
from kcr_multilogin.inputs import parse_registry
from tests.adapters.conftest import CA, argv_for, failed


def test_argv_has_no_tls_flags_and_reads_stdin() -> None:
    assert argv_for(DOCKER) == ["docker", "login", "--username", "my-company", "--password-stdin", "kcr.io"]
    assert argv_for(DOCKER, TlsPlan(False, CA)) == argv_for(DOCKER)
    assert "--password-stdin" not in argv_for(DOCKER, prompt=True)


def test_version_parsing() -> None:
    assert DOCKER.parse_version("Docker version 28.2.2, build e6534b4") == "28.2.2"
    assert DOCKER.parse_version("Docker version 17.03.2-ce, build f5ec1e2") == "17.03.2"
    assert DOCKER.parse_version("podman version 4.3.1") == "4.3.1"  # podman-docker's shim
    assert DOCKER.parse_version("bash: docker: command not found") is None


def test_old_docker_takes_the_prompt_path() -> None:
    assert DOCKER.uses_prompt("17.03.2")
    assert not DOCKER.uses_prompt("17.07.0")
    assert not DOCKER.uses_prompt("28.2.2")


def test_last_line_skips_progress_and_warnings() -> None:
    stderr = (
        'time="2026-12-03T13:12:19Z" level=info msg="Error logging in to endpoint, trying next endpoint" endpoint="{…}" error="…"\n'
        "login attempt to https://other.example:5444/v2/ failed with status: 401 Unauthorized\n"
    )
    line = last_meaningful_line(failed(stderr))
    assert line == "login attempt to https://other.example:5444/v2/ failed with status: 401 Unauthorized"
    assert advice(line) == "the registry rejected the credential"


def test_pass_not_initialised_gets_the_fix() -> None:
    stderr = ("Error saving credentials: error storing credentials - err: exit status 1, out: `pass not initialized: "
              "exit status 1: Error: password store is empty. Try \"pass init\".`\n")
    assert "pass init" in (advice(last_meaningful_line(failed(stderr))) or "")


def test_missing_helper_gets_the_fix() -> None:
    stderr = ('Error saving credentials: error storing credentials - err: exec: "docker-credential-nosuch": '
              "executable file not found in $PATH, out: ``\n")
    assert "credential helper" in (advice(last_meaningful_line(failed(stderr))) or "")


def test_tls_advice_names_certs_d_for_remote_hosts() -> None:
    error = 'Get "https://kcr.io/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority'
    remote = parse_registry("kcr.io")
    assert "/etc/docker/certs.d/kcr.io/ca.crt" in (tls_advice(remote, TlsPlan(True, CA), error) or "")
    assert "insecure-registries" in (tls_advice(remote, TlsPlan(False), error) or "")
    assert tls_advice(remote, TlsPlan(), "connection refused") is None
    assert "loopback" in (tls_advice(parse_registry("127.0.0.1:5000"), TlsPlan(True, CA), "") or "")
    assert tls_advice(parse_registry("127.0.0.1:5000"), TlsPlan(), "") is None
