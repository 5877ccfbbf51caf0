"""The command line: each command declares its options and makes one call into the core.

Exit codes are decided in `results.Report.exit_code` and here for usage errors (2); `typer.Exit` appears only here.
Heavy imports (rich, the engine, the HTTP client) happen inside the commands, so `--help` stays fast.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, List, Optional

import typer

from kcr_multilogin import __version__
from kcr_multilogin.inputs import DEFAULT_REGISTRY, UsageError

if TYPE_CHECKING:
    from kcr_multilogin.stores import Environment

TOOL_NAMES = ("docker", "podman", "skopeo", "buildah", "helm")  # adapters/__init__.py, kept import-free here

app = typer.Typer(
    name="kcr-multilogin",
    help="Log every installed container tool (docker, podman, skopeo, buildah, helm) into the Katapult Container "
    "Registry in one command.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's help formatter imports ~120 ms of modules (benchmarks)
    pretty_exceptions_enable=False,  # never print a traceback with locals: they may hold the token
    context_settings={"help_option_names": ["-h", "--help"]},
)

_secrets: list[str] = []  # redacted from any crash message


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kcr-multilogin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Log every installed container tool into the Katapult Container Registry (kcr.io) in one command."""


TypeOpt = Annotated[Optional[str], typer.Option("--type", envvar="KCR_CREDENTIAL_TYPE", metavar="user|org",
                                                help="user: e-mail + user API token; org: subdomain + organisation API token. Inferred from the username when absent.")]
UserOpt = Annotated[Optional[str], typer.Option("-u", "--username", envvar="KCR_USERNAME",
                                                help="Your e-mail address (user token) or the organisation's subdomain (org token).")]
StdinOpt = Annotated[bool, typer.Option("--password-stdin", help="Read the token from stdin (one line). Otherwise $KCR_TOKEN, else a hidden prompt.")]
RegistryOpt = Annotated[str, typer.Option("--registry", envvar="KCR_REGISTRY", metavar="HOST[:PORT]", help="The registry.")]
CaOpt = Annotated[Optional[Path], typer.Option("--ca-file", metavar="PATH", help="Trust this CA (PEM) for the registry.")]
VerifyOpt = Annotated[bool, typer.Option("--tls-verify/--no-tls-verify", help="Verify the registry's TLS certificate.")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Per tool: its login and read-back together.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON document instead of the table.")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would run; touch nothing, contact nothing.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Log in even where the same credential is already stored.")]
PersistOpt = Annotated[bool, typer.Option("--persist", help="podman/skopeo/buildah: store in ~/.config/containers/auth.json, which survives reboots.")]
ToolsArg = Annotated[List[str], typer.Argument(metavar="TOOL...", help=f"Any of: {', '.join(TOOL_NAMES)}.")]
SomeToolsArg = Annotated[Optional[List[str]], typer.Argument(metavar="[TOOL]...", help=f"Any of: {', '.join(TOOL_NAMES)} (default: all).", show_default=False)]
OfflineOpt = Annotated[bool, typer.Option("--offline", help="No network: report what is stored without asking the registry.")]


@dataclass(frozen=True)
class _LoginOptions:
    type_: str | None
    username: str | None
    password_stdin: bool
    registry: str
    ca_file: Path | None
    tls_verify: bool
    timeout: float
    json: bool
    dry_run: bool
    force: bool
    persist: bool


@app.command("all")
def all_(
    type_: TypeOpt = None, username: UserOpt = None, password_stdin: StdinOpt = False,
    registry: RegistryOpt = DEFAULT_REGISTRY, ca_file: CaOpt = None, tls_verify: VerifyOpt = True,
    timeout: TimeoutOpt = 60.0, json: JsonOpt = False, dry_run: DryOpt = False, force: ForceOpt = False,
    persist: PersistOpt = False,
) -> None:
    """Log every supported tool found on PATH into the registry.

    Example: echo "$TOKEN" | kcr-multilogin all --type org -u my-company --password-stdin
    """
    opts = _LoginOptions(type_, username, password_stdin, registry, ca_file, tls_verify, timeout, json, dry_run, force,
                         persist)
    raise typer.Exit(_login(TOOL_NAMES, opts))


@app.command("login")
def login(
    tools: ToolsArg, type_: TypeOpt = None, username: UserOpt = None, password_stdin: StdinOpt = False,
    registry: RegistryOpt = DEFAULT_REGISTRY, ca_file: CaOpt = None, tls_verify: VerifyOpt = True,
    timeout: TimeoutOpt = 60.0, json: JsonOpt = False, dry_run: DryOpt = False, force: ForceOpt = False,
    persist: PersistOpt = False,
) -> None:
    """Log only the named tools into the registry.

    Example: KCR_USERNAME=dev@example.com KCR_TOKEN=... kcr-multilogin login podman helm --json
    """
    opts = _LoginOptions(type_, username, password_stdin, registry, ca_file, tls_verify, timeout, json, dry_run, force,
                         persist)
    raise typer.Exit(_login(_tool_names(tools), opts))


@app.command("status")
def status(
    tools: SomeToolsArg = None, offline: OfflineOpt = False, json: JsonOpt = False,
    registry: RegistryOpt = DEFAULT_REGISTRY, ca_file: CaOpt = None, tls_verify: VerifyOpt = True,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Show, per tool, the credential it will really use, where it lives, and whether the registry accepts it.

    Example: kcr-multilogin status --json
    """
    raise typer.Exit(_status(_tool_names(tools) if tools else TOOL_NAMES, offline, json, registry, ca_file, tls_verify, timeout))


@app.command("logout")
def logout(
    tools: SomeToolsArg = None, json: JsonOpt = False, registry: RegistryOpt = DEFAULT_REGISTRY,
    ca_file: CaOpt = None, tls_verify: VerifyOpt = True, timeout: TimeoutOpt = 60.0,
) -> None:
    """Log the tools out of the registry, then prove nothing is left (or say exactly what remains).

    Example: kcr-multilogin logout podman docker
    """
    raise typer.Exit(_logout(_tool_names(tools) if tools else TOOL_NAMES, json, registry, ca_file, tls_verify, timeout))


def _status(tools: tuple[str, ...], offline: bool, as_json: bool, registry_text: str, ca_file: Path | None,
            tls_verify: bool, timeout: float) -> int:
    from kcr_multilogin import prompts
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.inputs import parse_registry, parse_timeout
    from kcr_multilogin.registry import TlsOptions
    from kcr_multilogin.status import StatusRequest, run_status

    request = StatusRequest(parse_registry(registry_text), tools,
                            TlsOptions(tls_verify, prompts.check_ca_file(ca_file)), parse_timeout(timeout), offline)
    _warm_up_rendering(as_json)
    report = run_status(request, _environment(), ADAPTERS)
    _emit(report, as_json)
    return report.exit_code


def _logout(tools: tuple[str, ...], as_json: bool, registry_text: str, ca_file: Path | None, tls_verify: bool,
            timeout: float) -> int:
    from kcr_multilogin import prompts
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.inputs import parse_registry, parse_timeout
    from kcr_multilogin.logout import LogoutRequest, run_logout
    from kcr_multilogin.registry import TlsOptions

    request = LogoutRequest(parse_registry(registry_text), tools,
                            TlsOptions(tls_verify, prompts.check_ca_file(ca_file)), parse_timeout(timeout))
    _warm_up_rendering(as_json)
    report = run_logout(request, _environment(), ADAPTERS)
    _emit(report, as_json)
    return report.exit_code


@app.command("doctor")
def doctor(
    json: JsonOpt = False, registry: RegistryOpt = DEFAULT_REGISTRY, ca_file: CaOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="For the registry checks.")] = 15.0,
) -> None:
    """Find what will make a login fail or vanish, and say how to fix it, in your shell's syntax.

    Example: kcr-multilogin doctor --json | jq '.checks[] | select(.level != "ok")'
    """
    from kcr_multilogin import prompts, render
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.doctor import run_doctor
    from kcr_multilogin.inputs import parse_registry, parse_timeout
    from kcr_multilogin.registry import TlsOptions
    from kcr_multilogin.shell import detect

    target = parse_registry(registry)
    tls = TlsOptions(True, prompts.check_ca_file(ca_file))
    env = _environment()
    report = run_doctor(target, tls, env, detect(env.vars, env.platform), ADAPTERS, parse_timeout(timeout))
    if json:
        render.write_json_doc(report.to_json(), sys.stdout)
    else:
        from rich.console import Console

        render.print_doctor(report, Console())
    raise typer.Exit(report.exit_code)


def _tool_names(names: List[str]) -> tuple[str, ...]:
    unknown = [n for n in names if n not in TOOL_NAMES]
    if unknown:
        raise UsageError(f"unknown tool {unknown[0]!r}; known tools: {', '.join(TOOL_NAMES)}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UsageError(f"tool {repeated[0]!r} is named more than once")
    return tuple(n for n in TOOL_NAMES if n in names)


def _login(tools: tuple[str, ...], opts: _LoginOptions) -> int:
    from kcr_multilogin import prompts
    from kcr_multilogin.inputs import parse_registry, parse_timeout

    registry = parse_registry(opts.registry)
    timeout = parse_timeout(opts.timeout)
    ca_file = prompts.check_ca_file(opts.ca_file)
    credential = prompts.gather_credential(opts.type_, opts.username, opts.password_stdin)
    _secrets.append(credential.token)

    # The pre-flight is on the critical path: start it before importing the engine.
    from kcr_multilogin.background import in_daemon_thread
    from kcr_multilogin.registry import TlsOptions, check_credential

    tls = TlsOptions(opts.tls_verify, ca_file)
    preflight = None if opts.dry_run else in_daemon_thread(
        lambda: check_credential(registry, credential.username, credential.token, tls, timeout))
    import http.client  # noqa: F401 - the pre-flight needs it once its handshakes are done: import it meanwhile

    _warm_up_rendering(opts.json)
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.login import LoginRequest, run_login

    request = LoginRequest(registry, credential, tools, tls, timeout, opts.dry_run, opts.force, opts.persist)
    report = run_login(request, _environment(), ADAPTERS, preflight=preflight)
    _emit(report, opts.json)
    return report.exit_code


def _emit(report: object, as_json: bool) -> None:
    from rich.console import Console

    from kcr_multilogin import render
    from kcr_multilogin.results import Report

    assert isinstance(report, Report)
    if report.error:
        typer.echo(f"kcr-multilogin: {report.error}", err=True)
    if as_json:
        render.write_json(report, sys.stdout)
    elif not report.error:
        render.print_report(report, Console())
    if report.interrupted:
        typer.echo("kcr-multilogin: interrupted; every child process was stopped", err=True)


def _warm_up_rendering(as_json: bool) -> None:
    """Import the table renderer in the background while the tools run (rich costs ~50 ms to import)."""
    if not as_json:
        from kcr_multilogin.background import in_daemon_thread

        in_daemon_thread(lambda: __import__("kcr_multilogin.render"))


def _environment() -> Environment:
    """What every command's children see: our environment without KCR_TOKEN (even for status, logout, doctor)."""
    from kcr_multilogin.proc import child_env
    from kcr_multilogin.stores import Environment

    return Environment(child_env(os.environ, [os.environ.get("KCR_TOKEN", "")]))


def _redacted(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors are one line and exit 2; Ctrl-C is exit 130; no traceback ever."""
    # typer re-exports click's exceptions (vendored since typer 0.2x): find the base class without importing click.
    click_error: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="kcr-multilogin", standalone_mode=False)
    except UsageError as exc:
        typer.echo(f"kcr-multilogin: error: {exc}", err=True)
        code = 2
    except click_error as exc:
        typer.echo(f"kcr-multilogin: error: {exc.format_message()}", err=True)  # type: ignore[attr-defined]
        code = exc.exit_code  # type: ignore[attr-defined]
    except (KeyboardInterrupt, typer.Abort):
        from kcr_multilogin import proc

        proc.stop_all()
        typer.echo("\nkcr-multilogin: interrupted", err=True)
        code = 130
    except Exception as exc:  # noqa: BLE001 - our own bug: a short message, never a traceback with locals
        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        place = f" at {Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno}" if where else ""
        typer.echo(f"kcr-multilogin: internal error{place}: {type(exc).__name__}: {_redacted(str(exc))[:200]}", err=True)
        code = 1
    _exit_now(code if isinstance(code, int) else 0)


def _exit_now(code: int) -> None:
    """Everything is written and every child is gone: skip the interpreter's shutdown (joining idle worker threads,
    finalising modules), which costs tens of milliseconds on every run (benchmarks)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe, e.g. `kcr-multilogin status | head -1`
        pass
    os._exit(code)
