"""Small loopback servers for what the real registry cannot show on its own."""

from __future__ import annotations

import http.client
import ssl
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def serve_tls(handler: type[BaseHTTPRequestHandler], cert: Path, key: Path) -> tuple[ThreadingHTTPServer, str]:
    """An HTTPS server on a free loopback port, serving in a daemon thread; the server and its host:port."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"127.0.0.1:{httpd.server_address[1]}"


class SkewedClockProxy:
    """HTTPS in front of a real registry, forwarding every GET but rewriting `Date` by `skew` seconds."""

    def __init__(self, upstream: str, ca: Path, cert: Path, key: Path, skew: float):
        upstream_context = ssl.create_default_context(cafile=str(ca))
        host, port = upstream.rsplit(":", 1)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def send_header(self, keyword: str, value: str) -> None:
                if keyword.lower() in ("date", "server"):
                    return  # BaseHTTPRequestHandler adds its own; ours is set below
                super().send_header(keyword, value)

            def do_GET(self) -> None:  # noqa: N802
                conn = http.client.HTTPSConnection(host, int(port), context=upstream_context, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request("GET", self.path, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                self.send_response_only(resp.status)
                for name, value in resp.getheaders():
                    if name.lower() not in ("date", "content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                BaseHTTPRequestHandler.send_header(self, "Date", formatdate(time.time() + skew, usegmt=True))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                conn.close()

        self.httpd, self.host = serve_tls(Handler, cert, key)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeRegistry:
    """An HTTPS server answering /v2/ the way a broken registry might.

    mode "500": HTTP 500 with a distribution error document; "redirect": 307 to `target`'s /v2/ (the real
    registry, on another port of the same host); "loop": a redirect to itself, forever.
    """

    def __init__(self, mode: str, cert: Path, key: Path, target: str = ""):
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                server.requests += 1
                if mode == "500":
                    self._send(500, b'{"errors": [{"code": "UNAVAILABLE", "message": "database down"}]}',
                               {"Content-Type": "application/json"})
                elif mode == "redirect":
                    self._send(307, headers={"Location": f"https://{target}{self.path}"})
                else:
                    self._send(302, headers={"Location": f"/v2/?n={server.requests}"})

        self.httpd, self.host = serve_tls(Handler, cert, key)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class BlackHole:
    """A port that accepts TCP connections (the kernel's backlog) and never says a word: a registry too slow."""

    def __init__(self) -> None:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.host = f"127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()
