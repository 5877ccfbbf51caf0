"""Validators and normalisers, as units (the CLI-level behaviour is in test_cli_usage.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kcr_multilogin.inputs import (
    Credential,
    CredentialType,
    Registry,
    UsageError,
    infer_type,
    parse_registry,
    token_from_stdin_bytes,
    validate_token,
    validate_username,
)


def test_credential_repr_hides_the_token() -> None:
    cred = Credential("my-company", CredentialType.ORG, "s3cr3t-token")
    assert repr(cred) == "Credential(username='my-company', credential_type='org', token=<hidden>)"
    assert "s3cr3t" not in str(cred) and "s3cr3t" not in f"{cred!r} {[cred]}"


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("kcr.io", "kcr.io"),
        ("KCR.IO", "kcr.io"),
        ("https://kcr.io", "kcr.io"),
        ("https://kcr.io/", "kcr.io"),
        ("https://kcr.io:443/", "kcr.io"),
        ("kcr.io:5000", "kcr.io:5000"),
        ("127.0.0.1:5443", "127.0.0.1:5443"),
        ("[::1]:5000", "[::1]:5000"),
        ("[0:0::1]", "[::1]"),
        ("localhost:5000", "localhost:5000"),
    ],
)
def test_registry_forms(value: str, key: str) -> None:
    assert parse_registry(value).key == key


def test_registry_loopback() -> None:
    assert parse_registry("127.0.0.1:5000").is_loopback
    assert parse_registry("[::1]:5000").is_loopback
    assert parse_registry("localhost").is_loopback
    assert not parse_registry("kcr.io").is_loopback
    assert parse_registry("[::1]:5000").hostname == "::1"


@pytest.mark.parametrize("value", ["", " ", "http://kcr.io", "oci://kcr.io", "kcr.io/ns", "kcr.io:x", "kcr.io:99999",
                                   "[::1", "[nothex]:5", "user@kcr.io", "kcr_io", "-kcr.io", "kcr.io#x", "ké.io"])
def test_registry_rejects(value: str) -> None:
    with pytest.raises(UsageError):
        parse_registry(value)


def test_type_inference() -> None:
    assert infer_type("dev@example.com") is CredentialType.USER
    assert infer_type("my-company") is CredentialType.ORG


def test_username_normalisation_and_contradiction() -> None:
    assert validate_username("My-Company", None) == ("my-company", CredentialType.ORG)
    assert validate_username("Dev.Name+tag@Example.co.uk", None)[1] is CredentialType.USER
    with pytest.raises(UsageError, match="--type user"):
        validate_username("my-company", CredentialType.USER)
    with pytest.raises(UsageError, match="--type org"):
        validate_username("dev@example.com", CredentialType.ORG)


@pytest.mark.parametrize("email", ["@example.com", "dev@", "dev@example", "dev@.com", "dev@exa mple.com", "dévé@example.com",
                                   "a" * 65 + "@example.com", "x@" + "a" * 250 + ".com", "dev..x@example.com", ".dev@example.com"])
def test_bad_emails(email: str) -> None:
    with pytest.raises(UsageError):
        validate_username(email, CredentialType.USER)


def test_stdin_line_handling() -> None:
    assert token_from_stdin_bytes(b"tok\n") == "tok"
    assert token_from_stdin_bytes(b"tok\r\n") == "tok"
    assert token_from_stdin_bytes(b"tok") == "tok"
    assert token_from_stdin_bytes(b"tok\nsecond line ignored\n") == "tok"
    with pytest.raises(UsageError):
        token_from_stdin_bytes(b"tok\r\r\n")


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=4096))
def test_every_printable_ascii_token_is_accepted(token: str) -> None:
    assert validate_token(token) == token


@given(st.text(min_size=1, max_size=50).filter(lambda t: any(c.isspace() or not c.isascii() or not c.isprintable() for c in t)))
def test_tokens_with_whitespace_control_or_non_ascii_are_refused_without_echo(token: str) -> None:
    with pytest.raises(UsageError) as info:
        validate_token(token)
    assert token not in str(info.value) or len(token.strip()) == 0


@given(st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True))
def test_every_valid_subdomain_is_an_org(label: str) -> None:
    assert validate_username(label.upper(), None) == (label, CredentialType.ORG)


@given(st.integers(min_value=1, max_value=65535))
def test_every_port_round_trips(port: int) -> None:
    registry = parse_registry(f"kcr.io:{port}")
    assert registry == Registry("kcr.io", None if port == 443 else port)


@pytest.mark.parametrize("value", ["my-company\n", "0\n", "dev@example.com\n", "dev\n@example.com"])
def test_trailing_newlines_are_not_valid_usernames(value: str) -> None:
    """Found by hypothesis: a pattern ending in `$` also matches before a final newline."""
    with pytest.raises(UsageError):
        validate_username(value, None)


def test_surrounding_whitespace_of_a_registry_is_dropped() -> None:
    """Unlike a username (which goes to the tools as is), a registry is normalised to a clean key."""
    assert parse_registry(" kcr.io\n").key == "kcr.io"
    with pytest.raises(UsageError):
        parse_registry("kcr.io\nevil.example")
