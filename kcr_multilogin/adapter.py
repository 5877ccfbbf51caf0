"""The adapter contract: a tool described as data, plus the few shared functions adapters take by assignment.

Adding a tool is one file in `adapters/` holding one `Adapter(...)` and one line in `adapters/__init__.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kcr_multilogin.inputs import Registry
from kcr_multilogin.proc import ProcResult
from kcr_multilogin.stores import Environment, StoreRef


@dataclass(frozen=True)
class TlsPlan:
    """The user's TLS wishes, prepared for the tools: `cert_dir` is a private directory holding the CA as ca.crt."""

    verify: bool = True
    ca_file: Path | None = None
    cert_dir: Path | None = None
    plain_http: bool = False  # the registry speaks plain HTTP (only reachable with --no-tls-verify)


@dataclass(frozen=True)
class Adapter:
    name: str
    binary: str
    version_argv: tuple[str, ...]
    version_pattern: str  # regular expression with one group: the version number
    login_command: tuple[str, ...]  # between the binary and the options, e.g. ("registry", "login")
    logout_command: tuple[str, ...]
    tls_args: Callable[[TlsPlan], list[str]]
    store: Callable[[Registry, Environment], StoreRef]  # the store the tool's login writes
    read_order: Callable[[Registry, Environment], Iterable[StoreRef]] | None = None  # None: only `store`
    persist_store: Callable[[Registry, Environment], StoreRef] | None = None  # `--persist`: a file surviving reboots
    authfile_option: str | None = None  # how to point the tool at another credential file
    get_login_command: tuple[str, ...] | None = None  # the tool's own read-back, printing the username
    password_input: str = "stdin"  # "stdin" (--password-stdin) or "prompt" (answered on a pty)
    stdin_since: tuple[int, ...] | None = None  # older versions lack --password-stdin: use the prompt
    tls_advice: Callable[[Registry, TlsPlan, str], str | None] | None = None
    success_stream: str = "stdout"  # where "Login Succeeded" goes (helm: stderr, tool-facts §3)

    def parse_version(self, text: str) -> str | None:
        match = re.search(self.version_pattern, text)
        return match.group(1) if match else None

    def uses_prompt(self, version: str | None) -> bool:
        if self.password_input == "prompt":
            return True
        if self.stdin_since is None or version is None:
            return False
        return version_tuple(version) < self.stdin_since


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version)[:3])


# ------------------------------------------------------------------------------- TLS flags per tool family


def no_tls_args(plan: TlsPlan) -> list[str]:
    return []


def containers_tls_args(plan: TlsPlan) -> list[str]:
    """podman/skopeo/buildah: `--tls-verify=false`, or `--cert-dir DIR` loading DIR/*.crt (tool-facts §2)."""
    if not plan.verify or plan.plain_http:
        return ["--tls-verify=false"]
    if plan.cert_dir is not None:
        return ["--cert-dir", str(plan.cert_dir)]
    return []


def helm_tls_args(plan: TlsPlan) -> list[str]:
    """helm: `--insecure`, `--ca-file F`, and `--plain-http` for an http registry (tool-facts §3)."""
    if plan.plain_http:
        return ["--plain-http"]
    if not plan.verify:
        return ["--insecure"]
    if plan.ca_file is not None:
        return ["--ca-file", str(plan.ca_file)]
    return []


# --------------------------------------------------------------------------------------- error messages

_NOISE = re.compile(
    r"^(WARNING!|WARNING:|Configure a credential helper|https://docs\.docker\.com/go/credential-store|"
    r"time=\"[^\"]*\" level=(info|warning|debug)|level=(INFO|WARN|DEBUG)\b|Emulate Docker CLI using podman)"
)
_LOGRUS_FATAL = re.compile(r'level=(?:fatal|error) msg="((?:[^"\\]|\\.)*)"')


def last_meaningful_line(result: ProcResult) -> str:
    """The tool's own error, cleaned: docker's last stderr line, skopeo's `msg="…"`, podman's/helm's `Error: …`."""
    lines = [ln.strip() for ln in (result.stderr + "\n" + result.stdout).splitlines()]
    lines = [ln for ln in lines if ln and not _NOISE.match(ln) and ln not in ("Password:", "Username:")]
    # c/image wraps errors as "1 error occurred:\n\t* <reason>": the reason is the informative line.
    for i, line in enumerate(lines):
        if line.endswith("error occurred:") and i + 1 < len(lines):
            lines = lines[: i] + [lines[i + 1].lstrip("* ")] + lines[i + 2 :]
            break
    if not lines:
        return ""
    errors = [ln for ln in lines if ln.startswith("Error") or "level=fatal" in ln]
    line = errors[-1] if errors else lines[-1]
    fatal = _LOGRUS_FATAL.search(line)
    if fatal:
        line = re.sub(r"\\(.)", r"\1", fatal.group(1))
    for prefix in ("Error response from daemon: ", "Error: ", "error: "):
        if line.startswith(prefix):
            line = line[len(prefix) :]
    return line[:300]


def advice(message: str) -> str | None:
    """What to try next, for the failures users meet most (tool-facts tables in §1–§3)."""
    text = message.lower()
    if "pass not initialized" in text or "password store is empty" in text:
        return "the pass store is not initialised: run `pass init <gpg-key-id>`"
    if "docker-credential-" in text and any(s in text for s in ("executable file not found", "current directory",
                                                                "no such file")):
        return "the credential helper named in the tool's config is not installed: install it or remove the setting"
    if "xdg_runtime_dir" in text and "does not exist" in text:
        return "XDG_RUNTIME_DIR points to a missing directory: create it or unset XDG_RUNTIME_DIR"
    if any(s in text for s in ("x509", "certificate", "tls:")):
        return "TLS verification failed: pass --ca-file with the registry's CA"
    if any(s in text for s in ("invalid username/password", "401", "unauthorized", "403", "denied")):
        return "the registry rejected the credential"
    if any(s in text for s in ("connection refused", "no such host", "i/o timeout", "network is unreachable")):
        return "the registry could not be reached from this tool (proxy settings?)"
    if "read-only file system" in text or "permission denied" in text:
        return "the tool cannot write its credential file: check the directory's permissions"
    return None
