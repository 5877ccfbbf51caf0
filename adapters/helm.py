"""helm: `helm registry login HOST --username U --password-stdin`; success is reported on stderr (tool-facts §3)."""

from __future__ import annotations

from kcr_multilogin.adapter import Adapter, helm_tls_args
from kcr_multilogin.locations import helm_store

HELM = Adapter(
    name="helm",
    binary="helm",
    version_argv=("version", "--short"),
    version_pattern=r"v(\d+\.\d+(?:\.\d+)?)",
    login_command=("registry", "login"),
    logout_command=("registry", "logout"),
    tls_args=helm_tls_args,
    store=helm_store,
    success_stream="stderr",
)
