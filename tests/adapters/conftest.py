"""Helpers for the adapter tests: build argv and parse recorded tool output without running anything."""

from __future__ import annotations

from pathlib import Path

from kcr_multilogin.adapter import Adapter, TlsPlan
from kcr_multilogin.detect import Detected
from kcr_multilogin.inputs import Credential, CredentialType, parse_registry
from kcr_multilogin.login_tool import LoginRequest, Run, login_argv
from kcr_multilogin.proc import ProcResult
from kcr_multilogin.stores import Environment


def argv_for(adapter: Adapter, plan: TlsPlan | None = None, registry: str = "kcr.io", prompt: bool = False) -> list[str]:
    cred = Credential("my-company", CredentialType.ORG, "tok")
    run = Run(LoginRequest(parse_registry(registry), cred, (adapter.name,)), Environment({}), plan or TlsPlan(), ("tok",))
    return list(login_argv(Detected(adapter, adapter.binary, "1.0"), run, prompt=prompt))


def failed(stderr: str = "", stdout: str = "", rc: int = 1) -> ProcResult:
    return ProcResult(("tool",), rc, stdout, stderr)


CA = Path("/tmp/ca.pem")
