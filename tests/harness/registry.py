"""A real distribution registry (Debian's `docker-registry serve CONFIG`) on a free loopback port, with TLS."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def htpasswd_file(path: Path, users: Mapping[str, str]) -> Path:
    """bcrypt entries via `htpasswd -iBn USER` (the password on stdin, never on argv)."""
    htpasswd = shutil.which("htpasswd")
    if htpasswd is None:
        raise RuntimeError("htpasswd is missing: install apache2-utils (the test command does this)")
    lines = []
    for user, password in users.items():
        out = subprocess.run([htpasswd, "-iBn", user], input=password.encode(), capture_output=True, check=True)
        lines.append(out.stdout.decode().strip())
    path.write_text("\n".join(lines) + "\n")
    return path


_ACCESS_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) \S+ "[^"]*" "(?P<agent>[^"]*)"')


@dataclass
class RunningRegistry:
    name: str
    port: int
    ca: Path
    log: Path
    process: subprocess.Popen[bytes]
    auth: str  # "htpasswd" | "token"
    config: Path
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def access(self) -> list[dict[str, str]]:
        """Parsed access-log lines: method, path, status, agent."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [m.groupdict() for m in _ACCESS_RE.finditer(text)]

    def mark(self) -> int:
        return len(self.access())

    def since(self, mark: int) -> list[dict[str, str]]:
        return self.access()[mark:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_registry(directory: Path, *, name: str, cert: Path, key: Path, ca: Path, auth_yaml: str,
                   port: int | None = None) -> RunningRegistry:
    binary = shutil.which("docker-registry")
    if binary is None:
        raise RuntimeError("docker-registry is missing: install Debian's docker-registry (the test command does this)")
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    config = directory / "config.yml"
    config.write_text(f"""version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: {directory / 'data'}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
  tls:
    certificate: {cert}
    key: {key}
{auth_yaml}
""")
    log = directory / "registry.log"
    handle = log.open("wb")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=handle, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    handle.close()
    registry = RunningRegistry(name, port, ca, log, process, "token" if "token:" in auth_yaml else "htpasswd", config)
    _wait_ready(registry)
    return registry


def _wait_ready(registry: RunningRegistry, timeout: float = 20.0) -> None:
    context = ssl.create_default_context(cafile=str(registry.ca))
    context.check_hostname = False  # readiness only; some test registries serve a certificate for another name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if registry.process.poll() is not None:
            raise RuntimeError(f"registry {registry.name} exited: {registry.log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"https://{registry.host}/v2/", context=context, timeout=2)
            return
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"registry {registry.name} did not become ready: {registry.log.read_text()[-2000:]}")


def htpasswd_auth(htpasswd: Path) -> str:
    return f"""auth:
  htpasswd:
    realm: kcr-test
    path: {htpasswd}"""


def token_auth(realm: str, service: str, issuer: str, root_bundle: Path) -> str:
    return f"""auth:
  token:
    realm: {realm}
    service: {service}
    issuer: {issuer}
    rootcertbundle: {root_bundle}"""
