"""Ask the registry whether a credential works, the way the distribution spec says (`GET /v2/`).

A `Basic` challenge is answered with the credential; a `Bearer` challenge by fetching a token from the realm with
the credential (Basic auth on GET, as docker does) and retrying `/v2/` with it. Standard library only: this runs on
every login and must not cost start-up time.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kcr_multilogin import __version__
from kcr_multilogin.inputs import Registry

if TYPE_CHECKING:
    import http.client

# http.client is imported when first needed: this module is on the path to the first network packet, and the
# TCP and TLS handshakes do not need it (the CLI warms it up while they run).

_BODY_LIMIT = 1024 * 1024
_MAX_REDIRECTS = 5
USER_AGENT = f"kcr-multilogin/{__version__}"


@dataclass(frozen=True)
class TlsOptions:
    verify: bool = True
    ca_file: Path | None = None


@dataclass(frozen=True)
class CheckResult:
    outcome: str  # "ok" | "rejected" | "unreachable" | "tls" | "error"
    detail: str
    challenge: str | None = None  # "basic" | "bearer" | None (no auth asked)
    status: int | None = None
    plain_http: bool = False
    server_date: str | None = None
    requests: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class _Failure(Exception):
    def __init__(self, outcome: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.outcome, self.detail, self.status = outcome, detail, status


@dataclass
class _Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class _Client:
    tls: TlsOptions
    deadline: float
    requests: int = 0
    _conns: dict[tuple[str, str, int], http.client.HTTPConnection] = field(default_factory=dict)
    _context: ssl.SSLContext | None = None

    def context(self) -> ssl.SSLContext:
        if self._context is None:
            ctx = trust_context()
            if self.tls.ca_file is not None:
                ctx.load_verify_locations(cafile=str(self.tls.ca_file))
            if not self.tls.verify:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            self._context = ctx
        return self._context

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    def get(self, url: str, headers: dict[str, str] | None = None) -> _Response:
        import http.client  # noqa: F401 - see the module's note on import order

        parts = urllib.parse.urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise _Failure("unreachable", "no answer before the timeout")
        key = (scheme, host, port)
        conn = self._conns.get(key)
        if conn is None:
            conn = self._connect(scheme, host, port, remaining)
            self._conns[key] = conn
        conn.timeout = remaining
        if conn.sock is not None:
            conn.sock.settimeout(remaining)
        sent = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        target = url if getattr(conn, "_kcr_plain_proxy", False) else path
        self.requests += 1
        try:
            conn.request("GET", target, headers=sent)
            resp = conn.getresponse()
            body = resp.read(_BODY_LIMIT)
            if not resp.isclosed():
                resp.read()  # drain so the connection can be reused
        except Exception:
            conn.close()
            del self._conns[key]
            raise
        return _Response(resp.status, resp.headers, body)

    def _connect(self, scheme: str, host: str, port: int, timeout: float) -> http.client.HTTPConnection:
        proxy = _proxy_for(scheme, host, port)
        if scheme == "https" and not proxy:
            # Handshakes first, http.client afterwards (see the module's note).
            raw = socket.create_connection((host, port), timeout)
            try:
                tls = self.context().wrap_socket(raw, server_hostname=host)
            except BaseException:
                raw.close()
                raise
            import http.client

            direct = http.client.HTTPSConnection(host, port, timeout=timeout, context=self.context())
            direct.sock = tls
            return direct
        import http.client

        conn: http.client.HTTPConnection
        if scheme == "https":
            assert proxy is not None
            conn = http.client.HTTPSConnection(proxy.hostname or "", proxy.port or 80, timeout=timeout, context=self.context())
            conn.set_tunnel(host, port, headers=_proxy_auth(proxy))
        else:
            if proxy:
                conn = http.client.HTTPConnection(proxy.hostname or "", proxy.port or 80, timeout=timeout)
                conn._kcr_plain_proxy = True  # type: ignore[attr-defined]
            else:
                conn = http.client.HTTPConnection(host, port, timeout=timeout)
        return conn


def _proxy_for(scheme: str, host: str, port: int | None = None) -> urllib.parse.SplitResult | None:
    """HTTPS_PROXY/HTTP_PROXY and NO_PROXY as the Go tools read them (golang.org/x/net/http/httpproxy): loopback
    is never proxied; NO_PROXY holds `*`, host names (matching their subdomains), `.domains`, IPs, CIDRs, `host:port`."""
    if host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost"):
        return None
    env = os.environ
    url = (env.get(f"{scheme.upper()}_PROXY") or env.get(f"{scheme}_proxy") or "").strip()
    if not url or _no_proxy(host, port, env.get("NO_PROXY") or env.get("no_proxy") or ""):
        return None
    if "://" not in url:
        url = "http://" + url
    return urllib.parse.urlsplit(url)


def _no_proxy(host: str, port: int | None, setting: str) -> bool:
    host = host.lower().strip("[]")
    for raw in setting.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        try:
            if "/" in entry:
                if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                    return True
                continue
        except ValueError:
            continue
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and port is not None and entry_port != str(port):
            continue
        name = name.lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


def _proxy_auth(proxy: urllib.parse.SplitResult) -> dict[str, str]:
    if proxy.username is None:
        return {}
    pair = f"{urllib.parse.unquote(proxy.username)}:{urllib.parse.unquote(proxy.password or '')}"
    return {"Proxy-Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def trust_context() -> ssl.SSLContext:
    """The system's trusted CAs, as ssl.create_default_context() would give, but looked up lazily from the hashed
    certificate directory when there is one: parsing the whole bundle costs ~35 ms on the critical path."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names
    paths = ssl.get_default_verify_paths()
    overridden = os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR")
    if not overridden and paths.capath and os.path.isdir(paths.capath) and any(
            name.endswith(".0") for name in os.listdir(paths.capath)):
        ctx.load_verify_locations(capath=paths.capath)
    else:
        ctx.load_default_certs()
    return ctx


_CHALLENGE_RE = re.compile(r'([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')


def parse_challenges(header: str) -> dict[str, dict[str, str]]:
    """`Bearer realm="…",service="…"` → {"bearer": {"realm": …, "service": …}}."""
    result: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"(?:^|,)\s*(Basic|Bearer)\b", header, re.IGNORECASE):
        scheme = match.group(1).lower()
        start = match.end()
        nxt = re.search(r",\s*(Basic|Bearer)\b", header[start:], re.IGNORECASE)
        segment = header[start : start + nxt.start()] if nxt else header[start:]
        params = {k.lower(): (q if q is not None and v == "" else v or q or "") for k, q, v in _CHALLENGE_RE.findall(segment)}
        params = {k: re.sub(r"\\(.)", r"\1", v) for k, v in params.items()}
        result.setdefault(scheme, params)
    return result


def _basic(username: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()


def check_credential(registry: Registry, username: str, token: str, tls: TlsOptions, timeout: float) -> CheckResult:
    """One pre-flight exchange; never raises for network or HTTP problems, never puts the token in a message."""
    client = _Client(tls, time.monotonic() + timeout)
    plain_http = False
    date: str | None = None
    basic = _basic(username, token)
    try:
        base = f"https://{registry.key}/v2/"
        # The credential goes with the first request (as curl -u does): a Basic registry answers 200 or 401 at
        # once, saving a round trip; a Bearer registry ignores it and answers with its challenge.
        try:
            resp = _get_following(client, base, basic)
        except _Failure as exc:
            if exc.outcome == "tls" and not tls.verify and "plain HTTP" in exc.detail:
                base, plain_http = f"http://{registry.key}/v2/", True
                resp = _get_following(client, base, basic)
            else:
                raise
        date = resp.headers.get("Date")
        if resp.status == 200:
            return CheckResult("ok", "accepted (Basic)", "basic", 200, plain_http, date, client.requests)
        if resp.status >= 500:
            raise _Failure("error", f"GET {base} answered HTTP {resp.status}{_reason(resp)}: the registry is failing "
                                    "on its side; try again later", resp.status)
        if resp.status != 401:
            raise _Failure("error", f"GET {base} answered HTTP {resp.status}{_reason(resp)}; is this a registry?", resp.status)
        challenges = parse_challenges(resp.headers.get("WWW-Authenticate", ""))
        if "bearer" in challenges:
            return _bearer(client, base, challenges["bearer"], username, token, plain_http, date)
        if "basic" in challenges:
            # The Basic credential was already on that request: this 401 is the answer to it.
            return CheckResult("rejected", f"HTTP {resp.status}{_reason(resp)}", "basic", resp.status,
                               plain_http, date, client.requests)
        raise _Failure("error", f"GET {base} answered 401 without a Basic or Bearer challenge", 401)
    except _Failure as exc:
        return CheckResult(exc.outcome, exc.detail, None, exc.status, plain_http, date, client.requests)
    finally:
        client.close()


def _bearer(client: _Client, base: str, params: dict[str, str], username: str, token: str, plain_http: bool,
            date: str | None) -> CheckResult:
    realm = params.get("realm", "")
    parts = urllib.parse.urlsplit(realm)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Failure("error", f"the registry's Bearer challenge has no usable realm ({realm!r})")
    query = [(k, v) for k, v in (("service", params.get("service", "")), ("scope", params.get("scope", ""))) if v]
    query += [("account", username)]
    url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    resp = _get_following(client, url, _basic(username, token))
    if resp.status in (401, 403):
        return CheckResult("rejected", f"the token service at {parts.hostname} answered HTTP {resp.status}{_reason(resp)}",
                           "bearer", resp.status, plain_http, date, client.requests)
    if resp.status != 200:
        raise _Failure("error", f"the token service {realm} answered HTTP {resp.status}{_reason(resp)}", resp.status)
    try:
        doc = json.loads(resp.body)
        bearer = doc.get("token") or doc.get("access_token")
    except (ValueError, AttributeError):
        bearer = None
    if not isinstance(bearer, str) or not bearer:
        raise _Failure("error", f"the token service {realm} answered 200 but without a token in JSON")
    checked = _get_following(client, base, f"Bearer {bearer}")
    if checked.status == 200:
        return CheckResult("ok", "accepted (Bearer)", "bearer", 200, plain_http, date, client.requests)
    if checked.status in (401, 403):
        return CheckResult("rejected", f"the registry refused the issued token (HTTP {checked.status})", "bearer",
                           checked.status, plain_http, date, client.requests)
    raise _Failure("error", f"GET {base} with a token answered HTTP {checked.status}{_reason(checked)}", checked.status)


def _reason(resp: _Response) -> str:
    """The registry's own error message, if its body is a distribution error document."""
    try:
        errors = json.loads(resp.body).get("errors") or []
        message = errors[0].get("message") or errors[0].get("code")
    except (ValueError, AttributeError, IndexError, TypeError):
        return ""
    return f" ({message})" if isinstance(message, str) and message else ""


def _keeps_authorization(origin: str, target: str) -> bool:
    """Go's net/http (shouldCopyHeaderOnRedirect): Authorization follows a redirect to the same host name (any
    port) or a subdomain of it, and is dropped anywhere else."""
    return target == origin or target.endswith("." + origin)


def _get_following(client: _Client, url: str, authorization: str | None) -> _Response:
    """GET with redirects followed like the tools' Go HTTP client (at most 10 there; 5 here)."""
    origin = urllib.parse.urlsplit(url).hostname or ""
    for _ in range(_MAX_REDIRECTS + 1):
        headers = {}
        if authorization and _keeps_authorization(origin, urllib.parse.urlsplit(url).hostname or ""):
            headers["Authorization"] = authorization
        resp = _get(client, url, headers)
        if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
            url = urllib.parse.urljoin(url, resp.headers["Location"])
            continue
        return resp
    raise _Failure("error", f"more than {_MAX_REDIRECTS} redirects starting at {url}")


def _http_exception() -> type[Exception]:
    import http.client

    return http.client.HTTPException


def _get(client: _Client, url: str, headers: dict[str, str]) -> _Response:
    host = urllib.parse.urlsplit(url).netloc
    try:
        return client.get(url, headers)
    except ssl.SSLCertVerificationError as exc:
        raise _Failure("tls", f"TLS verification failed for {host}: {exc.verify_message or exc.reason}") from None
    except ssl.SSLError as exc:
        reason = exc.reason or str(exc)
        if reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "UNEXPECTED_EOF_WHILE_READING"):
            raise _Failure("tls", f"{host} does not speak TLS (plain HTTP?): {reason}") from None
        raise _Failure("tls", f"TLS handshake with {host} failed: {reason}") from None
    except socket.gaierror:
        raise _Failure("unreachable", f"cannot resolve {urllib.parse.urlsplit(url).hostname}") from None
    except ConnectionRefusedError:
        raise _Failure("unreachable", f"connection to {host} refused") from None
    except (TimeoutError, socket.timeout):
        raise _Failure("unreachable", f"{host} did not answer before the timeout") from None
    except _http_exception() as exc:
        raise _Failure("error", f"{host} did not answer with valid HTTP ({type(exc).__name__})") from None
    except OSError as exc:
        raise _Failure("unreachable", f"cannot reach {host}: {exc.strerror or exc}") from None


def probe(registry: Registry, tls: TlsOptions, timeout: float) -> CheckResult:
    """An anonymous `GET /v2/`: is it reachable, does TLS verify with the given trust, what does its clock say."""
    client = _Client(tls, time.monotonic() + timeout)
    base = f"https://{registry.key}/v2/"
    try:
        resp = _get_following(client, base, None)
    except _Failure as exc:
        return CheckResult(exc.outcome, exc.detail, None, exc.status, requests=client.requests)
    finally:
        client.close()
    date = resp.headers.get("Date")
    challenges = parse_challenges(resp.headers.get("WWW-Authenticate", ""))
    challenge = "bearer" if "bearer" in challenges else "basic" if "basic" in challenges else None
    if resp.status in (200, 401):
        asked = f"a {challenge.capitalize()} challenge" if challenge else "no challenge"
        return CheckResult("ok", f"GET {base} answered HTTP {resp.status} with {asked}", challenge, resp.status,
                           False, date, client.requests)
    return CheckResult("error", f"GET {base} answered HTTP {resp.status}{_reason(resp)}: not a registry API", None,
                       resp.status, False, date, client.requests)


_TLS_REASONS = (
    ("unable to get local issuer certificate", "its certificate chain ends at a CA this machine does not trust"),
    ("self-signed certificate in certificate chain", "it is signed by a private CA that this machine does not trust"),
    ("self signed certificate in certificate chain", "it is signed by a private CA that this machine does not trust"),
    ("self-signed certificate", "its certificate is self-signed"),
    ("self signed certificate", "its certificate is self-signed"),
    ("hostname mismatch", "its certificate is not issued for this host name"),
    ("ip address mismatch", "its certificate is not issued for this IP address"),
    ("certificate has expired", "its certificate has expired"),
    ("certificate is not yet valid", "its certificate is not valid yet (check this machine's clock)"),
)


def explain_tls(detail: str) -> str:
    """The CA problem in words, from OpenSSL's verify message."""
    lower = detail.lower()
    for needle, words in _TLS_REASONS:
        if needle in lower:
            return words
    return "its certificate does not verify"
