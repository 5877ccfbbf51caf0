"""Find a tool on PATH and trust it only after a version probe with a short timeout (pipx's approach)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from kcr_multilogin import proc
from kcr_multilogin.adapter import Adapter, last_meaningful_line
from kcr_multilogin.stores import Environment

PROBE_TIMEOUT = 5.0


@dataclass(frozen=True)
class Detected:
    adapter: Adapter
    path: str | None  # None: not on PATH
    version: str | None = None
    problem: str | None = None  # the binary exists but its version probe failed or hung
    is_podman_shim: bool = False  # `docker` that is really podman (podman-docker)
    probe_seconds: float = 0.0  # how long the version probe took: a measure of the tool's start-up cost

    @property
    def usable(self) -> bool:
        return self.path is not None and self.problem is None


def detect(adapter: Adapter, env: Environment, timeout: float = PROBE_TIMEOUT) -> Detected:
    path = env.which(adapter.binary)
    if path is None:
        blocked = _not_executable(adapter.binary, env)
        if blocked:
            return Detected(adapter, blocked, None, f"{blocked} is on PATH but is not executable (chmod +x {blocked}?)")
        return Detected(adapter, None)
    result = proc.run([path, *adapter.version_argv], env=env.vars, timeout=min(timeout, PROBE_TIMEOUT))
    text = result.stdout + "\n" + result.stderr
    version = adapter.parse_version(text)
    if result.spawn_error:
        return Detected(adapter, path, None, f"cannot run {path}: {result.spawn_error}")
    if result.timed_out:
        return Detected(adapter, path, None, f"`{adapter.binary} {' '.join(adapter.version_argv)}` hung; killed after {min(timeout, PROBE_TIMEOUT):g}s")
    if result.signal_name:
        return Detected(adapter, path, None, f"`{adapter.binary} {' '.join(adapter.version_argv)}` crashed ({result.signal_name})")
    if version is None:
        said = last_meaningful_line(result) or "nothing"
        return Detected(adapter, path, None, f"version probe exited {result.returncode} and said: {said}")
    shim = adapter.binary == "docker" and "podman" in text.lower()
    return Detected(adapter, path, version, None, shim, result.duration)


def _not_executable(name: str, env: Environment) -> str | None:
    """A file of that name on PATH that `which` skipped because it cannot be executed."""
    for directory in env.vars.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, name)
        if directory and os.path.isfile(candidate) and not os.access(candidate, os.X_OK):
            return candidate
    return None
