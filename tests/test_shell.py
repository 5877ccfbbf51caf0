"""Fixes are phrased for the user's shell: the right startup file, and lines that really work in that shell."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from kcr_multilogin.shell import shell_named
from tests.harness.sandbox import MissingTool, Sandbox

VALUE = "/home/o'brien/My Files/auth.json"


@pytest.mark.parametrize(("name", "startup", "line"), [
    ("bash", "~/.bashrc", "export REGISTRY_AUTH_FILE='/x/auth.json'"),
    ("zsh", "~/.zshrc", "export REGISTRY_AUTH_FILE='/x/auth.json'"),
    ("fish", "~/.config/fish/config.fish", "set -gx REGISTRY_AUTH_FILE '/x/auth.json'"),
    ("pwsh", "$PROFILE", "$env:REGISTRY_AUTH_FILE = '/x/auth.json'"),
    ("powershell.exe", "$PROFILE", "$env:REGISTRY_AUTH_FILE = '/x/auth.json'"),
    ("tcsh", "~/.tcshrc", "setenv REGISTRY_AUTH_FILE '/x/auth.json'"),
    ("dash", "~/.profile", "export REGISTRY_AUTH_FILE='/x/auth.json'"),
])
def test_startup_file_and_syntax(name: str, startup: str, line: str) -> None:
    shell = shell_named(name, {})
    assert shell.startup == startup
    assert shell.set_env("REGISTRY_AUTH_FILE", "/x/auth.json") == line
    assert shell.persist(line) == f"add `{line}` to {startup}"


def test_startup_file_follows_the_shells_own_settings() -> None:
    assert shell_named("zsh", {"ZDOTDIR": "/z"}).startup == "/z/.zshrc"
    assert shell_named("fish", {"XDG_CONFIG_HOME": "/c"}).startup == "/c/fish/config.fish"
    assert shell_named("bash", {}, "darwin").startup == "~/.bash_profile"
    assert shell_named("pwsh", {}).unset_env("X") == "Remove-Item Env:X"
    assert shell_named("fish", {}).unset_env("X") == "set -e X"


def _real_shell(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MissingTool(f"{name} is not installed: run ./scripts/test, which installs it")
    return path


@pytest.mark.parametrize("name", ["bash", "zsh", "fish", "sh"])
def test_generated_lines_work_in_the_real_shell(name: str) -> None:
    shell = shell_named(name, {})
    script = f"{shell.set_env('KCR_T', VALUE)}; printf '%s' \"$KCR_T\"; {shell.unset_env('KCR_T')}; printf '|%s' \"$KCR_T\""
    if name == "fish":
        script = f"{shell.set_env('KCR_T', VALUE)}; printf '%s' $KCR_T; {shell.unset_env('KCR_T')}; printf '|%s' \"$KCR_T\""
    out = subprocess.run([_real_shell(name), "-c", script], capture_output=True, text=True, check=True).stdout
    assert out == f"{VALUE}|"


@pytest.mark.parametrize(("name", "startup"), [("bash", "~/.bashrc"), ("zsh", "~/.zshrc"), ("fish", "~/.config/fish/config.fish")])
def test_doctor_detects_the_shell_it_runs_under(empty_sandbox: Sandbox, name: str, startup: str) -> None:
    """shellingham walks up from our process: the shell that started kcr-multilogin decides the syntax."""
    command = f"{sys.executable} -m kcr_multilogin doctor --json --registry 127.0.0.1:9 --timeout 2; true"
    env = {**empty_sandbox.env, "PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": str(empty_sandbox.root / "missing")}
    out = subprocess.run([_real_shell(name), "-c", command], env=env, capture_output=True, text=True).stdout
    doc = json.loads(out)
    assert doc["shell"] == name
    fix = next(c["fix"] for c in doc["checks"] if c["id"] == "containers.runtime-dir")
    unset = {"fish": "set -e XDG_RUNTIME_DIR"}.get(name, "unset XDG_RUNTIME_DIR")
    assert unset in fix and startup in fix
