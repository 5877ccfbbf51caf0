"""The config file: precedence flags > environment > file > defaults, refusal of tokens, errors naming the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ORG
from tests.harness.registry import RunningRegistry
from tests.harness.sandbox import Sandbox
from tests.helpers import doc


def _write(box: Sandbox, text: str) -> Path:
    path = box.home / ".config" / "kcr-multilogin" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _config(box: Sandbox, *args: str, env: dict[str, str] | None = None) -> dict[str, dict[str, object]]:
    result = box.run("config", "--json", *args, env=env)
    assert result.returncode == 0, result.stderr
    settings: dict[str, dict[str, object]] = json.loads(result.stdout)["settings"]
    return settings


def test_defaults_then_file_then_env(empty_sandbox: Sandbox) -> None:
    box = empty_sandbox
    assert _config(box)["registry"] == {"value": "kcr.io", "source": "default"}
    path = _write(box, 'registry = "registry.example.com"\nusername = "my-company"\ntimeout = 30\n'
                       'exclude = ["helm"]\npersist = true\n')
    got = _config(box)
    assert got["registry"] == {"value": "registry.example.com", "source": f"file {path}"}
    assert got["timeout"] == {"value": 30.0, "source": f"file {path}"}
    assert got["exclude"]["value"] == ["helm"] and got["persist"]["value"] is True
    got = _config(box, env={"KCR_REGISTRY": "env.example.com", "KCR_USERNAME": "dev@example.com"})
    assert got["registry"] == {"value": "env.example.com", "source": "env KCR_REGISTRY"}
    assert got["username"]["source"] == "env KCR_USERNAME"


def test_flags_win_over_everything(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    _write(sandbox, f'registry = "{basic_registry.host}"\nca_file = "{basic_registry.ca}"\nusername = "nobody-here"\n'
                    'exclude = ["docker", "helm"]\n')
    result = sandbox.run("all", "-u", ORG, "--password-stdin", "--json", input=tokens[ORG],
                         env={"KCR_USERNAME": "also-not-used"})
    assert result.returncode == 0, result.stderr
    document = doc(result)
    assert document["registry"] == basic_registry.host and document["username"] == ORG  # flag > env > file
    assert [row["tool"] for row in document["tools"]] == ["podman", "skopeo", "buildah"]  # the file's exclude
    assert not sandbox.docker_config.exists()


def test_explicit_config_path(empty_sandbox: Sandbox, tmp_path: Path) -> None:
    other = tmp_path / "team.toml"
    other.write_text('registry = "team.example.com"\n')
    assert _config(empty_sandbox, "--config", str(other))["registry"]["value"] == "team.example.com"
    assert _config(empty_sandbox, env={"KCR_MULTILOGIN_CONFIG": str(other)})["registry"]["value"] == "team.example.com"
    missing = empty_sandbox.run("config", "--config", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


@pytest.mark.parametrize(("text", "words"), [
    ('registry = "kcr.io"\ntoken = "abc"\n', "line 2: 'token' looks like a secret"),
    ('password = "abc"\n', "line 1: 'password' looks like a secret"),
    ('api_token = "abc"\n', "looks like a secret"),
    ('registry = "kcr.io"\n\ncolour = "blue"\n', "line 3: unknown setting 'colour'"),
    ('timeout = "soon"\n', "line 1: 'timeout' must be a float"),
    ('tools = ["docker", "kubectl"]\n', "unknown tool 'kubectl'"),
    ('persist = "yes"\n', "'persist' must be a bool"),
    ('registry = "kcr.io\n', "is not valid TOML"),
    ('[table\n', "line 1"),
])
def test_broken_or_secret_holding_files_are_usage_errors(empty_sandbox: Sandbox, text: str, words: str) -> None:
    empty_sandbox.add_tools()
    _write(empty_sandbox, text)
    for command in (("config",), ("all", "-u", ORG, "--password-stdin")):
        result = empty_sandbox.run(*command, input="tok\n")
        assert result.returncode == 2, result.stdout
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert "abc" not in result.stderr  # a token in the file is not echoed
    assert empty_sandbox.recorded() == []


def test_config_table(empty_sandbox: Sandbox) -> None:
    _write(empty_sandbox, 'timeout = 12\n')
    result = empty_sandbox.run("config", env={"COLUMNS": "150"})
    assert result.returncode == 0
    assert "timeout" in result.stdout and "12.0" in result.stdout and "file " in result.stdout
    assert "registry" in result.stdout and "default" in result.stdout


def test_env_command_prints_the_users_shell_lines(empty_sandbox: Sandbox) -> None:
    result = empty_sandbox.run("env", "-u", "My-Company", "--persist", "--shell", "fish")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "# kcr-multilogin settings (fish): add these lines to ~/.config/fish/config.fish"
    assert "set -gx KCR_USERNAME 'my-company'" in lines and "set -gx KCR_CREDENTIAL_TYPE 'org'" in lines
    assert f"set -gx REGISTRY_AUTH_FILE '{empty_sandbox.home}/.config/containers/auth.json'" in lines
    assert "KCR_TOKEN" not in result.stdout
    bash = empty_sandbox.run("env", "--shell", "bash", env={"KCR_USERNAME": "dev@example.com", "KCR_TOKEN": "s3cr3t"})
    assert "export KCR_CREDENTIAL_TYPE='user'" in bash.stdout and "s3cr3t" not in bash.stdout
    pwsh = empty_sandbox.run("env", "-u", "my-company", "--shell", "pwsh")
    assert "$env:KCR_USERNAME = 'my-company'" in pwsh.stdout and "$PROFILE" in pwsh.stdout


def test_env_lines_work_in_the_real_shell(empty_sandbox: Sandbox) -> None:
    import subprocess

    out = empty_sandbox.run("env", "-u", "dev@example.com", "--shell", "bash").stdout
    printed = subprocess.run(["bash", "-c", out + '\nprintf "%s|%s|%s" "$KCR_REGISTRY" "$KCR_USERNAME" "$KCR_CREDENTIAL_TYPE"'],
                             capture_output=True, text=True, check=True).stdout
    assert printed == "kcr.io|dev@example.com|user"
