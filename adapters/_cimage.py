"""What podman, skopeo and buildah share: containers/image's login, flags and auth files (tool-facts §2)."""

from __future__ import annotations

from kcr_multilogin.adapter import Adapter, containers_tls_args
from kcr_multilogin.locations import containers_persistent_store, containers_read_order, containers_store


def cimage_adapter(name: str) -> Adapter:
    """`NAME login -u U --password-stdin [--tls-verify=false | --cert-dir D] [--authfile F] HOST`, read back with
    `NAME login --get-login HOST`; `NAME --version` prints `NAME version X.Y.Z`."""
    return Adapter(
        name=name,
        binary=name,
        version_argv=("--version",),
        version_pattern=rf"{name} version (\d+\.\d+(?:\.\d+)?)",
        login_command=("login",),
        logout_command=("logout",),
        tls_args=containers_tls_args,
        store=containers_store,
        read_order=containers_read_order,
        persist_store=containers_persistent_store,
        authfile_option="--authfile",
        get_login_command=("login", "--get-login"),
    )
