"""Failing registries: for each, the pre-flight's exit code and message, and what `status` says of a stored login."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import pytest

from tests.conftest import ORG, USER
from tests.harness.certs import Pki
from tests.harness.proxies import BlackHole, FakeRegistry
from tests.harness.registry import RunningRegistry, free_port, htpasswd_auth, htpasswd_file, start_registry
from tests.harness.sandbox import Sandbox
from tests.harness.tokenserver import TokenServer
from tests.helpers import doc, logins_run

pytestmark = pytest.mark.realtools


def _all(box: Sandbox, host: str, ca: str, token: str, *args: str):  # type: ignore[no-untyped-def]
    return box.run("all", "-u", ORG, "--password-stdin", "--registry", host, "--ca-file", ca, *args, input=token + "\n")


def _stored_status(box: Sandbox, host: str, ca: str, token: str, *args: str) -> dict[str, str]:
    """Put a login for `host` into docker's file by hand, then ask status about it."""
    box.docker_config.parent.mkdir(exist_ok=True)
    box.docker_config.write_text(json.dumps({"auths": {host: {"auth": base64.b64encode(f"{ORG}:{token}".encode()).decode()}}}))
    result = box.run("status", "docker", "--registry", host, "--ca-file", ca, "--json", *args)
    assert result.returncode == 1
    row: dict[str, str] = doc(result)["tools"][0]
    return row


def _assert_stopped(box: Sandbox, result, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 3, result.stderr
    assert words in result.stderr and "No tool was touched" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert logins_run(box) == []


@pytest.fixture
def fake_500(pki: Pki) -> Iterator[FakeRegistry]:
    server = FakeRegistry("500", pki.server_cert, pki.server_key)
    yield server
    server.close()


def test_http_500(sandbox: Sandbox, fake_500: FakeRegistry, pki: Pki, tokens: dict[str, str]) -> None:
    _assert_stopped(sandbox, _all(sandbox, fake_500.host, str(pki.ca_cert), tokens[ORG]),
                    "answered HTTP 500 (database down): the registry is failing on its side")
    row = _stored_status(sandbox, fake_500.host, str(pki.ca_cert), tokens[ORG])
    assert (row["status"], row["verified"]) == ("stored", None)
    assert "could not verify" in row["detail"] and "HTTP 500" in row["detail"]


def test_unreachable(sandbox: Sandbox, pki: Pki, tokens: dict[str, str]) -> None:
    host = f"127.0.0.1:{free_port()}"
    _assert_stopped(sandbox, _all(sandbox, host, str(pki.ca_cert), tokens[ORG]), "connection to " + host + " refused")
    row = _stored_status(sandbox, host, str(pki.ca_cert), tokens[ORG])
    assert row["status"] == "stored" and "refused" in row["detail"]


def test_slower_than_the_timeout(sandbox: Sandbox, pki: Pki, tokens: dict[str, str]) -> None:
    hole = BlackHole()
    try:
        started = time.monotonic()
        result = _all(sandbox, hole.host, str(pki.ca_cert), tokens[ORG], "--timeout", "2")
        assert time.monotonic() - started < 10
        _assert_stopped(sandbox, result, "did not answer before the timeout")
        row = _stored_status(sandbox, hole.host, str(pki.ca_cert), tokens[ORG], "--timeout", "2")
        assert row["status"] == "stored" and "did not answer" in row["detail"]
    finally:
        hole.close()


def test_tls_name_mismatch(sandbox: Sandbox, tmp_path, pki: Pki, tokens: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    registry = start_registry(tmp_path / "wrong", name="wrong-name", cert=pki.wrong_name_cert, key=pki.wrong_name_key,
                              ca=pki.ca_cert, auth_yaml=htpasswd_auth(htpasswd_file(tmp_path / "htpasswd", tokens)))
    try:
        _assert_stopped(sandbox, _all(sandbox, registry.host, str(pki.ca_cert), tokens[ORG]),
                        "IP address mismatch, certificate is not valid for '127.0.0.1'")
        row = _stored_status(sandbox, registry.host, str(pki.ca_cert), tokens[ORG])
        assert row["status"] == "stored" and "IP address mismatch" in row["detail"]
    finally:
        registry.stop()


def test_unknown_ca(sandbox: Sandbox, basic_registry: RunningRegistry, pki: Pki, tokens: dict[str, str]) -> None:
    _assert_stopped(sandbox, _all(sandbox, basic_registry.host, str(pki.other_ca_cert), tokens[ORG]),
                    "unable to get local issuer certificate")
    row = _stored_status(sandbox, basic_registry.host, str(pki.other_ca_cert), tokens[ORG])
    assert row["status"] == "stored" and "TLS verification failed" in row["detail"]


@pytest.mark.parametrize(("mode", "words"), [("error", "answered HTTP 500 (token service broken)"),
                                             ("garbage", "answered 200 but without a token in JSON")])
def test_token_endpoint_failures(sandbox: Sandbox, token_registry: RunningRegistry, broken_token_server: TokenServer,
                                 tokens: dict[str, str], mode: str, words: str) -> None:
    broken_token_server.mode = mode
    _assert_stopped(sandbox, _all(sandbox, token_registry.host, str(token_registry.ca), tokens[ORG]), words)
    row = _stored_status(sandbox, token_registry.host, str(token_registry.ca), tokens[ORG])
    assert row["status"] == "stored" and words in row["detail"]


def test_rejected_token_on_the_bearer_registry(sandbox: Sandbox, token_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    _assert_stopped(sandbox, _all(sandbox, token_registry.host, str(token_registry.ca), tokens[USER]),
                    "the token service at 127.0.0.1 answered HTTP 401")
    row = _stored_status(sandbox, token_registry.host, str(token_registry.ca), tokens[USER])
    assert (row["status"], row["verified"]) == ("rejected", False)


def test_redirect_to_the_real_registry_is_followed(sandbox: Sandbox, basic_registry: RunningRegistry, pki: Pki,
                                                   tokens: dict[str, str]) -> None:
    """A front that redirects /v2/ to the registry on another port of the same host: Authorization follows, as in Go."""
    front = FakeRegistry("redirect", pki.server_cert, pki.server_key, target=basic_registry.host)
    try:
        from kcr_multilogin.inputs import parse_registry
        from kcr_multilogin.registry import TlsOptions, check_credential

        result = check_credential(parse_registry(front.host), ORG, tokens[ORG], TlsOptions(True, pki.ca_cert), 10)
        assert (result.outcome, result.challenge) == ("ok", "basic")
        wrong = check_credential(parse_registry(front.host), ORG, "wrong", TlsOptions(True, pki.ca_cert), 10)
        assert wrong.outcome == "rejected"
    finally:
        front.close()


def test_redirect_loop(sandbox: Sandbox, pki: Pki, tokens: dict[str, str]) -> None:
    loop = FakeRegistry("loop", pki.server_cert, pki.server_key)
    try:
        _assert_stopped(sandbox, _all(sandbox, loop.host, str(pki.ca_cert), tokens[ORG]), "more than 5 redirects")
        assert loop.requests == 6
    finally:
        loop.close()


def test_a_short_lived_registry_gone_before_status(sandbox: Sandbox, tmp_path, pki: Pki, tokens: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    registry = start_registry(tmp_path / "gone", name="gone", cert=pki.server_cert, key=pki.server_key, ca=pki.ca_cert,
                              auth_yaml=htpasswd_auth(htpasswd_file(tmp_path / "htpasswd", tokens)))
    assert _all(sandbox, registry.host, str(pki.ca_cert), tokens[ORG]).returncode == 0
    registry.stop()
    result = sandbox.run("status", "--registry", registry.host, "--ca-file", str(pki.ca_cert), "--json")
    assert result.returncode == 1
    assert {row["status"] for row in doc(result)["tools"]} == {"stored"}
