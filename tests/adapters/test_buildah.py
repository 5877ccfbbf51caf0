from __future__ import annotations

from kcr_multilogin.adapter import last_meaningful_line
from kcr_multilogin.adapters.buildah import BUILDAH
from tests.adapters.conftest import argv_for, failed


def test_argv() -> None:
    assert argv_for(BUILDAH) == ["buildah", "login", "--username", "my-company", "--password-stdin", "kcr.io"]


def test_version() -> None:
    text = "buildah version 1.28.2 (image-spec 1.1.0-rc2, runtime-spec 1.0.2-dev)"
    assert BUILDAH.parse_version(text) == "1.28.2"


def test_error_line() -> None:
    stderr = ('Error: authenticating creds for "127.0.0.1:5999": pinging container registry 127.0.0.1:5999: Get '
              '"https://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused\n')
    assert last_meaningful_line(failed(stderr, rc=125)).endswith("connect: connection refused")
