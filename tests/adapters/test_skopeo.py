from __future__ import annotations

from kcr_multilogin.adapter import TlsPlan, last_meaningful_line
from kcr_multilogin.adapters.skopeo import SKOPEO
from tests.adapters.conftest import argv_for, failed


def test_argv() -> None:
    assert argv_for(SKOPEO, TlsPlan(False)) == ["skopeo", "login", "--username", "my-company", "--password-stdin",
                                                "--tls-verify=false", "kcr.io"]


def test_version() -> None:
    assert SKOPEO.parse_version("skopeo version 1.9.3") == "1.9.3"
    assert SKOPEO.parse_version("skopeo version 1.14.0 commit: abc") == "1.14.0"


def test_logrus_fatal_message_is_unescaped() -> None:
    stderr = ('time="2026-12-03T13:00:00Z" level=fatal msg="logging into \\"127.0.0.1:5443\\": invalid '
              'username/password"\n')
    assert last_meaningful_line(failed(stderr)) == 'logging into "127.0.0.1:5443": invalid username/password'
