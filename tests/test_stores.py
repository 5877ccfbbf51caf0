"""Store resolution follows each tool's own precedence (tool-facts §1-§3), on a fake HOME tree."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from kcr_multilogin.inputs import parse_registry
from kcr_multilogin.locations import containers_auth_file, containers_read_order, docker_store, helm_registry_config
from kcr_multilogin.stores import Environment, StoreError, StoreRef, load_config, read_credential

REG = parse_registry("kcr.io")


def _env(tmp_path: Path, platform: str = "linux", uid: int = 1000, **extra: str) -> Environment:
    return Environment({"HOME": str(tmp_path / "home"), "PATH": str(tmp_path / "bin"), **extra}, platform, uid)


def _auth(user: str, secret: str) -> dict[str, str]:
    return {"auth": base64.b64encode(f"{user}:{secret}".encode()).decode()}


def test_docker_config_location(tmp_path: Path) -> None:
    assert docker_store(REG, _env(tmp_path)).file == tmp_path / "home/.docker/config.json"
    assert docker_store(REG, _env(tmp_path, DOCKER_CONFIG="/cfg")).file == Path("/cfg/config.json")
    # XDG_CONFIG_HOME has no effect on docker (tool-facts §1)
    assert docker_store(REG, _env(tmp_path, XDG_CONFIG_HOME="/x")).file == tmp_path / "home/.docker/config.json"


def test_containers_auth_file_precedence(tmp_path: Path) -> None:
    assert containers_auth_file(_env(tmp_path, REGISTRY_AUTH_FILE="/a/auth.json"))[0] == Path("/a/auth.json")
    assert containers_auth_file(_env(tmp_path, XDG_RUNTIME_DIR="/run/user/1000"))[0] == Path("/run/user/1000/containers/auth.json")
    assert containers_auth_file(_env(tmp_path, uid=0)) == (Path("/run/containers/0/auth.json"), True)
    for platform in ("darwin", "win32"):
        assert containers_auth_file(_env(tmp_path, platform))[0] == tmp_path / "home/.config/containers/auth.json"


def test_containers_read_order(tmp_path: Path) -> None:
    env = _env(tmp_path, XDG_RUNTIME_DIR=str(tmp_path / "run"), DOCKER_CONFIG=str(tmp_path / "dc"))
    files = [ref.file for ref in containers_read_order(REG, env)]
    assert next(iter(containers_read_order(REG, env))).file == files[0]
    assert files == [tmp_path / "run/containers/auth.json", tmp_path / "home/.config/containers/auth.json",
                     tmp_path / "dc/config.json"]
    only = containers_read_order(REG, _env(tmp_path, REGISTRY_AUTH_FILE=str(tmp_path / "a.json")))
    assert [ref.file for ref in only] == [tmp_path / "a.json"]


def test_helm_config_precedence_per_platform(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert helm_registry_config(_env(tmp_path)) == home / ".config/helm/registry/config.json"
    assert helm_registry_config(_env(tmp_path, XDG_CONFIG_HOME="/xdg")) == Path("/xdg/helm/registry/config.json")
    assert helm_registry_config(_env(tmp_path, HELM_CONFIG_HOME="/hc")) == Path("/hc/registry/config.json")
    assert helm_registry_config(_env(tmp_path, HELM_REGISTRY_CONFIG="/r.json", HELM_CONFIG_HOME="/hc")) == Path("/r.json")
    assert helm_registry_config(_env(tmp_path, "darwin")) == home / "Library/Preferences/helm/registry/config.json"
    win = helm_registry_config(_env(tmp_path, "win32", APPDATA="C:\\Users\\dev\\AppData\\Roaming"))
    assert str(win).replace("\\", "/").endswith("Roaming/helm/registry/config.json")


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def _helper_on_path(tmp_path: Path, name: str) -> None:
    (tmp_path / "bin").mkdir(exist_ok=True)
    exe = tmp_path / "bin" / name
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)


def test_helper_selection_and_auto_detection(tmp_path: Path) -> None:
    env = _env(tmp_path)
    config = tmp_path / "home/.docker/config.json"
    assert docker_store(REG, env) == StoreRef(config)
    _helper_on_path(tmp_path, "docker-credential-secretservice")
    assert docker_store(REG, env).helper == "secretservice"  # no `pass` on PATH: docker picks secretservice
    _helper_on_path(tmp_path, "pass")
    assert docker_store(REG, env).helper is None  # `pass` present but no docker-credential-pass
    _helper_on_path(tmp_path, "docker-credential-pass")
    assert (docker_store(REG, env).helper, docker_store(REG, env).helper_via) == ("pass", "default")
    _write(config, {"auths": {"other.example": {}}})
    assert docker_store(REG, env).helper is None  # any auth configured: no auto-detection
    _write(config, {"credsStore": "desktop"})
    assert (docker_store(REG, env).helper, docker_store(REG, env).helper_via) == ("desktop", "credsStore")
    _write(config, {"credsStore": "desktop", "credHelpers": {"kcr.io": "ecr-login"}})
    assert (docker_store(REG, env).helper, docker_store(REG, env).helper_via) == ("ecr-login", "credHelpers")


def test_mac_and_windows_default_helpers(tmp_path: Path) -> None:
    _helper_on_path(tmp_path, "docker-credential-osxkeychain")
    assert docker_store(REG, _env(tmp_path, "darwin")).helper == "osxkeychain"
    assert docker_store(REG, _env(tmp_path, "linux")).helper is None


def test_reading_entries(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.json", {"auths": {"https://kcr.io/v1/": _auth("dev@example.com", "a:b"),
                                                  "other": _auth("x", "y")}})
    cred = read_credential(StoreRef(path), REG, _env(tmp_path), 5)
    assert cred is not None and (cred.username, cred.secret) == ("dev@example.com", "a:b")
    assert "a:b" not in repr(cred)
    assert read_credential(StoreRef(tmp_path / "missing.json"), REG, _env(tmp_path), 5) is None


@pytest.mark.parametrize(("content", "problem"), [
    (b'{"auths": ', "not valid JSON (line 1"),
    (b"[1, 2]", "does not hold a JSON object"),
    (b'{"auths": []}', "'auths' is not a JSON object"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_corrupt_files_name_the_file_and_the_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(content)
    with pytest.raises(StoreError) as info:
        load_config(path)
    assert str(path) in str(info.value) and problem in str(info.value)


def test_bad_auth_value(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.json", {"auths": {"kcr.io": {"auth": "%%%"}}})
    with pytest.raises(StoreError, match="not valid base64"):
        read_credential(StoreRef(path), REG, _env(tmp_path), 5)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "dir.json"
    path.mkdir()
    with pytest.raises(StoreError, match="cannot read"):
        load_config(path)


# ----------------------------------------------------------------- other platforms, from recorded layouts


def _fake_helper(bin_dir: Path, name: str, answer: dict[str, str], suffix: str = "") -> None:
    """A recorded `docker-credential-<name> get` answer (the real helpers exist only on their platforms)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    exe = bin_dir / f"docker-credential-{name}{suffix}"
    exe.write_text(f"#!/bin/sh\nread host\n[ \"$1\" = get ] && printf '%s' '{json.dumps(answer)}'\n")
    exe.chmod(0o755)


def test_macos_docker_desktop_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "darwin")
    home = tmp_path / "home"
    # As Docker Desktop for Mac leaves it: the host marked in auths, the secret in the desktop helper.
    _write(home / ".docker/config.json", {"auths": {"kcr.io": {}}, "credsStore": "desktop", "currentContext": "desktop-linux"})
    _write(home / "Library/Preferences/helm/registry/config.json", {"auths": {}, "credsStore": "osxkeychain"})
    _fake_helper(tmp_path / "bin", "desktop", {"ServerURL": "kcr.io", "Username": "dev@example.com", "Secret": "s3"})
    env = Environment({"HOME": str(home), "PATH": str(tmp_path / "bin")})
    assert env.platform == "darwin"
    docker = docker_store(REG, env)
    assert (docker.helper, docker.helper_via) == ("desktop", "credsStore")
    cred = read_credential(docker, REG, env, 5)
    assert cred is not None and (cred.username, cred.secret, cred.source) == ("dev@example.com", "s3", "helper desktop")
    from kcr_multilogin.locations import helm_store

    helm = helm_store(REG, env)
    assert helm.file == home / "Library/Preferences/helm/registry/config.json" and helm.helper == "osxkeychain"
    assert containers_auth_file(env)[0] == home / ".config/containers/auth.json"  # podman machine's default off Linux


def test_windows_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "win32")
    profile = tmp_path / "Users" / "dev"
    appdata = profile / "AppData" / "Roaming"
    _write(profile / ".docker/config.json", {"auths": {"kcr.io": {}}, "credsStore": "wincred"})
    env = Environment({"USERPROFILE": str(profile), "APPDATA": str(appdata), "PATH": str(tmp_path / "bin")})
    assert env.home == profile
    assert docker_store(REG, env).file == profile / ".docker/config.json"
    assert docker_store(REG, env).helper == "wincred"
    assert helm_registry_config(env) == appdata / "helm/registry/config.json"
    _fake_helper(tmp_path / "bin", "wincred", {"ServerURL": "kcr.io", "Username": "", "Secret": ""}, ".EXE")
    assert read_credential(docker_store(REG, env), REG, env, 5) is None  # empty Username: not logged in


def test_helper_missing_from_path_is_a_store_error(tmp_path: Path) -> None:
    _write(tmp_path / "home/.docker/config.json", {"credsStore": "desktop"})
    env = _env(tmp_path)
    with pytest.raises(StoreError, match="docker-credential-desktop is not on PATH"):
        read_credential(docker_store(REG, env), REG, env, 5)
