"""The command line: each command declares its options and makes one call into `commands`.

Options that have a setting default to None here, so `settings.resolve` can tell a flag from the environment, the
config file and the built-in default. Exit codes are decided in `results`/`commands` and here for usage errors (2);
`typer.Exit` appears only in this module. Heavy imports happen inside the commands, so `--help` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from kcr_multilogin import __version__
from kcr_multilogin.inputs import UsageError
from kcr_multilogin.settings import TOOL_NAMES

app = typer.Typer(
    name="kcr-multilogin",
    help="Log every installed container tool (docker, podman, skopeo, buildah, helm) into the Katapult Container "
    "Registry in one command, and see which ones are authenticated.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's help formatter imports ~120 ms of modules (benchmarks)
    pretty_exceptions_enable=False,  # never print a traceback with locals: they may hold the token
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kcr-multilogin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Log every installed container tool into the Katapult Container Registry (kcr.io) in one command."""


def _complete_tools(incomplete: str) -> list[str]:
    return [name for name in TOOL_NAMES if name.startswith(incomplete)]


TypeOpt = Annotated[Optional[str], typer.Option("--type", metavar="user|org", show_default=False,
                                                help="user: e-mail + user API token; org: subdomain + organisation API token. Inferred from the username when absent. [env: KCR_CREDENTIAL_TYPE]")]
UserOpt = Annotated[Optional[str], typer.Option("-u", "--username", show_default=False,
                                                help="Your e-mail address (user token) or the organisation's subdomain (org token). [env: KCR_USERNAME]")]
StdinOpt = Annotated[bool, typer.Option("--password-stdin", help="Read the token from stdin (one line). Otherwise $KCR_TOKEN, else a hidden prompt.")]
RegistryOpt = Annotated[Optional[str], typer.Option("--registry", metavar="HOST[:PORT]", show_default=False, help="The registry. [env: KCR_REGISTRY; default: kcr.io]")]
CaOpt = Annotated[Optional[Path], typer.Option("--ca-file", metavar="PATH", show_default=False, help="Trust this CA (PEM) for the registry.")]
VerifyOpt = Annotated[Optional[bool], typer.Option("--tls-verify/--no-tls-verify", show_default=False, help="Verify the registry's TLS certificate. [default: verify]")]
TimeoutOpt = Annotated[Optional[float], typer.Option("--timeout", metavar="SECONDS", show_default=False, help="Per tool: its login and read-back together. [default: 60]")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON document instead of the table.")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would run; touch nothing, contact nothing.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Log in even where the same credential is already stored.")]
PersistOpt = Annotated[Optional[bool], typer.Option("--persist/--no-persist", show_default=False, help="podman/skopeo/buildah: store in ~/.config/containers/auth.json, which survives reboots.")]
HelperOpt = Annotated[Optional[str], typer.Option("--credential-helper", metavar="NAME", show_default=False, help="Keep the token in docker-credential-NAME (pass, secretservice, osxkeychain, wincred, desktop) for every tool, not in plain-text files. [env: KCR_CREDENTIAL_HELPER]")]
ConfigOpt = Annotated[Optional[str], typer.Option("--config", metavar="PATH", show_default=False, help="Settings file. [env: KCR_MULTILOGIN_CONFIG; default: ~/.config/kcr-multilogin/config.toml]")]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colours (NO_COLOR is honoured too).")]
QuietOpt = Annotated[bool, typer.Option("-q", "--quiet", help="Only errors, and the exit code.")]
VerboseOpt = Annotated[bool, typer.Option("-v", "--verbose", help="Also each tool's command line (never a secret) and timing.")]
ToolsArg = Annotated[List[str], typer.Argument(metavar="TOOL...", autocompletion=_complete_tools, help=f"Any of: {', '.join(TOOL_NAMES)}.")]
SomeToolsArg = Annotated[Optional[List[str]], typer.Argument(metavar="[TOOL]...", autocompletion=_complete_tools, show_default=False, help=f"Any of: {', '.join(TOOL_NAMES)} (default: the configured tools, else all).")]
OfflineOpt = Annotated[bool, typer.Option("--offline", help="No network: report what is stored without asking the registry.")]


@app.command("all")
def all_(
    type_: TypeOpt = None, username: UserOpt = None, password_stdin: StdinOpt = False, registry: RegistryOpt = None,
    ca_file: CaOpt = None, tls_verify: VerifyOpt = None, timeout: TimeoutOpt = None, json: JsonOpt = False,
    dry_run: DryOpt = False, force: ForceOpt = False, persist: PersistOpt = None, credential_helper: HelperOpt = None,
    config: ConfigOpt = None, no_color: NoColorOpt = False, quiet: QuietOpt = False, verbose: VerboseOpt = False,
) -> None:
    """Log every supported tool found on PATH into the registry.

    Example: echo "$TOKEN" | kcr-multilogin all --type org -u my-company --password-stdin
    """
    from kcr_multilogin import commands

    raise typer.Exit(commands.login(None, locals()))


@app.command("login")
def login(
    tools: ToolsArg, type_: TypeOpt = None, username: UserOpt = None, password_stdin: StdinOpt = False,
    registry: RegistryOpt = None, ca_file: CaOpt = None, tls_verify: VerifyOpt = None, timeout: TimeoutOpt = None,
    json: JsonOpt = False, dry_run: DryOpt = False, force: ForceOpt = False, persist: PersistOpt = None,
    credential_helper: HelperOpt = None, config: ConfigOpt = None, no_color: NoColorOpt = False,
    quiet: QuietOpt = False, verbose: VerboseOpt = False,
) -> None:
    """Log only the named tools into the registry.

    Example: KCR_USERNAME=dev@example.com KCR_TOKEN=... kcr-multilogin login podman helm --json
    """
    from kcr_multilogin import commands

    raise typer.Exit(commands.login(tools, locals()))


@app.command("status")
def status(
    tools: SomeToolsArg = None, offline: OfflineOpt = False, json: JsonOpt = False, registry: RegistryOpt = None,
    ca_file: CaOpt = None, tls_verify: VerifyOpt = None, timeout: TimeoutOpt = None, config: ConfigOpt = None,
    no_color: NoColorOpt = False, quiet: QuietOpt = False, verbose: VerboseOpt = False,
) -> None:
    """Show, per tool, the credential it will really use, where it lives, and whether the registry accepts it.

    Example: kcr-multilogin status --json
    """
    from kcr_multilogin import commands

    raise typer.Exit(commands.status(tools, locals()))


@app.command("logout")
def logout(
    tools: SomeToolsArg = None, json: JsonOpt = False, registry: RegistryOpt = None, ca_file: CaOpt = None,
    tls_verify: VerifyOpt = None, timeout: TimeoutOpt = None, config: ConfigOpt = None, no_color: NoColorOpt = False,
    quiet: QuietOpt = False, verbose: VerboseOpt = False,
    forget_helper: Annotated[bool, typer.Option("--forget-helper", help="Also remove the registry's credHelpers entry from each tool's config file.")] = False,
) -> None:
    """Log the tools out of the registry, then prove nothing is left (or say exactly what remains).

    Example: kcr-multilogin logout podman docker
    """
    from kcr_multilogin import commands

    raise typer.Exit(commands.logout(tools, locals()))


@app.command("doctor")
def doctor(
    json: JsonOpt = False, registry: RegistryOpt = None, ca_file: CaOpt = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", metavar="SECONDS", show_default=False, help="For the registry checks. [default: 15]")] = None,
    config: ConfigOpt = None, no_color: NoColorOpt = False,
) -> None:
    """Find what will make a login fail or vanish, and say how to fix it, in your shell's syntax.

    Example: kcr-multilogin doctor --json | jq '.checks[] | select(.level != "ok")'
    """
    from kcr_multilogin import commands

    raise typer.Exit(commands.doctor(locals()))


@app.command("env")
def env(
    type_: TypeOpt = None, username: UserOpt = None, registry: RegistryOpt = None, persist: PersistOpt = None,
    config: ConfigOpt = None,
    shell: Annotated[Optional[str], typer.Option("--shell", metavar="NAME", show_default=False, help="bash, zsh, fish, powershell, csh or sh (default: detected).")] = None,
) -> None:
    """Print the lines that make your settings permanent, for your shell's startup file (never the token).

    Example: kcr-multilogin env -u my-company >> ~/.bashrc
    """
    from kcr_multilogin import commands

    raise typer.Exit(commands.env(locals()))


@app.command("tools")
def tools(json: JsonOpt = False, registry: RegistryOpt = None, config: ConfigOpt = None,
          no_color: NoColorOpt = False) -> None:
    """List every supported tool: installed or not, path, version, and the store it uses.

    Example: kcr-multilogin tools --json
    """
    from kcr_multilogin import commands

    raise typer.Exit(commands.tools(locals()))


app.command("adapters", help="The same as `tools`.", hidden=True)(tools)


@app.command("config")
def config_(json: JsonOpt = False, config: ConfigOpt = None) -> None:
    """Show the effective settings and where each one came from (flag, environment, file, default).

    Example: KCR_REGISTRY=kcr.io kcr-multilogin config
    """
    from kcr_multilogin import commands

    raise typer.Exit(commands.config(locals()))


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors are one line and exit 2; Ctrl-C is exit 130; no traceback ever."""
    from kcr_multilogin import redaction

    for stream in (sys.stdout, sys.stderr):  # a character the terminal cannot show is replaced, never fatal
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
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
        typer.echo(f"kcr-multilogin: internal error{place}: {type(exc).__name__}: {redaction.redact(str(exc))[:200]}",
                   err=True)
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
