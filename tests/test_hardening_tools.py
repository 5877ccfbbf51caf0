"""Failing tools: one row each, the rest unaffected. Fakes only for what real tools cannot be made to do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ORG
from tests.harness.registry import RunningRegistry
from tests.harness.sandbox import Sandbox
from tests.helpers import doc, login, rows

pytestmark = pytest.mark.realtools

VERSION = {"podman": "podman version 4.3.1", "skopeo": "skopeo version 1.9.3", "buildah": "buildah version 1.28.2"}


def _others_ok(result: subprocess.CompletedProcess[str], broken: str) -> None:
    by_tool = rows(result)
    assert all(row["status"] == "authenticated" for tool, row in by_tool.items() if tool != broken), by_tool


def test_file_on_path_that_is_not_executable(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    (sandbox.bin / "helm").unlink()
    (sandbox.bin / "helm").write_text("#!/bin/sh\necho nope\n")  # mode 0644
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 1
    helm = rows(result)["helm"]
    assert (helm["status"], helm["installed"]) == ("failed", True)
    assert "is on PATH but is not executable" in helm["detail"] and "chmod +x" in helm["detail"]
    _others_ok(result, "helm")


MEASURE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], input=sys.stdin.buffer.read(), capture_output=True)
sys.stdout.buffer.write(proc.stdout)
sys.stderr.write(f"MAXRSS_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n")
sys.exit(proc.returncode)
"""


def test_flood_of_output_and_invalid_utf8_is_bounded(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                    tokens: dict[str, str]) -> None:
    """skopeo prints 200 MB of junk and invalid UTF-8, then its real error: we keep a readable tail, in bounded memory."""
    flooded = sandbox.root / "flooded"
    sandbox.fake_tool("skopeo", f'case "$1" in --version) echo "{VERSION["skopeo"]}"; exit 0;; esac\n'
                                "head -c 100000000 /dev/zero | tr '\\0' 'x' && "
                                f"head -c 100000000 /dev/urandom >&2 && touch {flooded}\n"
                                "printf '\\n\\377\\376 broken bytes\\nError: the real reason is here\\n' >&2\nexit 1\n")
    result = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "kcr_multilogin", "login", "skopeo",
                             "helm", "-u", ORG, "--password-stdin", "--registry", basic_registry.host, "--ca-file",
                             str(basic_registry.ca), "--json"], input=tokens[ORG].encode(), env=sandbox.env,
                            capture_output=True, timeout=120)
    assert result.returncode == 1
    by_tool = {row["tool"]: row for row in doc(subprocess.CompletedProcess([], 0, result.stdout.decode(), ""))["tools"]}
    assert by_tool["skopeo"]["detail"] == "skopeo exited 1: the real reason is here"
    assert by_tool["helm"]["status"] == "authenticated"
    assert flooded.exists()  # the 200 MB really went through our pipes
    max_rss_kb = int(result.stderr.decode().rsplit("MAXRSS_KB=", 1)[1])
    assert max_rss_kb < 150_000, f"{max_rss_kb} kB for 200 MB of output"


def test_crash_by_signal(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    sandbox.fake_tool("buildah", f'case "$1" in --version) echo "{VERSION["buildah"]}"; exit 0;; esac\nkill -SEGV $$\n')
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", command="login", tools=("buildah", "docker"))
    assert result.returncode == 1
    assert rows(result)["buildah"]["detail"] == "buildah crashed (SIGSEGV)"
    assert rows(result)["docker"]["status"] == "authenticated"


def test_exit_0_without_storing_anything_is_not_authenticated(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                              tokens: dict[str, str]) -> None:
    sandbox.fake_tool("podman", f'case "$1" in --version) echo "{VERSION["podman"]}"; exit 0;; esac\n'
                                'cat >/dev/null\necho "Login Succeeded!"\nexit 0\n')
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", command="login", tools=("podman", "helm"))
    assert result.returncode == 1
    podman = rows(result)["podman"]
    assert podman["status"] == "failed"
    assert podman["detail"].startswith("login exited 0 but") and "holds nothing" in podman["detail"]
    assert rows(result)["helm"]["status"] == "authenticated"


def test_tool_that_stores_a_different_user_is_caught(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                     tokens: dict[str, str]) -> None:
    """A wrapper that logs the real docker in as someone else, ignoring what it was asked: the read-back sees it."""
    real = sandbox.bin / "docker-real"
    (sandbox.bin / "docker").rename(real)
    other = tokens["dev@example.com"]
    sandbox.fake_tool("docker", f'if [ "$1" = login ]; then\n  for last; do :; done\n  cat >/dev/null\n'
                                f'  printf %s {other} | {real} login -u dev@example.com --password-stdin "$last"\n'
                                f'  exit $?\nfi\nexec {real} "$@"\n')
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", command="login", tools=("docker",))
    assert result.returncode == 1
    docker = rows(result)["docker"]
    assert docker["status"] == "failed"
    assert docker["detail"].startswith("login exited 0 but") and "a different credential (dev@example.com)" in docker["detail"]
