"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from tests.harness.registry import RunningRegistry
from tests.harness.sandbox import Sandbox


def login(box: Sandbox, registry: RunningRegistry, username: str, token: str, *args: str, command: str = "all",
          tools: tuple[str, ...] = (), env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`kcr-multilogin <command> [tools] -u USER --password-stdin --registry R --ca-file CA ...` with the token on stdin."""
    return box.run(command, *tools, "-u", username, "--password-stdin", "--registry", registry.host,
                   "--ca-file", str(registry.ca), *args, input=token + "\n", env=env, timeout=timeout)


def doc(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def rows(result: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    return {row["tool"]: row for row in doc(result)["tools"]}


def logins_run(box: Sandbox) -> list[tuple[str, list[str]]]:
    """(tool, argv) of every recorded invocation that was a login (not a version probe or a read-back)."""
    return [(r.tool, r.argv) for r in box.recorded() if "login" in r.argv and "--get-login" not in r.argv]


CONTAINERS = ("podman", "skopeo", "buildah")


def containers_writer(box: Sandbox) -> str:
    """The one containers tool that did the shared auth.json's network login (the fastest to start, so any)."""
    writers = [tool for tool, _ in logins_run(box) if tool in CONTAINERS]
    assert len(writers) == 1, writers
    return writers[0]


def assert_no_secret(secret: str, *texts: str) -> None:
    for text in texts:
        assert secret not in text


def alive(pid: int, grace: float = 1.0) -> bool:
    """Whether pid is a live process (a zombie awaiting its reaper counts as dead), polling up to `grace` s."""
    import time
    from pathlib import Path

    deadline = time.monotonic() + grace
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return False
        if state in ("Z", "X"):
            return False
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.05)
