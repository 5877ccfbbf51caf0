"""Where each tool keeps its credential file, per platform and environment (tool-facts §1-§3, §8)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from kcr_multilogin.inputs import Registry
from kcr_multilogin.stores import Environment, StoreRef, configured_helper, docker_format_store, load_config


def docker_config_file(env: Environment) -> Path:
    """`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`; XDG_CONFIG_HOME has no effect (tool-facts §1)."""
    directory = env.vars.get("DOCKER_CONFIG")
    if directory:
        return Path(directory) / "config.json"
    return env.home / ".docker" / "config.json"


def docker_store(registry: Registry, env: Environment) -> StoreRef:
    return docker_format_store(docker_config_file(env), registry, env)


def containers_auth_file(env: Environment) -> tuple[Path, bool]:
    """The file podman/skopeo/buildah write, and whether it is on a tmpfs (tool-facts §2, §8).

    `$REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`, else `/run/containers/$UID/auth.json`
    on Linux (both under /run: tmpfs); `~/.config/containers/auth.json` on other platforms.
    """
    explicit = env.vars.get("REGISTRY_AUTH_FILE")
    if explicit:
        return Path(explicit), _on_tmpfs(Path(explicit), env)
    if env.platform != "linux":
        return env.home / ".config" / "containers" / "auth.json", False
    runtime = env.vars.get("XDG_RUNTIME_DIR")
    if runtime:
        path = Path(runtime) / "containers" / "auth.json"
        return path, _on_tmpfs(path, env)
    return Path(f"/run/containers/{env.uid}/auth.json"), True


def containers_store(registry: Registry, env: Environment) -> StoreRef:
    path, volatile = containers_auth_file(env)
    # c/image honours credHelpers and credsStore in the auth file it writes (tool-facts §2).
    chosen = configured_helper(load_config(path), registry)
    if chosen is None:
        return StoreRef(path, volatile=volatile)
    return StoreRef(path, helper=chosen[0], helper_via=chosen[1], volatile=volatile)


def containers_persistent_store(registry: Registry, env: Environment) -> StoreRef:
    """`--persist`: ~/.config/containers/auth.json, which the tools read right after the runtime file (tool-facts §2).
    With REGISTRY_AUTH_FILE set the tools read nothing else, so it stays the store."""
    primary = containers_store(registry, env)
    if env.vars.get("REGISTRY_AUTH_FILE") or env.platform != "linux":
        return primary
    user_file = env.home / ".config" / "containers" / "auth.json"
    chosen = configured_helper(load_config(user_file), registry)
    return StoreRef(user_file, *(chosen or (None, None)))


def containers_read_order(registry: Registry, env: Environment) -> Iterator[StoreRef]:
    """Where podman/skopeo/buildah look, in order (tool-facts §2 "Read order"); lazily, as the tools stop at the
    first file with an entry and never parse the rest."""
    primary = containers_store(registry, env)
    yield primary
    if env.vars.get("REGISTRY_AUTH_FILE"):
        return
    user_file = env.home / ".config" / "containers" / "auth.json"
    if user_file != primary.file:
        chosen = configured_helper(load_config(user_file), registry, creds_store=False)
        yield StoreRef(user_file, *(chosen or (None, None)))
    docker_file = docker_config_file(env)
    # credHelpers in docker's file are honoured; a credsStore there is ignored (tool-facts §2).
    chosen = configured_helper(load_config(docker_file), registry, creds_store=False)
    yield StoreRef(docker_file, helper=chosen[0] if chosen else None, helper_via=chosen[1] if chosen else None,
                   fallback=True)


def helm_config_home(env: Environment) -> Path:
    """helm's lazypath: `$HELM_CONFIG_HOME`, else `$XDG_CONFIG_HOME/helm`, else the platform's config home."""
    explicit = env.vars.get("HELM_CONFIG_HOME")
    if explicit:
        return Path(explicit)
    xdg = env.vars.get("XDG_CONFIG_HOME")
    if xdg:
        return env.join(xdg, "helm")
    if env.platform == "darwin":
        return env.home / "Library" / "Preferences" / "helm"
    if env.platform == "win32":
        return env.join(env.vars.get("APPDATA") or str(env.home / "AppData" / "Roaming"), "helm")
    return env.home / ".config" / "helm"


def helm_registry_config(env: Environment) -> Path:
    """`$HELM_REGISTRY_CONFIG`, else `<config home>/registry/config.json`; DOCKER_CONFIG is ignored (tool-facts §3)."""
    explicit = env.vars.get("HELM_REGISTRY_CONFIG")
    if explicit:
        return Path(explicit)
    return helm_config_home(env) / "registry" / "config.json"


def helm_store(registry: Registry, env: Environment) -> StoreRef:
    return docker_format_store(helm_registry_config(env), registry, env)


def _on_tmpfs(path: Path, env: Environment) -> bool:
    """Whether the nearest existing parent of `path` is on a tmpfs (Linux only; elsewhere unknown → False)."""
    if env.platform != "linux":
        return False
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return False
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    real = os.path.realpath(probe)
    best, best_type = "", ""
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        if (real == mount_point or real.startswith(mount_point.rstrip("/") + "/")) and len(mount_point) >= len(best):
            best, best_type = mount_point, parts[2]
    return best_type in ("tmpfs", "ramfs")
