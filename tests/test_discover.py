"""`tools`, completion scripts, `python -m`, and the installed wheel."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.realtools


def test_tools_lists_every_supported_tool(tmp_path: Path) -> None:
    box = Sandbox(tmp_path)
    box.add_tools("podman", "helm")
    for command in ("tools", "adapters"):
        result = box.run(command, "--json")
        assert result.returncode == 0
        rows = {row["tool"]: row for row in json.loads(result.stdout)["tools"]}
        assert list(rows) == ["docker", "podman", "skopeo", "buildah", "helm"]
        assert rows["docker"]["installed"] is False and rows["podman"]["version"] == "4.3.1"
        assert rows["podman"]["store"] == str(box.auth_json) and rows["helm"]["store"] == str(box.helm_config)
    table = box.run("tools", env={"COLUMNS": "160"})
    assert table.returncode == 0 and "podman" in table.stdout and "4.3.1" in table.stdout


def _cli_on_path(box: Sandbox) -> dict[str, str]:
    wrapper = box.bin / "kcr-multilogin"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -m kcr_multilogin \"$@\"\n")
    wrapper.chmod(0o755)
    return {**box.env, "PATH": f"{box.bin}:/usr/bin:/bin"}


def test_bash_completion_offers_commands_and_tool_names(empty_sandbox: Sandbox) -> None:
    """--show-completion run from bash (shellingham finds it) prints a script; sourced, it completes for real."""
    env = _cli_on_path(empty_sandbox)
    probe = ('eval "$(kcr-multilogin --show-completion)"\n'
             "complete -p kcr-multilogin\n"
             "COMP_WORDS=(kcr-multilogin login p); COMP_CWORD=2; _kcr_multilogin_completion kcr-multilogin\n"
             'echo "${COMPREPLY[*]}"\n'
             "COMP_WORDS=(kcr-multilogin st); COMP_CWORD=1; _kcr_multilogin_completion kcr-multilogin\n"
             'echo "${COMPREPLY[*]}"\n')
    out = subprocess.run([shutil.which("bash") or "bash", "-c", probe], env=env, capture_output=True, text=True,
                         timeout=60)
    registered, tools, commands = out.stdout.splitlines()[:3]
    assert "_kcr_multilogin_completion" in registered
    assert tools.split() == ["podman"]
    assert commands.split() == ["status"]


def test_fish_completion_offers_tool_names(empty_sandbox: Sandbox) -> None:
    env = _cli_on_path(empty_sandbox)
    probe = ("kcr-multilogin --show-completion | source; "
             "complete -C 'kcr-multilogin logout b'; complete -C 'kcr-multilogin do'")
    out = subprocess.run([shutil.which("fish") or "fish", "-c", probe], env=env, capture_output=True, text=True,
                         timeout=60)
    candidates = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert candidates == ["buildah", "doctor"], out.stdout + out.stderr


def test_python_dash_m_and_version(empty_sandbox: Sandbox) -> None:
    result = empty_sandbox.run("--version")
    assert result.returncode == 0 and result.stdout.strip() == "kcr-multilogin 0.1.0"
    for command in ("all", "login", "status", "logout", "doctor", "env", "tools", "config"):
        help_text = empty_sandbox.run(command, "--help").stdout
        assert "Example:" in help_text, command


def test_wheel_installs_into_a_clean_venv_and_works(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", ".test-tools", "build", "*.egg-info",
                                                               "__pycache__"))
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check", str(wheel)], check=True,
                   capture_output=True)
    box = Sandbox(tmp_path / "box")
    box.add_tools()
    help_text = subprocess.run([str(venv / "bin/kcr-multilogin"), "--help"], capture_output=True, text=True, env=box.env)
    assert help_text.returncode == 0 and "Commands" in help_text.stdout
    listed = subprocess.run([str(venv / "bin/kcr-multilogin"), "tools", "--json"], capture_output=True, text=True,
                            env=box.env)
    assert listed.returncode == 0 and {row["installed"] for row in json.loads(listed.stdout)["tools"]} == {True}
    probe = "import kcr_multilogin.adapters as a, sys; print(a.__file__); print(sorted(a.ADAPTERS))"
    where = subprocess.run([str(venv / "bin/python"), "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert str(venv) in where.stdout.splitlines()[0]
    metadata = subprocess.run([str(venv / "bin/pip"), "show", "kcr-multilogin"], capture_output=True, text=True).stdout
    assert "Requires: pexpect, rich, shellingham, typer" in metadata
