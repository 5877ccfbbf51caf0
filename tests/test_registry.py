"""The pre-flight check against the real registries: both challenge types, and accurate failures."""

from __future__ import annotations

import pytest

from kcr_multilogin.inputs import parse_registry
from kcr_multilogin.registry import TlsOptions, check_credential, parse_challenges
from tests.conftest import ORG, USER
from tests.harness.certs import Pki
from tests.harness.registry import RunningRegistry, free_port
from tests.harness.tokenserver import TokenServer


def _check(registry: RunningRegistry, user: str, token: str, tls: TlsOptions | None = None):  # type: ignore[no-untyped-def]
    return check_credential(parse_registry(registry.host), user, token, tls or TlsOptions(True, registry.ca), 10)


def test_challenge_parsing() -> None:
    header = 'Bearer realm="https://auth.kcr.io/token",service="kcr.io",scope="repository:a/b:pull,push"'
    assert parse_challenges(header) == {"bearer": {"realm": "https://auth.kcr.io/token", "service": "kcr.io",
                                                   "scope": "repository:a/b:pull,push"}}
    assert parse_challenges('Basic realm="kcr-test"') == {"basic": {"realm": "kcr-test"}}
    both = parse_challenges('Basic realm="a", Bearer realm="https://x/t",service=s')
    assert set(both) == {"basic", "bearer"} and both["bearer"]["service"] == "s"


def test_basic_accepts_and_rejects(basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    mark = basic_registry.mark()
    ok = _check(basic_registry, ORG, tokens[ORG])
    assert (ok.outcome, ok.challenge) == ("ok", "basic")
    assert ok.server_date  # for the clock check
    assert len(basic_registry.since(mark)) == ok.requests == 1  # the credential goes with the first request
    bad = _check(basic_registry, ORG, "wrong")
    assert (bad.outcome, bad.status) == ("rejected", 401)
    assert "wrong" not in bad.detail


def test_bearer_accepts_and_rejects(token_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    ok = _check(token_registry, USER, tokens[USER])
    assert (ok.outcome, ok.challenge) == ("ok", "bearer")
    bad = _check(token_registry, USER, tokens[ORG])
    assert bad.outcome == "rejected" and "token service" in bad.detail


@pytest.mark.parametrize(("mode", "words"), [("error", "HTTP 500 (token service broken)"), ("garbage", "without a token")])
def test_token_service_failures_are_named(token_registry: RunningRegistry, tokens: dict[str, str],
                                          broken_token_server: TokenServer, mode: str, words: str) -> None:
    broken_token_server.mode = mode
    result = _check(token_registry, USER, tokens[USER])
    assert result.outcome == "error" and words in result.detail


def test_unknown_ca_is_named_precisely(basic_registry: RunningRegistry, tokens: dict[str, str], pki: Pki) -> None:
    result = _check(basic_registry, ORG, tokens[ORG], TlsOptions(True, pki.other_ca_cert))
    assert result.outcome == "tls"
    assert "self-signed certificate in certificate chain" in result.detail or "unable to get local issuer" in result.detail
    assert _check(basic_registry, ORG, tokens[ORG], TlsOptions(False)).ok


def test_unreachable(tokens: dict[str, str]) -> None:
    result = check_credential(parse_registry(f"127.0.0.1:{free_port()}"), ORG, "x", TlsOptions(), 5)
    assert result.outcome == "unreachable" and "refused" in result.detail
    result = check_credential(parse_registry("no-such-host.invalid"), ORG, "x", TlsOptions(), 5)
    assert result.outcome == "unreachable" and "cannot resolve" in result.detail


@pytest.mark.parametrize(("host", "port", "setting", "bypass"), [
    ("kcr.io", 443, "", False),
    ("kcr.io", 443, "*", True),
    ("kcr.io", 443, "kcr.io", True),
    ("eu.kcr.io", 443, "kcr.io", True),
    ("eu.kcr.io", 443, ".kcr.io", True),
    ("notkcr.io", 443, "kcr.io", False),
    ("kcr.io", 443, "kcr.io:5000", False),
    ("kcr.io", 5000, "kcr.io:5000", True),
    ("10.1.2.3", 443, "10.0.0.0/8", True),
    ("11.1.2.3", 443, "10.0.0.0/8", False),
    ("kcr.io", 443, " example.com , KCR.IO ", True),
])
def test_no_proxy_follows_go(host: str, port: int, setting: str, bypass: bool) -> None:
    from kcr_multilogin.registry import _no_proxy

    assert _no_proxy(host, port, setting) is bypass


def test_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    from kcr_multilogin.registry import _proxy_for

    monkeypatch.setenv("HTTPS_PROXY", "proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "internal.corp")
    found = _proxy_for("https", "kcr.io", 443)
    assert found is not None and (found.hostname, found.port) == ("proxy.corp", 3128)
    assert _proxy_for("https", "registry.internal.corp", 443) is None
    assert _proxy_for("https", "127.0.0.1", 5000) is None  # loopback is never proxied
    assert _proxy_for("http", "kcr.io", 80) is None  # HTTP_PROXY is not set
