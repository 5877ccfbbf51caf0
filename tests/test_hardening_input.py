"""Hostile and malformed input: validators never crash, never echo a token, and exit 2 with nothing run.

Property-based (hypothesis) over the validators and normalisers, plus explicit cases end to end.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kcr_multilogin.inputs import (
    CredentialType,
    Registry,
    UsageError,
    parse_registry,
    parse_timeout,
    token_from_stdin_bytes,
    validate_username,
)
from tests.conftest import MARKER, METACHAR_TOKENS
from tests.harness.registry import RunningRegistry
from tests.harness.sandbox import Sandbox
from tests.helpers import doc, login

# ------------------------------------------------------------------------------------------ properties


@given(st.text(max_size=300), st.sampled_from([None, CredentialType.USER, CredentialType.ORG]))
def test_username_validation_is_total(text: str, credential_type: CredentialType | None) -> None:
    try:
        username, kind = validate_username(text, credential_type)
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    assert username.isascii() and not any(c.isspace() for c in username)
    assert credential_type in (None, kind)
    assert validate_username(username, kind) == (username, kind)  # normalisation is idempotent
    if kind is CredentialType.ORG:
        assert username == username.lower() and len(username) <= 63 and not username.startswith("-")
    else:
        assert username.count("@") == 1 and "." in username.split("@")[1] and len(username) <= 254


@given(st.text(max_size=300))
def test_registry_parsing_is_total_and_round_trips(text: str) -> None:
    try:
        registry = parse_registry(text)
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    assert parse_registry(registry.key) == registry
    assert parse_registry(f"https://{registry.key}/") == registry
    assert registry.port is None or 1 <= registry.port <= 65535


@given(st.binary(max_size=5000))
@settings(max_examples=300)
def test_token_from_any_bytes_is_a_token_or_a_usage_error_that_never_echoes(data: bytes) -> None:
    try:
        token = token_from_stdin_bytes(data)
    except UsageError as exc:
        line = data.partition(b"\n")[0].decode("utf-8", "replace").strip()
        if len(line) >= 4:
            assert line not in str(exc)
        return
    assert 1 <= len(token) <= 4096 and token.isascii() and token.isprintable() and " " not in token
    assert data.startswith(token.encode())


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_timeout_validation(value: float) -> None:
    try:
        assert 0 < parse_timeout(value) <= 3600
    except UsageError:
        assert not (0 < value <= 3600)


# --------------------------------------------------------------------------------------- explicit cases


@pytest.mark.parametrize("username", [
    "dev.example.com", "dev@", "@example.com", "dev@example", "dev @example.com", "dév@example.com", "dev@exämple.com",
    "a" * 250 + "@example.com", "dev@" + "a" * 250 + ".com", "dev\x07@example.com",
    "my_company", "my.company", "-my-company", "my-company-", "a" * 64, "my company", "ﬁrm",
])
def test_bad_usernames_exit_2_with_nothing_run(empty_sandbox: Sandbox, username: str) -> None:
    empty_sandbox.add_tools()
    result = empty_sandbox.run("all", "-u", username, "--password-stdin", input="tok\n")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert empty_sandbox.recorded() == []


@pytest.mark.parametrize("token", [b"   \n", b"\t\n", b"a b\n", b"a\x07b\n", b"a\x00b\n", b"\xc3\x28\n", b"\xff" * 10])
def test_bad_tokens_exit_2(empty_sandbox: Sandbox, token: bytes) -> None:
    empty_sandbox.add_tools()
    result = empty_sandbox.run("all", "-u", "my-company", "--password-stdin", input=token)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert empty_sandbox.recorded() == []


@pytest.mark.parametrize("registry", ["ssh://kcr.io", "kcr.io/v2/", "kcr.io?x", "[::1]:70000", "[::1]x", "kcr.io:-1",
                                      "user:pw@kcr.io", "kcr io", "https://", "[::1", "1.2.3.4:0"])
def test_bad_registries_exit_2(empty_sandbox: Sandbox, registry: str) -> None:
    empty_sandbox.add_tools()
    result = empty_sandbox.run("all", "-u", "my-company", "--password-stdin", "--registry", registry, input="tok\n")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert empty_sandbox.recorded() == []


def test_ipv6_literal_is_valid(empty_sandbox: Sandbox) -> None:
    empty_sandbox.add_tools()
    result = empty_sandbox.run("all", "-u", "my-company", "--password-stdin", "--registry", "[::1]:5000", "--dry-run",
                               "--json", input="tok\n")
    assert result.returncode == 0 and doc(result)["registry"] == "[::1]:5000"
    assert all(row["argv"][-1] == "[::1]:5000" for row in doc(result)["tools"])


@pytest.mark.parametrize(("args", "words"), [
    (("login",), "Missing argument"), (("login", "docker", "docker"), "more than once"),
    (("login", "Docker"), "unknown tool"), (("status", "kubectl"), "unknown tool"),
    (("all", "--timeout", "nan"), "--timeout"), (("all", "--timeout", "inf"), "--timeout"),
])
def test_bad_tools_and_timeouts_exit_2(empty_sandbox: Sandbox, args: tuple[str, ...], words: str) -> None:
    empty_sandbox.add_tools()
    result = empty_sandbox.run(*args, "-u", "my-company", "--password-stdin", input="tok\n") if args[0] != "status" \
        else empty_sandbox.run(*args)
    assert result.returncode == 2 and words in result.stderr
    assert empty_sandbox.recorded() == []


@pytest.mark.realtools
@pytest.mark.parametrize("user", sorted(METACHAR_TOKENS))
def test_shell_metacharacters_in_a_token_are_inert(sandbox: Sandbox, basic_registry: RunningRegistry, user: str) -> None:
    """A real login with a token full of $( ), backticks and ; : every tool authenticated, nothing executed."""
    token = METACHAR_TOKENS[user]
    result = login(sandbox, basic_registry, user, token, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert {row["status"] for row in doc(result)["tools"]} == {"authenticated"}
    for path in (sandbox.docker_config, sandbox.auth_json, sandbox.helm_config):
        assert sandbox.stored(path, basic_registry.host) == (user, token)
    status = sandbox.run("status", "--registry", basic_registry.host, "--ca-file", str(basic_registry.ca), "--json")
    assert {row["status"] for row in doc(status)["tools"]} == {"authenticated"}
    assert not MARKER.exists()


def test_registry_key_normalisation_matches_docker() -> None:
    assert parse_registry("HTTPS://KCR.IO:443/") == Registry("kcr.io")
