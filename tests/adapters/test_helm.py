from __future__ import annotations

from pathlib import Path

from kcr_multilogin.adapter import TlsPlan, last_meaningful_line
from kcr_multilogin.adapters.helm import HELM
from tests.adapters.conftest import argv_for, failed


def test_argv_and_tls_flags() -> None:
    base = ["helm", "registry", "login", "--username", "my-company", "--password-stdin"]
    assert argv_for(HELM) == [*base, "kcr.io"]
    assert argv_for(HELM, TlsPlan(False)) == [*base, "--insecure", "kcr.io"]
    assert argv_for(HELM, TlsPlan(True, Path("/ca.pem"))) == [*base, "--ca-file", "/ca.pem", "kcr.io"]
    assert argv_for(HELM, TlsPlan(False, plain_http=True)) == [*base, "--plain-http", "kcr.io"]


def test_version() -> None:
    assert HELM.parse_version("v4.1.4+g05fa379") == "4.1.4"
    assert HELM.parse_version("v3.8.0+gd141386") == "3.8.0"


def test_error_line_skips_warn_lines() -> None:
    stderr = ('level=WARN msg="registry login currently only supports registry hostname" host=https://x\n'
              'Error: authenticating to "127.0.0.1:5443": GET "https://127.0.0.1:5443/v2/": response status code 401: '
              "unauthorized: authentication required\n")
    assert last_meaningful_line(failed(stderr)).startswith('authenticating to "127.0.0.1:5443"')
