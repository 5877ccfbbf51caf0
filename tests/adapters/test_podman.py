from __future__ import annotations

from pathlib import Path

from kcr_multilogin.adapter import TlsPlan, advice, last_meaningful_line
from kcr_multilogin.adapters.podman import PODMAN
from tests.adapters.conftest import argv_for, failed


def test_argv_and_tls_flags() -> None:
    base = ["podman", "login", "--username", "my-company", "--password-stdin"]
    assert argv_for(PODMAN) == [*base, "kcr.io"]
    assert argv_for(PODMAN, TlsPlan(False)) == [*base, "--tls-verify=false", "kcr.io"]
    assert argv_for(PODMAN, TlsPlan(True, Path("/ca.pem"), Path("/tmp/d"))) == [*base, "--cert-dir", "/tmp/d", "kcr.io"]
    assert argv_for(PODMAN, TlsPlan(False, plain_http=True)) == [*base, "--tls-verify=false", "kcr.io"]


def test_version_and_readback() -> None:
    assert PODMAN.parse_version("podman version 4.3.1") == "4.3.1"
    assert PODMAN.parse_version("podman version 5.4.2\n") == "5.4.2"
    assert PODMAN.get_login_command == ("login", "--get-login")


def test_error_lines() -> None:
    line = last_meaningful_line(failed('Error: logging into "127.0.0.1:5443": invalid username/password\n', rc=125))
    assert line == 'logging into "127.0.0.1:5443": invalid username/password'
    assert advice(line) == "the registry rejected the credential"
    x509 = ('Error: authenticating creds for "127.0.0.1:5443": pinging container registry 127.0.0.1:5443: '
            'Get "https://127.0.0.1:5443/v2/": x509: certificate signed by unknown authority\n')
    assert "--ca-file" in (advice(last_meaningful_line(failed(x509, rc=125))) or "")


def test_xdg_runtime_dir_error_is_unwrapped() -> None:
    stderr = ('time="2026-12-03T13:00:00Z" level=warning msg="…"\nError: 1 error occurred:\n\t* "/x/run" directory set by '
              "$XDG_RUNTIME_DIR does not exist. Either create the directory or unset $XDG_RUNTIME_DIR.: stat /x/run: "
              "no such file or directory\n\n")
    line = last_meaningful_line(failed(stderr, rc=125))
    assert line.startswith('"/x/run" directory set by $XDG_RUNTIME_DIR does not exist')
    assert "unset XDG_RUNTIME_DIR" in (advice(line) or "")


def test_prompt_text_is_not_an_error_line() -> None:
    result = failed("Error: getting username and password: reading password: inappropriate ioctl for device\n",
                    stdout="Password: ", rc=125)
    assert last_meaningful_line(result).startswith("getting username and password")
