"""docker CLI: `docker login --username U --password-stdin HOST` (tool-facts §1, §9)."""

from __future__ import annotations

from kcr_multilogin.adapter import Adapter, TlsPlan, no_tls_args
from kcr_multilogin.inputs import Registry
from kcr_multilogin.locations import docker_store


def tls_advice(registry: Registry, plan: TlsPlan, error: str) -> str | None:
    """`docker login` has no TLS flags: loopback registries are never verified, others use certs.d (tool-facts §1).
    `error` is docker's message after a failure, "" after a success."""
    tls_error = any(s in error for s in ("x509", "certificate", "tls:"))
    if error and not tls_error:
        return None
    if registry.is_loopback:
        if plan.ca_file or not plan.verify:
            return "docker skips TLS verification for loopback hosts"
        return None
    if not tls_error:
        return None
    if plan.ca_file:
        return (f"docker has no CA option: install the CA as /etc/docker/certs.d/{registry.key}/ca.crt "
                f"(rootless: ~/.config/docker/certs.d/{registry.key}/ca.crt)")
    if not plan.verify:
        return (f"docker always verifies {registry.key}: add it to \"insecure-registries\" in /etc/docker/daemon.json "
                f"or install its CA as /etc/docker/certs.d/{registry.key}/ca.crt")
    return None


DOCKER = Adapter(
    name="docker",
    binary="docker",
    version_argv=("--version",),  # `docker version` exits 1 without a daemon (tool-facts §7)
    version_pattern=r"(?:Docker|podman) version v?(\d+\.\d+(?:\.\d+)?)",
    login_command=("login",),
    logout_command=("logout",),
    tls_args=no_tls_args,
    store=docker_store,
    stdin_since=(17, 7),  # --password-stdin arrived in docker 17.07
    tls_advice=tls_advice,
)
