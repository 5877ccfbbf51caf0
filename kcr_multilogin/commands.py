"""What each command does, between the option declarations (cli.py) and the core (login, status, logout, doctor).

Every function validates its input first (UsageError → exit 2, nothing run), makes one call into the core, hands
the result to `ui`, and returns the exit code.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kcr_multilogin import redaction, settings
from kcr_multilogin.inputs import UsageError
from kcr_multilogin.settings import TOOL_NAMES, Resolved
from kcr_multilogin.ui import Output

Params = dict[str, Any]


def _resolve(params: Params) -> Resolved:
    ca_file = params.get("ca_file")
    flags = {
        "registry": params.get("registry"),
        "username": params.get("username"),
        "credential_type": params.get("type_"),
        "ca_file": str(ca_file) if ca_file is not None else None,
        "tls_verify": params.get("tls_verify"),
        "timeout": params.get("timeout"),
        "persist": params.get("persist"),
        "credential_helper": params.get("credential_helper"),
    }
    return settings.resolve(flags, params.get("config"))


def _output(params: Params) -> Output:
    return Output(json=bool(params.get("json")), quiet=bool(params.get("quiet")), verbose=bool(params.get("verbose")),
                  no_color=bool(params.get("no_color")))


def tool_names(names: list[str] | None, resolved: Resolved) -> tuple[str, ...]:
    if not names:
        chosen = resolved.selected_tools()
        if not chosen:
            raise UsageError("no tools selected: the config file's 'tools' and 'exclude' leave none")
        return chosen
    unknown = [n for n in names if n not in TOOL_NAMES]
    if unknown:
        raise UsageError(f"unknown tool {unknown[0]!r}; known tools: {', '.join(TOOL_NAMES)}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UsageError(f"tool {repeated[0]!r} is named more than once")
    return tuple(n for n in TOOL_NAMES if n in names)


def _environment() -> Any:
    """What every command's children see: our environment without KCR_TOKEN (even for status, logout, doctor)."""
    from kcr_multilogin.proc import child_env
    from kcr_multilogin.stores import Environment

    return Environment(child_env(os.environ, [os.environ.get("KCR_TOKEN", "")]))


def _warm_up_rendering(out: Output) -> None:
    """Import the table renderer in the background while the tools run (rich costs ~50 ms to import)."""
    if not out.json and not out.quiet:
        from kcr_multilogin.background import in_daemon_thread

        in_daemon_thread(lambda: __import__("kcr_multilogin.render"))


def _ca(resolved: Resolved) -> Path | None:
    from kcr_multilogin import prompts

    value = resolved["ca_file"]
    return prompts.check_ca_file(Path(value).expanduser() if value else None)


# ------------------------------------------------------------------------------------------------ commands


def login(names: list[str] | None, params: Params) -> int:
    from kcr_multilogin import prompts
    from kcr_multilogin.inputs import parse_registry, parse_timeout

    resolved = _resolve(params)
    tools = tool_names(names, resolved)
    registry = parse_registry(resolved["registry"])
    timeout = parse_timeout(resolved["timeout"])
    ca_file = _ca(resolved)
    credential = prompts.gather_credential(resolved["credential_type"], resolved["username"], params["password_stdin"])
    redaction.add(credential.token)
    helper = resolved["credential_helper"]
    if helper:
        from kcr_multilogin.helpers import check_helper

        check_helper(helper, _environment())  # before anything changes: a helper that cannot work is exit 2

    # The pre-flight is on the critical path: start it before importing the engine.
    from kcr_multilogin.background import in_daemon_thread
    from kcr_multilogin.registry import TlsOptions, check_credential

    tls = TlsOptions(resolved["tls_verify"], ca_file)
    preflight = None if params["dry_run"] else in_daemon_thread(
        lambda: check_credential(registry, credential.username, credential.token, tls, timeout))
    import http.client  # noqa: F401 - the pre-flight needs it once its handshakes are done: import it meanwhile

    out = _output(params)
    _warm_up_rendering(out)
    from kcr_multilogin import ui
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.login import LoginRequest, run_login

    request = LoginRequest(registry, credential, tools, tls, timeout, params["dry_run"], params["force"],
                           resolved["persist"], helper or None)
    with ui.progress(out, tools, f"kcr-multilogin login · {registry}") as on_row:
        report = run_login(request, _environment(), ADAPTERS, on_row=on_row, preflight=preflight)
    ui.show(report, out)
    return report.exit_code


def status(names: list[str] | None, params: Params) -> int:
    from kcr_multilogin import ui
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.inputs import parse_registry, parse_timeout
    from kcr_multilogin.registry import TlsOptions
    from kcr_multilogin.status import StatusRequest, run_status

    resolved = _resolve(params)
    request = StatusRequest(parse_registry(resolved["registry"]), tool_names(names, resolved),
                            TlsOptions(resolved["tls_verify"], _ca(resolved)), parse_timeout(resolved["timeout"]),
                            params["offline"])
    out = _output(params)
    _warm_up_rendering(out)
    report = run_status(request, _environment(), ADAPTERS)
    ui.show(report, out)
    return report.exit_code


def logout(names: list[str] | None, params: Params) -> int:
    from kcr_multilogin import ui
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.inputs import parse_registry, parse_timeout
    from kcr_multilogin.logout import LogoutRequest, run_logout
    from kcr_multilogin.registry import TlsOptions

    resolved = _resolve(params)
    request = LogoutRequest(parse_registry(resolved["registry"]), tool_names(names, resolved),
                            TlsOptions(resolved["tls_verify"], _ca(resolved)), parse_timeout(resolved["timeout"]),
                            params["forget_helper"])
    out = _output(params)
    _warm_up_rendering(out)
    report = run_logout(request, _environment(), ADAPTERS)
    ui.show(report, out)
    return report.exit_code


def doctor(params: Params) -> int:
    import sys

    from kcr_multilogin import render
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.doctor import run_doctor
    from kcr_multilogin.inputs import parse_registry, parse_timeout
    from kcr_multilogin.registry import TlsOptions
    from kcr_multilogin.shell import detect

    resolved = _resolve(params)
    registry = parse_registry(resolved["registry"])
    timeout = parse_timeout(params["timeout"] if params.get("timeout") is not None else 15.0)
    env = _environment()
    report = run_doctor(registry, TlsOptions(True, _ca(resolved)), env, detect(env.vars, env.platform), ADAPTERS, timeout)
    out = _output(params)
    if out.json:
        render.write_json_doc(report.to_json(), sys.stdout)
    else:
        render.print_doctor(report, out.console())
    return report.exit_code


def env(params: Params) -> int:
    from kcr_multilogin.inputs import parse_registry, validate_username
    from kcr_multilogin.prompts import parse_type
    from kcr_multilogin.shell import detect, shell_named

    resolved = _resolve(params)
    environment = _environment()
    shell = shell_named(params["shell"], environment.vars, environment.platform) if params.get("shell") \
        else detect(environment.vars, environment.platform)
    lines = [f"# kcr-multilogin settings ({shell.name}): add these lines to {shell.startup}",
             shell.set_env("KCR_REGISTRY", parse_registry(resolved["registry"]).key)]
    if resolved["username"]:
        username, kind = validate_username(resolved["username"], parse_type(resolved["credential_type"]))
        lines += [shell.set_env("KCR_USERNAME", username), shell.set_env("KCR_CREDENTIAL_TYPE", kind.value)]
    if resolved["persist"]:
        lines.append(shell.set_env("REGISTRY_AUTH_FILE", str(environment.home / ".config/containers/auth.json")))
    lines.append("# The token is not here on purpose: pipe it with --password-stdin, or type it at the prompt.")
    print("\n".join(lines))
    return 0


def tools(params: Params) -> int:
    import sys

    from kcr_multilogin import render
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.inputs import parse_registry
    from kcr_multilogin.inventory import inventory

    resolved = _resolve(params)
    rows = inventory(parse_registry(resolved["registry"]), _environment(), ADAPTERS)
    out = _output(params)
    if out.json:
        render.write_json_doc({"tools": rows}, sys.stdout)
    else:
        render.print_tools(rows, out.console())
    return 0


def config(params: Params) -> int:
    import sys

    from kcr_multilogin import render

    resolved = settings.resolve({}, params.get("config"))
    doc = {
        "config_file": str(resolved.config_path),
        "config_file_exists": resolved.config_found,
        "settings": {name: {"value": resolved.values[name], "source": resolved.sources[name]} for name in resolved.values},
    }
    if params.get("json"):
        render.write_json_doc(doc, sys.stdout)
    else:
        render.print_config(doc, Output().console())
    return 0
