"""podman: c/image login, shares the containers auth.json with skopeo and buildah (tool-facts §2)."""

from __future__ import annotations

from kcr_multilogin.adapter import Adapter, containers_tls_args
from kcr_multilogin.locations import containers_persistent_store, containers_read_order, containers_store

PODMAN = Adapter(
    name="podman",
    binary="podman",
    version_argv=("--version",),
    version_pattern=r"podman version (\d+\.\d+(?:\.\d+)?)",
    login_command=("login",),
    logout_command=("logout",),
    tls_args=containers_tls_args,
    store=containers_store,
    read_order=containers_read_order,
    persist_store=containers_persistent_store,
    authfile_option="--authfile",
    get_login_command=("login", "--get-login"),
)
