"""One isolated world per test: its own HOME, XDG_RUNTIME_DIR and a PATH holding only what the test means it to.

Real tools are put on that PATH behind recording shims: a shell script that writes its argv and environment to a log
and then `exec`s the real binary, so every child our program starts can be searched for the canary token.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TOOLS = ("docker", "podman", "skopeo", "buildah", "helm")


class MissingTool(RuntimeError):
    pass


def real_tool(name: str) -> str:
    """The real binary on the machine's PATH. Missing means the suite fails: CI must never skip the real tools."""
    found = shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/local/bin:/usr/bin:/usr/sbin:/bin")
    if found is None:
        raise MissingTool(f"the real `{name}` is not installed: run the README's test command, which installs it")
    return found


@dataclass
class Recorded:
    tool: str
    argv: list[str]
    environ: dict[str, str]


@dataclass
class Sandbox:
    root: Path
    home: Path = field(init=False)
    runtime: Path = field(init=False)
    bin: Path = field(init=False)
    log: Path = field(init=False)
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.home = self.root / "home"
        self.runtime = self.root / "run"
        self.bin = self.root / "bin"
        self.log = self.root / "shimlog"
        for d in (self.home, self.runtime, self.bin, self.log):
            d.mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)
        self.env = {
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "PATH": str(self.bin),
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.root / "tmp"),
        }
        (self.root / "tmp").mkdir(exist_ok=True)

    # ------------------------------------------------------------------------------------------- tools

    def add_tools(self, *names: str, record: bool = True) -> None:
        for name in names or TOOLS:
            real = real_tool(name)
            target = self.bin / name
            if record:
                target.write_text(
                    "#!/bin/sh\n"
                    f"log={self.log}/$$-{name}\n"
                    "printf '%s\\n' \"$@\" > \"$log.argv\"\n"
                    "/bin/cat /proc/$$/environ > \"$log.env\"\n"
                    f"exec {real} \"$@\"\n"
                )
                target.chmod(0o755)
            else:
                target.symlink_to(real)

    def add_program(self, name: str, path: str | None = None) -> None:
        """Put a system program (pass, gpg, …) on the sandbox PATH."""
        real = path or shutil.which(name, path="/usr/local/bin:/usr/bin:/bin")
        if real is None:
            raise MissingTool(f"`{name}` is not installed: run the README's test command, which installs it")
        (self.bin / name).symlink_to(real)

    def fake_tool(self, name: str, script: str) -> Path:
        """A shell script standing in for a tool. It gets the system's directories after the sandbox's on its own
        PATH, so `sleep`, `cat`, `head` really run (the sandbox PATH holds only what the test means it to)."""
        target = self.bin / name
        if target.exists() or target.is_symlink():
            target.unlink()
        target.write_text('#!/bin/sh\nPATH="$PATH:/usr/bin:/bin"\n' + script)
        target.chmod(0o755)
        return target

    def recorded(self) -> list[Recorded]:
        out = []
        for argv_file in sorted(self.log.glob("*.argv")):
            tool = argv_file.stem.split("-", 1)[1]
            env_file = argv_file.with_suffix(".env")
            raw = env_file.read_bytes() if env_file.exists() else b""
            environ = dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)
            out.append(Recorded(tool, argv_file.read_text().splitlines(), environ))
        return out

    # --------------------------------------------------------------------------------------------- run

    def run(self, *args: str, input: str | bytes | None = None, env: Mapping[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        full_env = {**self.env, **(env or {})}
        data = input.encode() if isinstance(input, str) else input
        proc = subprocess.run([sys.executable, "-m", "kcr_multilogin", *args], input=data, env=full_env,
                              capture_output=True, timeout=timeout, stdin=None if data is not None else subprocess.DEVNULL)
        return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(errors="replace"),
                                           proc.stderr.decode(errors="replace"))

    def tool(self, name: str, *args: str, input: str | None = None, env: Mapping[str, str] | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a tool directly in this sandbox (for arranging a situation or checking the tool's own view)."""
        return subprocess.run([str(self.bin / name), *args], input=input, env={**self.env, **(env or {})},
                              capture_output=True, text=True, timeout=timeout)

    # ------------------------------------------------------------------------------------------- stores

    @property
    def docker_config(self) -> Path:
        return self.home / ".docker" / "config.json"

    @property
    def auth_json(self) -> Path:
        return self.runtime / "containers" / "auth.json"

    @property
    def helm_config(self) -> Path:
        return self.home / ".config" / "helm" / "registry" / "config.json"

    def stored(self, path: Path, host: str) -> tuple[str, str] | None:
        """(user, password) stored inline for host in a docker-format file, or None."""
        if not path.exists():
            return None
        entry = json.loads(path.read_text()).get("auths", {}).get(host)
        if not entry or not entry.get("auth"):
            return None
        user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
        return user, password

    def files_containing(self, needle: str | bytes, roots: Sequence[Path] | None = None) -> list[Path]:
        data = needle.encode() if isinstance(needle, str) else needle
        hits = []
        for root in roots or (self.root,):
            for path in root.rglob("*"):
                if path.is_file() and not path.is_symlink() and path.parent != self.log:
                    try:
                        if data in path.read_bytes():
                            hits.append(path)
                    except OSError:
                        pass
        return hits


def helper_tools_bin() -> Path:
    """Where scripts/test unpacked pass and docker-credential-pass (kept off the system PATH on purpose)."""
    directory = Path(os.environ.get("KCR_TEST_TOOLS") or Path(__file__).resolve().parents[2] / ".test-tools/usr/bin")
    for name in ("pass", "docker-credential-pass", "docker-credential-secretservice"):
        if not (directory / name).exists():
            raise MissingTool(f"{directory / name} is missing: run ./scripts/test, which unpacks it there")
    return directory
