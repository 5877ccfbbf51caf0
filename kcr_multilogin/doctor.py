"""`doctor`: every local check, plus the registry's reachability, TLS and clock. Returns data; never prints."""

from __future__ import annotations

import datetime
import email.utils
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kcr_multilogin.adapter import Adapter
from kcr_multilogin.background import in_daemon_thread, wait
from kcr_multilogin.checks import FAIL, OK, WARN, Check, local_checks, plaintext_copies
from kcr_multilogin.fanout import detect_all
from kcr_multilogin.inputs import Registry
from kcr_multilogin.registry import CheckResult, TlsOptions, explain_tls, probe
from kcr_multilogin.shell import Shell
from kcr_multilogin.stores import Environment

CLOCK_WARN = 60  # seconds; distribution allows 60 s of leeway on token times
CLOCK_FAIL = 300


@dataclass(frozen=True)
class DoctorReport:
    registry: str
    shell: str
    checks: tuple[Check, ...]

    @property
    def exit_code(self) -> int:
        return 1 if any(c.level == FAIL for c in self.checks) else 0

    def to_json(self) -> dict[str, object]:
        return {"registry": self.registry, "shell": self.shell, "checks": [c.to_json() for c in self.checks]}


def run_doctor(registry: Registry, tls: TlsOptions, env: Environment, shell: Shell, adapters: Mapping[str, Adapter],
               timeout: float = 15.0) -> DoctorReport:
    network = in_daemon_thread(lambda: probe(registry, tls, timeout))
    with ThreadPoolExecutor(max_workers=len(adapters)) as pool:
        found = detect_all(pool, tuple(adapters), adapters, env, timeout)
    checks = local_checks(registry, env, shell, found)
    checks += registry_checks(registry, tls, wait(network), found)
    checks.append(plaintext_copies(registry, env))
    return DoctorReport(registry.key, shell.name, tuple(checks))


def registry_checks(registry: Registry, tls: TlsOptions, result: CheckResult, found: Mapping[str, object]) -> list[Check]:
    checks = []
    if result.outcome == "unreachable":
        checks.append(Check("registry.reachable", "registry", FAIL, f"cannot reach {registry}: {result.detail}",
                            "check the network, HTTPS_PROXY/NO_PROXY, and the --registry name"))
    elif result.outcome == "error":
        checks.append(Check("registry.reachable", "registry", FAIL, f"{registry} answers, but {result.detail}",
                            "check the --registry name and port"))
    else:
        checks.append(Check("registry.reachable", "registry", OK, f"{registry} is reachable"
                            + (f": {result.detail}" if result.outcome == "ok" else "")))

    if result.outcome == "tls":
        words = explain_tls(result.detail)
        if "not issued" in words:
            fix = f"use the host name the certificate was issued for, or have it reissued to include {registry.hostname}"
        elif "expired" in words or "not valid yet" in words:
            fix = "renew the registry's certificate, or correct this machine's clock"
        else:
            fix = (f"pass --ca-file with the registry's CA (PEM); docker needs it as "
                   f"/etc/docker/certs.d/{registry.key}/ca.crt")
        trust = f"the CA in {tls.ca_file}" if tls.ca_file else "the system's trusted CAs"
        checks.append(Check("registry.tls", "registry", FAIL,
                            f"TLS to {registry} does not verify with {trust}: {words} ({result.detail})", fix))
    elif result.outcome == "ok":
        trust = f"the CA in {tls.ca_file}" if tls.ca_file else "the system's trusted CAs"
        checks.append(Check("registry.tls", "registry", OK, f"the certificate of {registry} verifies with {trust}"))
    else:
        checks.append(Check("registry.tls", "registry", WARN, "not checked: the registry could not be reached",
                            "see registry.reachable"))

    checks.append(_clock(registry, result.server_date))
    return checks


def _clock(registry: Registry, date: str | None) -> Check:
    if not date:
        return Check("registry.clock", "registry", WARN, "not checked: no Date header from the registry",
                     "see registry.reachable")
    try:
        theirs = email.utils.parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return Check("registry.clock", "registry", WARN, f"not checked: unreadable Date header {date!r}")
    skew = (theirs - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    ahead = "ahead of" if skew > 0 else "behind"
    text = f"{registry}'s clock is {abs(skew):.0f} s {ahead} this machine's"
    fix = "synchronise this machine's clock (e.g. timedatectl set-ntp true) or tell the registry's operators"
    if abs(skew) > CLOCK_FAIL:
        return Check("registry.clock", "registry", FAIL, f"{text}: tokens will look expired or not yet valid", fix)
    if abs(skew) > CLOCK_WARN:
        return Check("registry.clock", "registry", WARN, f"{text}: beyond the 60 s leeway of token lifetimes", fix)
    return Check("registry.clock", "registry", OK, f"{text} (within 60 s)")
