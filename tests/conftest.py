"""Session fixtures: test PKI, tokens, a Basic-auth registry and a token-auth registry (both real distribution)."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.certs import Pki, make_pki
from tests.harness.registry import RunningRegistry, htpasswd_auth, htpasswd_file, start_registry, token_auth
from tests.harness.sandbox import TOOLS, Sandbox, real_tool
from tests.harness.tokenserver import ISSUER, SERVICE, TokenServer

USER = "dev@example.com"
ORG = "my-company"
CANARY_ORG = "canary-org"
# Tokens full of shell metacharacters: if anything ever ran a token through a shell, MARKER would be created.
MARKER = Path(tempfile.gettempdir()) / f"kcr-pwned-{secrets.token_hex(6)}"
METACHAR_TOKENS = {
    "meta-dollar": f"$(touch${{IFS}}{MARKER})",
    "meta-backtick": f"`touch${{IFS}}{MARKER}`",
    "meta-semicolon": f";touch${{IFS}}{MARKER};#'\"|&<>*?",
}


@pytest.fixture(scope="session")
def tokens() -> dict[str, str]:
    """Registry passwords. The canary is a valid token, so it travels every success path too."""
    return {
        USER: "kcru_" + secrets.token_hex(16),
        ORG: "kcro_" + secrets.token_hex(16),
        CANARY_ORG: "CANARY" + secrets.token_hex(12) + "xyzzy",
        **METACHAR_TOKENS,
    }


@pytest.fixture(scope="session")
def canary(tokens: dict[str, str]) -> str:
    return tokens[CANARY_ORG]


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session", autouse=True)
def real_tools_present() -> None:
    """Fail (never skip) the whole run when a real tool is missing."""
    for name in (*TOOLS, "docker-registry", "htpasswd"):
        real_tool(name)


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory, pki: Pki, tokens: dict[str, str]) -> Iterator[RunningRegistry]:
    directory = tmp_path_factory.mktemp("registry-basic")
    htpasswd = htpasswd_file(directory / "htpasswd", tokens)
    registry = start_registry(directory, name="basic", cert=pki.server_cert, key=pki.server_key, ca=pki.ca_cert,
                              auth_yaml=htpasswd_auth(htpasswd))
    yield registry
    registry.stop()


@pytest.fixture(scope="session")
def token_server(pki: Pki, tokens: dict[str, str]) -> Iterator[TokenServer]:
    server = TokenServer(tokens, pki.token_key, pki.token_leaf_der, pki.server_cert, pki.server_key)
    yield server
    server.close()


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory, pki: Pki, token_server: TokenServer) -> Iterator[RunningRegistry]:
    directory = tmp_path_factory.mktemp("registry-token")
    registry = start_registry(directory, name="token", cert=pki.server_cert, key=pki.server_key, ca=pki.ca_cert,
                              auth_yaml=token_auth(token_server.realm, SERVICE, ISSUER, pki.token_root))
    registry.extra["token_server"] = token_server
    yield registry
    registry.stop()


@pytest.fixture
def broken_token_server(token_registry: RunningRegistry) -> Iterator[TokenServer]:
    """The token issuer, for a test to break (its `mode`); mended afterwards."""
    server = token_registry.extra["token_server"]
    assert isinstance(server, TokenServer)
    yield server
    server.mode = "ok"


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    """An isolated HOME/XDG_RUNTIME_DIR with the five real tools (behind recording shims) on PATH."""
    box = Sandbox(tmp_path)
    box.add_tools()
    return box


@pytest.fixture
def empty_sandbox(tmp_path: Path) -> Sandbox:
    """An isolated world with nothing on PATH."""
    return Sandbox(tmp_path)
