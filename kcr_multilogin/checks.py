"""Local checks: what will make a login fail or vanish, found before it does (no network; cheap enough for `all`).

Each check has a stable id (scripts key on it) and always reports, at level ok, warn or fail. A failing check names
the tools whose login it would break (`blocks`): `all` reports it in their rows instead of running them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kcr_multilogin.adapter import version_tuple
from kcr_multilogin.detect import Detected
from kcr_multilogin.inputs import Registry
from kcr_multilogin.locations import (
    containers_auth_file,
    containers_read_order,
    docker_config_file,
    helm_registry_config,
)
from kcr_multilogin.shell import Shell
from kcr_multilogin.stores import Environment, StoreError, StoreRef, find_entry, load_config, resolve_helper

OK, WARN, FAIL = "ok", "warn", "fail"
CONTAINERS = ("podman", "skopeo", "buildah")


@dataclass(frozen=True)
class Check:
    id: str
    tool: str
    level: str
    summary: str
    fix: str = ""
    blocks: tuple[str, ...] = ()  # tools whose login this failure breaks

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "tool": self.tool, "level": self.level, "summary": self.summary, "fix": self.fix}


# The catalogue of checks: id → (tool, what it catches, how it is fixed). The README's troubleshooting section is
# generated from it (scripts/samples.py; tests/test_readme.py keeps them equal).
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "docker.credential-store": (
        "docker",
        "The credential helper docker will use is not on PATH (e.g. `desktop` left behind by Docker Desktop, or in "
        "WSL); docker is about to pick `pass` by itself while the password store is not initialised (\"pass not "
        "initialized\"); `secretservice` without a D-Bus session (\"Cannot autolaunch D-Bus\", headless machines); "
        "or no helper at all, so the token is stored base64-encoded in plain text (a warning).",
        "Install the helper or remove the setting from `config.json`; `pass init <gpg-key-id>`; use `pass` on "
        "headless machines; `kcr-multilogin all --credential-helper NAME` to stop storing the token in plain text."),
    "helm.credential-store": (
        "helm", "The same for helm's registry config: helm picks helpers by the same rules as docker.",
        "As for docker, in helm's `registry/config.json`."),
    "helm.shared-helper": (
        "helm", "docker and helm use the same helper, so they share one entry per registry: `docker logout` also "
        "logs helm out, and the other way round (a warning).",
        "Log in and out with `kcr-multilogin all` / `kcr-multilogin logout`, which handle both together."),
    "containers.runtime-dir": (
        "podman, skopeo, buildah", "`XDG_RUNTIME_DIR` points to a directory that does not exist (every login "
        "fails), or is unset (the tools fall back to `/run/containers/$UID/`; a warning).",
        "Create the directory or unset the variable (the line is given in your shell's syntax)."),
    "containers.auth-file": (
        "podman, skopeo, buildah", "The auth file (`REGISTRY_AUTH_FILE` or the default) cannot be created or "
        "written: a parent is not a directory, the file system is read-only, or permissions forbid it.",
        "Point `REGISTRY_AUTH_FILE` at a writable file (the line is given in your shell's syntax)."),
    "containers.persistence": (
        "podman, skopeo, buildah", "The auth file is on a tmpfs (`$XDG_RUNTIME_DIR`, `/run`): the login is lost "
        "at reboot (a warning).",
        "`kcr-multilogin all --persist` (stores it in `~/.config/containers/auth.json`, which the tools also "
        "read), or set `REGISTRY_AUTH_FILE` in your shell's startup file."),
    "docker.podman-shim": (
        "docker", "`docker` on PATH is podman's docker shim (podman-docker): docker's row is really podman's store "
        "(a warning).", "Nothing, if intended; install the docker CLI for docker's own store."),
    "docker.version": ("docker", "docker older than 17.07 has no `--password-stdin` (a warning: kcr-multilogin "
                       "answers its password prompt on a pseudo-terminal instead).", "Upgrade docker."),
    "podman.version": ("podman", "The podman on PATH does not answer its version probe.", "Reinstall podman."),
    "skopeo.version": ("skopeo", "The skopeo on PATH does not answer its version probe.", "Reinstall skopeo."),
    "buildah.version": ("buildah", "The buildah on PATH does not answer its version probe.", "Reinstall buildah."),
    "helm.version": ("helm", "helm older than 3.8 has no generally available OCI registry login.",
                     "Upgrade helm to 3.8 or later, or set `HELM_EXPERIMENTAL_OCI=1`."),
    "registry.reachable": ("registry", "The registry cannot be reached, or does not answer `/v2/` like a registry.",
                           "Check the network, `HTTPS_PROXY`/`NO_PROXY` and `--registry`."),
    "registry.tls": ("registry", "The registry's certificate does not verify with the given trust; the problem is "
                     "named: an untrusted (private) CA, a self-signed certificate, a certificate for another name "
                     "or IP address, an expired one.",
                     "`--ca-file` with the registry's CA (docker needs it in `/etc/docker/certs.d/HOST:PORT/ca.crt`); "
                     "use the name the certificate was issued for; renew it."),
    "registry.clock": ("registry", "The registry's `Date` header and this machine's clock differ by more than 60 s "
                       "(a warning) or 5 minutes (a failure): token lifetimes break.",
                       "Synchronise the clock (e.g. `timedatectl set-ntp true`)."),
    "plaintext.copies": ("all", "How many files hold the registry token base64-encoded in plain text, with their "
                         "paths (a warning when any do).",
                         "`kcr-multilogin all --credential-helper pass` (or your platform's helper)."),
}


def troubleshooting_markdown() -> str:
    """The README's troubleshooting section, from the same catalogue the checks use."""
    lines = ["| check | tool | what it finds | fix |", "|---|---|---|---|"]
    for check_id, (tool, catches, fix) in CATALOGUE.items():
        lines.append(f"| `{check_id}` | {tool} | {catches} | {fix} |")
    return "\n".join(lines) + "\n"


def _not_installed(check_id: str, tool: str) -> Check:
    return Check(check_id, tool, OK, f"{tool} is not installed: nothing to check")


def _helper_install_hint(env: Environment) -> str:
    if env.platform == "darwin":
        return "brew install docker-credential-helper (osxkeychain)"
    if env.platform == "win32":
        return "install docker-credential-wincred from github.com/docker/docker-credential-helpers"
    return ("apt install golang-docker-credential-helpers pass; gpg --quick-gen-key 'You <you@example.com>'; "
            "pass init <key-id>")


def _platform_helper(env: Environment) -> str:
    return {"darwin": "osxkeychain", "win32": "wincred"}.get(env.platform, "pass")


def _password_store(env: Environment) -> Path:
    return Path(env.vars.get("PASSWORD_STORE_DIR") or env.home / ".password-store")


def _dbus_session(env: Environment) -> bool:
    if env.vars.get("DBUS_SESSION_BUS_ADDRESS") or env.vars.get("DISPLAY"):
        return True  # with $DISPLAY, the secret service client can autolaunch a bus
    runtime = env.vars.get("XDG_RUNTIME_DIR")
    return runtime is not None and Path(runtime, "bus").exists()


def credential_store(tool: str, path: Path, registry: Registry, env: Environment, installed: bool) -> Check:
    """docker and helm pick a helper by credHelpers, credsStore, then auto-detection (tool-facts §1, §3)."""
    check_id = f"{tool}.credential-store"
    if not installed:
        return _not_installed(check_id, tool)
    try:
        config = load_config(path)
    except StoreError as exc:
        return Check(check_id, tool, FAIL, f"{exc}", f"fix or move {path}; kcr-multilogin will not let {tool} overwrite it",
                     (tool,))
    chosen = resolve_helper(config, registry, env)
    if chosen is None:
        return Check(check_id, tool, WARN, f"{tool} stores the token base64-encoded in plain text in {path}",
                     f"use a credential helper: {_helper_install_hint(env)}; then log in with "
                     f"`kcr-multilogin all --credential-helper {_platform_helper(env)}`")
    helper, via = chosen
    why = {"default": f"picked by {tool} itself because it is on PATH", "credsStore": f"credsStore in {path}",
           "credHelpers": f"credHelpers in {path}"}[via]
    if env.which(f"docker-credential-{helper}") is None:
        extra = " ('desktop' is left behind by Docker Desktop; outside it, e.g. in WSL, remove it)" if helper == "desktop" else ""
        return Check(check_id, tool, FAIL,
                     f"{tool} is set to use the credential helper '{helper}' ({why}) but docker-credential-{helper} is "
                     f"not on PATH: every {tool} login fails",
                     f"install docker-credential-{helper}, or remove the '{helper}' setting from {path}{extra}", (tool,))
    if helper == "pass" and not (_password_store(env) / ".gpg-id").exists():
        return Check(check_id, tool, FAIL,
                     f"{tool} will use pass ({why}) but the password store is not initialised: login fails with "
                     "\"pass not initialized\"",
                     "gpg --quick-gen-key 'You <you@example.com>' && pass init <key-id>", (tool,))
    if helper == "secretservice" and not _dbus_session(env):
        return Check(check_id, tool, FAIL,
                     f"{tool} will use secretservice ({why}) but there is no D-Bus session (a headless machine?): "
                     "login fails with \"Cannot autolaunch D-Bus without X11 $DISPLAY\"",
                     f"use pass instead: {_helper_install_hint(env)}; then log in with "
                     "`kcr-multilogin all --credential-helper pass`", (tool,))
    return Check(check_id, tool, OK, f"{tool} keeps the token in docker-credential-{helper} ({why})")


def shared_helper(registry: Registry, env: Environment, docker: bool, helm: bool) -> Check:
    stores = []
    for path in (docker_config_file(env), helm_registry_config(env)):
        try:
            config = load_config(path)
        except StoreError:
            return Check("helm.shared-helper", "helm", OK, "not checked: a config file is unreadable (see credential-store)")
        chosen = resolve_helper(config, registry, env)
        stores.append(chosen[0] if chosen else None)
    if docker and helm and stores[0] and stores[0] == stores[1]:
        return Check("helm.shared-helper", "helm", WARN,
                     f"docker and helm share one {stores[0]} entry for {registry}: `docker logout` also logs helm out, "
                     "and the other way round",
                     "use `kcr-multilogin logout` / `kcr-multilogin all`, which handle both together")
    return Check("helm.shared-helper", "helm", OK, "docker and helm keep separate credentials")


def _writable(path: Path) -> str | None:
    """Why `path` cannot be created or written, or None. Looks at the nearest existing ancestor."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe == path and path.is_dir():
        return f"{path} is a directory"
    if probe != path and not probe.is_dir():
        return f"{probe} is not a directory"
    target = probe if probe != path else path
    try:
        if os.statvfs(target).f_flag & os.ST_RDONLY:
            return f"{target} is on a read-only file system"
    except OSError as exc:
        return f"{target}: {exc.strerror}"
    if not os.access(target, os.W_OK):
        return f"{target} is not writable by this user"
    return None


def containers_checks(registry: Registry, env: Environment, shell: Shell, installed: bool) -> list[Check]:
    ids = ("containers.runtime-dir", "containers.auth-file", "containers.persistence")
    tool = "podman,skopeo,buildah"
    if not installed:
        return [Check(i, tool, OK, "podman, skopeo and buildah are not installed: nothing to check") for i in ids]
    checks = []
    runtime = env.vars.get("XDG_RUNTIME_DIR")
    explicit = env.vars.get("REGISTRY_AUTH_FILE")
    if env.platform != "linux" or explicit:
        why = "REGISTRY_AUTH_FILE is set" if explicit else "not used on this platform"
        checks.append(Check(ids[0], tool, OK, f"XDG_RUNTIME_DIR does not matter: {why}"))
    elif runtime and not Path(runtime).is_dir():
        checks.append(Check(ids[0], tool, FAIL,
                            f"XDG_RUNTIME_DIR={runtime} does not exist: podman, skopeo and buildah logins fail",
                            f"create it (mkdir -m 700 {runtime}) or {shell.unset_env('XDG_RUNTIME_DIR')}, and "
                            f"fix where your session sets it ({shell.startup}?)", CONTAINERS))
    elif not runtime:
        path, _ = containers_auth_file(env)
        checks.append(Check(ids[0], tool, WARN,
                            f"XDG_RUNTIME_DIR is unset: podman, skopeo and buildah fall back to {path}",
                            shell.persist(shell.set_env("XDG_RUNTIME_DIR", f"/run/user/{env.uid}"))
                            + " (a login session sets it for you)"))
    else:
        checks.append(Check(ids[0], tool, OK, f"XDG_RUNTIME_DIR={runtime} exists"))
    path, volatile = containers_auth_file(env)
    problem = _writable(path) if not (runtime and not Path(runtime).is_dir() and not explicit) else None
    if problem:
        via = "REGISTRY_AUTH_FILE" if explicit else "the default auth file"
        checks.append(Check(ids[1], tool, FAIL, f"{via} {path} cannot be written: {problem}",
                            shell.set_env("REGISTRY_AUTH_FILE", str(env.home / ".config/containers/auth.json"))
                            + f" (and {shell.persist('that line')})", CONTAINERS))
    else:
        checks.append(Check(ids[1], tool, OK, f"the auth file {path} can be written"))
    persistent = env.home / ".config/containers/auth.json"
    if volatile and _holds(persistent, registry) and not _holds(path, registry):
        checks.append(Check(ids[2], tool, OK, f"the login is kept in {persistent}, which survives a reboot"))
    elif volatile:
        checks.append(Check(ids[2], tool, WARN,
                            f"podman, skopeo and buildah keep the login in {path}, on a tmpfs: it is lost at reboot",
                            f"log in with `kcr-multilogin all --persist` (stores it in {persistent}, which they also "
                            f"read), or {shell.persist(shell.set_env('REGISTRY_AUTH_FILE', str(persistent)))}"))
    else:
        checks.append(Check(ids[2], tool, OK, f"{path} survives a reboot"))
    return checks


def _holds(path: Path, registry: Registry) -> bool:
    try:
        return find_entry(load_config(path) or {}, registry) is not None
    except StoreError:
        return False


def podman_shim(d: Detected | None) -> Check:
    if d is not None and d.is_podman_shim:
        return Check("docker.podman-shim", "docker", WARN,
                     f"`docker` ({d.path}) is podman's docker shim: docker's login and status are podman's store",
                     "nothing to do if that is intended; install the docker CLI for docker's own store")
    return Check("docker.podman-shim", "docker", OK, "docker is not podman's shim" if d and d.path else "docker is not installed")


def version_check(d: Detected, env: Environment, shell: Shell) -> Check:
    tool = d.adapter.name
    check_id = f"{tool}.version"
    if d.path is None:
        return _not_installed(check_id, tool)
    if d.problem or d.version is None:
        return Check(check_id, tool, FAIL, f"{tool} at {d.path} does not work: {d.problem}",
                     f"reinstall {tool} or remove the broken {d.path} from PATH", (tool,))
    version = version_tuple(d.version)
    if tool == "helm" and version < (3, 8):
        return Check(check_id, tool, FAIL,
                     f"helm {d.version} predates generally available OCI registry login (helm 3.8)",
                     f"upgrade helm to 3.8 or later (or {shell.set_env('HELM_EXPERIMENTAL_OCI', '1')})", (tool,))
    if tool == "docker" and not d.is_podman_shim and version < (17, 7):
        return Check(check_id, tool, WARN,
                     f"docker {d.version} has no --password-stdin: kcr-multilogin answers its password prompt on a "
                     "pseudo-terminal instead", "upgrade docker to 17.07 or later")
    return Check(check_id, tool, OK, f"{tool} {d.version}")


def plaintext_files(registry: Registry, env: Environment) -> list[str]:
    """Every file any of the five tools reads that holds the registry's token base64-encoded."""
    paths: list[Path] = [docker_config_file(env), helm_registry_config(env)]
    paths += [ref.file for ref in _safe_order(registry, env)]
    paths.append(env.home / ".config" / "containers" / "auth.json")
    holding = []
    for path in dict.fromkeys(paths):
        try:
            config = load_config(path)
        except StoreError:
            continue
        found = find_entry(config or {}, registry)
        if found and isinstance(found[1].get("auth"), str) and found[1]["auth"]:
            holding.append(str(path))
    return holding


def plaintext_copies(registry: Registry, env: Environment) -> Check:
    holding = plaintext_files(registry, env)
    if holding:
        return Check("plaintext.copies", "all", WARN,
                     f"{len(holding)} file(s) hold the {registry} token base64-encoded in plain text: {', '.join(holding)}",
                     f"`kcr-multilogin all --credential-helper {_platform_helper(env)}` moves every tool to one "
                     "helper and removes these copies")
    return Check("plaintext.copies", "all", OK, f"no file holds the {registry} token in plain text")


def _safe_order(registry: Registry, env: Environment) -> list[StoreRef]:
    refs: list[StoreRef] = []
    try:
        for ref in containers_read_order(registry, env):
            refs.append(ref)
    except StoreError:
        pass
    return refs


def local_checks(registry: Registry, env: Environment, shell: Shell, found: Mapping[str, Detected]) -> list[Check]:
    def installed(name: str) -> bool:
        d = found.get(name)
        return d is not None and d.path is not None

    checks = [
        credential_store("docker", docker_config_file(env), registry, env, installed("docker") and not found["docker"].is_podman_shim),
        credential_store("helm", helm_registry_config(env), registry, env, installed("helm")),
        shared_helper(registry, env, installed("docker"), installed("helm")),
        *containers_checks(registry, env, shell, any(installed(t) for t in CONTAINERS)),
        podman_shim(found.get("docker")),
    ]
    checks += [version_check(d, env, shell) for d in found.values()]
    return checks
