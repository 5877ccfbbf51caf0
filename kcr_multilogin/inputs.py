"""Validation and normalisation of everything a user types: username, token, registry, credential type.

Everything here runs before any tool or network call; a failure raises `UsageError`, which the CLI turns into one
line on stderr and exit code 2.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass, field

MAX_TOKEN_LENGTH = 4096
MAX_EMAIL_LENGTH = 254  # RFC 5321 forward-path limit
DEFAULT_REGISTRY = "kcr.io"


class UsageError(Exception):
    """Bad input from the user: one clear line, exit code 2, nothing run."""


class CredentialType(str, enum.Enum):
    USER = "user"
    ORG = "org"


@dataclass(frozen=True)
class Credential:
    """The username and the registry password. `repr` never shows the token (style.md §3)."""

    username: str
    credential_type: CredentialType
    token: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credential(username={self.username!r}, credential_type={self.credential_type.value!r}, token=<hidden>)"

    __str__ = __repr__


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_DOTTED_DOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})+", re.IGNORECASE)
_ORG_RE = re.compile(_LABEL)
# RFC 5322 dot-atom local part, ASCII only.
_LOCAL_PART_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# Always fullmatch: `$` would also match before a trailing newline ("my-company\n" is not a subdomain).


def infer_type(username: str) -> CredentialType:
    """An e-mail address means a user token; anything else is an organisation subdomain."""
    return CredentialType.USER if "@" in username else CredentialType.ORG


def validate_username(username: str, credential_type: CredentialType | None) -> tuple[str, CredentialType]:
    """Return the normalised username and its credential type, or raise UsageError."""
    shown = _show(username)
    if not username:
        raise UsageError("the username is empty: give an e-mail address (user token) or an organisation subdomain")
    inferred = infer_type(username)
    if credential_type is not None and credential_type is not inferred:
        if credential_type is CredentialType.USER:
            raise UsageError(
                f"--type user needs the e-mail address you sign in to Krystal Identity with, not {shown} "
                "(that looks like an organisation subdomain: use --type org)"
            )
        raise UsageError(
            f"--type org needs the organisation's subdomain (e.g. my-company), not {shown} "
            "(that looks like an e-mail address: use --type user)"
        )
    if inferred is CredentialType.USER:
        return _validate_email(username), CredentialType.USER
    return _validate_org(username), CredentialType.ORG


def _validate_email(email: str) -> str:
    shown = _show(email)
    if len(email) > MAX_EMAIL_LENGTH:
        raise UsageError(f"the e-mail address is too long ({len(email)} characters, at most {MAX_EMAIL_LENGTH})")
    if not email.isascii() or any(c.isspace() or not c.isprintable() for c in email):
        raise UsageError(f"the e-mail address {shown} must be plain ASCII without spaces or control characters")
    if email.count("@") != 1:
        raise UsageError(f"the e-mail address {shown} must contain exactly one '@'")
    local, domain = email.split("@")
    if not local or not _LOCAL_PART_RE.fullmatch(local) or len(local) > 64:
        raise UsageError(f"the e-mail address {shown} has an invalid part before the '@'")
    if not _DOTTED_DOMAIN_RE.fullmatch(domain):
        raise UsageError(f"the e-mail address {shown} needs a dotted domain after the '@' (e.g. example.com)")
    return email


def _validate_org(org: str) -> str:
    shown = _show(org)
    folded = org.lower()
    if len(folded) > 63:
        raise UsageError(f"the organisation subdomain {shown} is longer than 63 characters")
    if not _ORG_RE.fullmatch(folded):
        raise UsageError(
            f"the organisation subdomain {shown} may only hold a-z, 0-9 and inner '-' "
            "(e.g. my-company); for a user token give your e-mail address"
        )
    return folded


def validate_token(token: str) -> str:
    """The registry password. Never echo it back, even in an error message."""
    if not token:
        raise UsageError("the token is empty")
    if len(token) > MAX_TOKEN_LENGTH:
        raise UsageError(f"the token is longer than {MAX_TOKEN_LENGTH} characters ({len(token)})")
    if any(c.isspace() for c in token):
        raise UsageError("the token contains whitespace; paste it exactly as Katapult shows it")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in token):
        raise UsageError("the token contains control characters")
    if not token.isascii() or not token.isprintable():
        # HTTP Basic auth (RFC 7617) has no agreed charset; registry tokens are ASCII.
        raise UsageError("the token contains non-ASCII characters; API tokens are plain ASCII")
    return token


def token_from_stdin_bytes(data: bytes) -> str:
    """One line from stdin: a trailing \\n or \\r\\n is removed, anything after the first line is ignored."""
    line, _, _ = data.partition(b"\n")
    if line.endswith(b"\r"):
        line = line[:-1]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the token read from stdin is not valid UTF-8") from None
    if "\x00" in text:
        raise UsageError("the token contains control characters")
    return validate_token(text)


@dataclass(frozen=True)
class Registry:
    """A registry host as the tools key it in their credential files: `host` or `host:port`."""

    host: str  # lower-case hostname, IPv4 literal, or bracketed IPv6 literal
    port: int | None = None

    @property
    def key(self) -> str:
        return f"{self.host}:{self.port}" if self.port is not None else self.host

    @property
    def hostname(self) -> str:
        """The host without IPv6 brackets, for sockets and TLS."""
        return self.host[1:-1] if self.host.startswith("[") else self.host

    @property
    def is_loopback(self) -> bool:
        if self.hostname == "localhost" or self.hostname.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(self.hostname).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return self.key


def parse_registry(value: str) -> Registry:
    """Accept `HOST`, `HOST:PORT`, `[v6]:PORT` and `https://HOST[:PORT][/]`; reject anything else."""
    shown = _show(value)
    text = value.strip()
    if not text:
        raise UsageError("the registry is empty (e.g. --registry kcr.io)")
    if any(c.isspace() or not c.isprintable() for c in text) or not text.isascii():
        raise UsageError(f"the registry {shown} contains spaces, control or non-ASCII characters")
    scheme, sep, rest = text.partition("://")
    if sep:
        if scheme.lower() != "https":
            raise UsageError(f"the registry {shown} uses {scheme}://; only https:// (or a bare host) is accepted")
        text = rest
    if text.endswith("/"):
        text = text[:-1]
    for bad, what in (("/", "a path"), ("?", "a query"), ("#", "a fragment"), ("@", "user information")):
        if bad in text:
            raise UsageError(f"the registry {shown} has {what}; give only HOST[:PORT] (e.g. kcr.io)")
    host, port = _split_host_port(text, shown)
    return Registry(host=host, port=port)


def _split_host_port(text: str, shown: str) -> tuple[str, int | None]:
    port_text: str | None = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise UsageError(f"the registry {shown} has an unclosed '[' (IPv6 is written [::1]:5000)")
        inner, after = text[1:end], text[end + 1 :]
        try:
            address = ipaddress.IPv6Address(inner)
        except ValueError:
            raise UsageError(f"the registry {shown} is not a valid IPv6 address") from None
        host = f"[{address.compressed}]"
        if after:
            if not after.startswith(":"):
                raise UsageError(f"the registry {shown} has text after the IPv6 address")
            port_text = after[1:]
    else:
        if text.count(":") > 1:
            raise UsageError(f"the registry {shown}: write an IPv6 address in brackets, e.g. [::1]:5000")
        host, sep, after = text.partition(":")
        host = host.lower()
        if sep:
            port_text = after
        if not host:
            raise UsageError(f"the registry {shown} has no host name")
        if not _is_ipv4(host) and (len(host) > 253 or not _HOSTNAME_RE.fullmatch(host)):
            raise UsageError(f"the registry {shown} is not a valid host name")
    port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise UsageError(f"the registry {shown} has an invalid port (1-65535)")
        port = int(port_text)
        if port == 443:
            # Image references say `kcr.io/...`; a credential stored under `kcr.io:443` would never be found.
            port = None
    return host, port


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _show(value: str, limit: int = 60) -> str:
    """Quote user input for an error message, shortened and with control characters escaped."""
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(text)


def parse_timeout(value: float) -> float:
    if value != value or value <= 0 or value == float("inf"):  # NaN, zero, negative, infinite
        raise UsageError("--timeout must be a positive number of seconds")
    if value > 3600:
        raise UsageError("--timeout must be at most 3600 seconds")
    return value
