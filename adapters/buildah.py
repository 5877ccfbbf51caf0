"""buildah: c/image login, same flags and auth.json as podman (tool-facts §2)."""

from __future__ import annotations

from kcr_multilogin.adapter import Adapter, containers_tls_args
from kcr_multilogin.locations import containers_persistent_store, containers_read_order, containers_store

BUILDAH = Adapter(
    name="buildah",
    binary="buildah",
    version_argv=("--version",),
    version_pattern=r"buildah version (\d+\.\d+(?:\.\d+)?)",
    login_command=("login",),
    logout_command=("logout",),
    tls_args=containers_tls_args,
    store=containers_store,
    read_order=containers_read_order,
    persist_store=containers_persistent_store,
    authfile_option="--authfile",
    get_login_command=("login", "--get-login"),
)
