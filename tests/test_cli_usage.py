"""Bad input: one clear line on stderr, exit code 2, and no tool started (not even a version probe)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ORG, USER
from tests.harness.sandbox import Sandbox

GOOD = ("-u", ORG, "--password-stdin", "--registry", "127.0.0.1:5000")


def _usage(box: Sandbox, *args: str, input: str | bytes | None = "kcro_token\n", env: dict[str, str] | None = None) -> str:
    result = box.run(*args, input=input, env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kcr-multilogin: error: ")
    assert result.stdout == ""
    assert box.recorded() == []  # nothing ran
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("login", "dockr", *GOOD), "unknown tool 'dockr'; known tools: docker, podman, skopeo, buildah, helm"),
        (("login", "helm", "helm", *GOOD), "named more than once"),
        (("all", "--type", "robot", *GOOD), "--type must be 'user' or 'org'"),
        (("all", "--type", "user", *GOOD), "--type user needs the e-mail address"),
        (("all", "--type", "org", "-u", USER, "--password-stdin"), "--type org needs the organisation's subdomain"),
        (("all", "-u", "dev@example", "--password-stdin"), "dotted domain"),
        (("all", "-u", "a@b@example.com", "--password-stdin"), "exactly one '@'"),
        (("all", "-u", "dev @example.com", "--password-stdin"), "without spaces"),
        (("all", "-u", "my_company", "--password-stdin"), "may only hold a-z, 0-9"),
        (("all", "-u", "-my-company", "--password-stdin"), "may only hold"),
        (("all", "-u", "a" * 64, "--password-stdin"), "longer than 63"),
        (("all", "-u", ORG, "--password-stdin", "--registry", "http://kcr.io"), "only https://"),
        (("all", "-u", ORG, "--password-stdin", "--registry", "kcr.io/ns"), "has a path"),
        (("all", "-u", ORG, "--password-stdin", "--registry", "kcr.io?x=1"), "has a query"),
        (("all", "-u", ORG, "--password-stdin", "--registry", "kcr.io:0"), "invalid port"),
        (("all", "-u", ORG, "--password-stdin", "--registry", "kcr.io:65536"), "invalid port"),
        (("all", "-u", ORG, "--password-stdin", "--registry", "::1:5000"), "in brackets"),
        (("all", "-u", ORG, "--password-stdin", "--registry", ""), "registry is empty"),
        (("all", "-u", ORG, "--password-stdin", "--timeout", "0"), "--timeout must be a positive"),
        (("all", "-u", ORG, "--password-stdin", "--timeout", "-5"), "--timeout must be a positive"),
        (("all", "-u", ORG, "--password-stdin", "--timeout", "soon"), "Invalid value for '--timeout'"),
        (("all", "-u", ORG, "--password-stdin", "--ca-file", "/nonexistent/ca.pem"), "no such file"),
        (("all", "-u", ORG, "--password-stdin", "--password", "x"), "No such option"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(empty_sandbox: Sandbox, args: tuple[str, ...], expected: str) -> None:
    empty_sandbox.add_tools()
    assert expected in _usage(empty_sandbox, *args)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (b"\n", "empty"),
        (b"", "stdin is empty"),
        (b"tok en\n", "whitespace"),
        (b"tok\ten\n", "whitespace"),
        (b"tok\x00en\n", "control characters"),
        (b"tok\x1ben\n", "control characters"),
        (b"t\xffok\n", "not valid UTF-8"),
        ("tøken\n".encode(), "non-ASCII"),
        (b"x" * 4097 + b"\n", "longer than 4096"),
        (b"x" * 5000, "longer than 4096"),
    ],
)
def test_bad_tokens_on_stdin(empty_sandbox: Sandbox, token: bytes, expected: str) -> None:
    empty_sandbox.add_tools()
    line = _usage(empty_sandbox, "all", *GOOD, input=token)
    assert expected in line


def test_bad_token_in_env_is_not_echoed(empty_sandbox: Sandbox) -> None:
    empty_sandbox.add_tools()
    line = _usage(empty_sandbox, "all", "-u", ORG, env={"KCR_TOKEN": "secret with space"}, input=None)
    assert "whitespace" in line and "secret" not in line


def test_ca_file_that_is_not_a_certificate(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    empty_sandbox.add_tools()
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    assert "not a PEM CA certificate" in _usage(empty_sandbox, "all", *GOOD, "--ca-file", str(bogus))


def test_token_of_exactly_4096_characters_is_accepted_by_validation(empty_sandbox: Sandbox) -> None:
    empty_sandbox.add_tools()
    result = empty_sandbox.run("all", *GOOD, "--dry-run", "--json", input="x" * 4096 + "\r\n")
    assert result.returncode == 0, result.stderr


def test_missing_username_without_terminal(empty_sandbox: Sandbox) -> None:
    empty_sandbox.add_tools()
    assert "-u/--username or set KCR_USERNAME" in _usage(empty_sandbox, "all", "--password-stdin")


def test_environment_variables_are_validated_too(empty_sandbox: Sandbox) -> None:
    empty_sandbox.add_tools()
    line = _usage(empty_sandbox, "all", "--password-stdin", env={"KCR_USERNAME": ORG, "KCR_CREDENTIAL_TYPE": "user"})
    assert "--type user" in line
    line = _usage(empty_sandbox, "all", "--password-stdin", env={"KCR_USERNAME": ORG, "KCR_REGISTRY": "ftp://x"})
    assert "only https://" in line


def test_uppercase_org_is_folded(empty_sandbox: Sandbox) -> None:
    empty_sandbox.add_tools()
    result = empty_sandbox.run("all", "-u", "My-Company", "--password-stdin", "--dry-run", "--json", input="tok\n")
    assert result.returncode == 0
    assert '"username": "my-company"' in result.stdout
