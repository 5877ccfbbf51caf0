"""A small token issuer for distribution's `auth: token` (RS256 JWT with an x5c header).

Serves both forms the tools use (tool-facts §3): GET with Basic credentials (docker, podman, our pre-flight) and the
OAuth2 password grant POST that helm v4 tries first. Counts what it was asked.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.parse
from collections import Counter
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.harness.proxies import serve_tls

ISSUER = "kcr-test-issuer"
SERVICE = "kcr-test-registry"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(key: rsa.RSAPrivateKey, leaf_der: bytes, subject: str, scopes: list[str], lifetime: int = 300) -> str:
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(leaf_der).decode()]}
    now = int(time.time())
    access = []
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) >= 3:
            access.append({"type": parts[0], "name": ":".join(parts[1:-1]), "actions": parts[-1].split(",")})
    claims = {"iss": ISSUER, "sub": subject, "aud": SERVICE, "exp": now + lifetime, "nbf": now - 5, "iat": now,
              "jti": secrets.token_hex(8), "access": access}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


class TokenServer:
    def __init__(self, users: Mapping[str, str], key: rsa.RSAPrivateKey, leaf_der: bytes, cert: Path, cert_key: Path):
        self.users = users
        self.requests: Counter[str] = Counter()
        self.mode = "ok"  # "ok" | "error" (HTTP 500) | "garbage" (200 with no token)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _credentials_ok(self, user: str | None, password: str | None) -> bool:
                return user is not None and password is not None and server.users.get(user) == password

            def _answer(self, status: int, body: dict[str, object] | str) -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status == 401:
                    self.send_header("WWW-Authenticate", 'Basic realm="kcr-test-token"')
                self.end_headers()
                self.wfile.write(data)

            def _issue(self, user: str | None, password: str | None, scopes: list[str]) -> None:
                if server.mode == "error":
                    self._answer(500, {"errors": [{"code": "UNKNOWN", "message": "token service broken"}]})
                    return
                if server.mode == "garbage":
                    self._answer(200, "<html>not json</html>")
                    return
                if not self._credentials_ok(user, password):
                    self._answer(401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid credentials"}]})
                    return
                token = make_jwt(key, leaf_der, user or "", scopes)
                self._answer(200, {"token": token, "access_token": token, "expires_in": 300,
                                   "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

            def do_GET(self) -> None:  # noqa: N802
                server.requests["GET"] += 1
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                user = password = None
                auth = self.headers.get("Authorization", "")
                if auth.startswith("Basic "):
                    user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                self._issue(user, password, query.get("scope", []))

            def do_POST(self) -> None:  # noqa: N802
                server.requests["POST"] += 1
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                scopes = " ".join(form.get("scope", [])).split()
                self._issue(form.get("username", [None])[0], form.get("password", [None])[0], scopes)

        self.httpd, host = serve_tls(Handler, cert, cert_key)
        self.port = int(host.rsplit(":", 1)[1])

    @property
    def realm(self) -> str:
        return f"https://127.0.0.1:{self.port}/token"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
