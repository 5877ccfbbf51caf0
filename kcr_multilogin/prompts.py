"""Gathering the credential: flags, environment, stdin, or prompts on the terminal (never on stdout)."""

from __future__ import annotations

import os
import ssl
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer

from kcr_multilogin.inputs import (
    MAX_TOKEN_LENGTH,
    Credential,
    CredentialType,
    UsageError,
    token_from_stdin_bytes,
    validate_token,
    validate_username,
)

T = TypeVar("T")


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def parse_type(value: str | None) -> CredentialType | None:
    if value is None or value == "":
        return None
    try:
        return CredentialType(value.strip().lower())
    except ValueError:
        raise UsageError(f"--type must be 'user' or 'org', not {value!r}") from None


def gather_credential(type_text: str | None, username: str | None, password_stdin: bool) -> Credential:
    """Validate what was given, prompt for what is missing when stdin is a terminal, else fail with exit 2."""
    credential_type = parse_type(type_text)
    interactive = _stdin_is_terminal()
    if username is None:
        if not interactive:
            raise UsageError("no username: pass -u/--username or set KCR_USERNAME")
        if credential_type is None:
            credential_type = typer.prompt(
                "Credential type [user = your e-mail + user API token, org = organisation subdomain + organisation API token]",
                value_proc=_prompt_proc(parse_type), err=True)
        assert credential_type is not None
        what = "E-mail address" if credential_type is CredentialType.USER else "Organisation subdomain (e.g. my-company)"
        username, credential_type = typer.prompt(
            what, value_proc=_prompt_proc(lambda v: validate_username(v.strip(), credential_type)), err=True)
    else:
        username, credential_type = validate_username(username, credential_type)
    assert username is not None and credential_type is not None
    return Credential(username, credential_type, _gather_token(password_stdin, interactive))


def _gather_token(password_stdin: bool, interactive: bool) -> str:
    if password_stdin and not interactive:
        data = sys.stdin.buffer.readline(MAX_TOKEN_LENGTH + 3)
        if not data:
            raise UsageError("--password-stdin was given but stdin is empty")
        if len(data) > MAX_TOKEN_LENGTH + 2 or (len(data) > MAX_TOKEN_LENGTH and not data.endswith(b"\n")):
            raise UsageError(f"the token read from stdin is longer than {MAX_TOKEN_LENGTH} characters")
        return token_from_stdin_bytes(data)
    if not password_stdin:
        env_token = os.environ.get("KCR_TOKEN")
        if env_token is not None:
            return validate_token(env_token)
    if interactive:
        token: str = typer.prompt("API token (hidden)", hide_input=True, value_proc=_prompt_proc(validate_token), err=True)
        return token
    raise UsageError("no token: pipe it with --password-stdin or set KCR_TOKEN (there is no option that takes it as an argument)")


def _prompt_proc(fn: Callable[[str], T]) -> Callable[[str], T]:
    """Turn a validator's UsageError into typer's BadParameter, so the prompt asks again."""
    def proc(value: str) -> T:
        try:
            return fn(value)
        except UsageError as exc:
            raise typer.BadParameter(str(exc)) from None
    return proc


def check_ca_file(path: Path | None) -> Path | None:
    if path is None:
        return None
    if not path.is_file():
        raise UsageError(f"--ca-file {path}: no such file")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=str(path))
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise UsageError(f"--ca-file {path}: not a PEM CA certificate ({getattr(exc, 'reason', None) or exc})") from None
    return path.resolve()
