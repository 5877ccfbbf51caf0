"""skopeo: c/image login; exits 1 and reports errors as logrus `level=fatal msg=…` (tool-facts §2)."""

from __future__ import annotations

from kcr_multilogin.adapter import Adapter, containers_tls_args
from kcr_multilogin.locations import containers_persistent_store, containers_read_order, containers_store

SKOPEO = Adapter(
    name="skopeo",
    binary="skopeo",
    version_argv=("--version",),
    version_pattern=r"skopeo version (\d+\.\d+(?:\.\d+)?)",
    login_command=("login",),
    logout_command=("logout",),
    tls_args=containers_tls_args,
    store=containers_store,
    read_order=containers_read_order,
    persist_store=containers_persistent_store,
    authfile_option="--authfile",
    get_login_command=("login", "--get-login"),
)
