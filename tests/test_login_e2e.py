"""`all` and `login` end to end: the five real tools against real distribution registries."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CANARY_ORG, ORG, USER
from tests.harness.registry import RunningRegistry, free_port
from tests.harness.sandbox import TOOLS, Sandbox
from tests.helpers import CONTAINERS, alive, containers_writer, doc, login, logins_run, rows

pytestmark = pytest.mark.realtools


def _assert_all_stored(box: Sandbox, host: str, user: str, token: str) -> None:
    """Each store holds the credential, and each containers tool's own read-back names the user."""
    assert box.stored(box.docker_config, host) == (user, token)
    assert box.stored(box.auth_json, host) == (user, token)
    assert box.stored(box.helm_config, host) == (user, token)
    for tool in ("podman", "skopeo", "buildah"):
        out = box.tool(tool, "login", "--get-login", host)
        assert out.returncode == 0 and out.stdout.strip() == user


@pytest.mark.parametrize("registry_name", ["basic_registry", "token_registry"])
def test_all_org_token_from_stdin_logs_every_tool_in(sandbox: Sandbox, registry_name: str, request: pytest.FixtureRequest,
                                                     tokens: dict[str, str]) -> None:
    registry: RunningRegistry = request.getfixturevalue(registry_name)
    result = login(sandbox, registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 0, result.stderr
    document = doc(result)
    assert document["registry"] == registry.host
    assert document["username"] == ORG and document["credential_type"] == "org"
    assert [r["tool"] for r in document["tools"]] == list(TOOLS)
    for row in document["tools"]:
        assert row["status"] == "authenticated", row
        assert row["installed"] is True and row["version"] and row["path"]
        assert row["username"] == ORG and row["credential_type"] == "org"
    _assert_all_stored(sandbox, registry.host, ORG, tokens[ORG])
    # One network login per store: one containers tool writes the shared auth.json, the other two read it back.
    writer = containers_writer(sandbox)
    assert sorted(tool for tool, _ in logins_run(sandbox)) == sorted(["docker", "helm", writer])
    by_tool = rows(result)
    for tool in CONTAINERS:
        if tool != writer:
            assert f"logged in through {writer}" in by_tool[tool]["detail"]


def test_all_user_token_from_env_on_token_registry(sandbox: Sandbox, token_registry: RunningRegistry,
                                                   tokens: dict[str, str]) -> None:
    result = sandbox.run("all", "--registry", token_registry.host, "--ca-file", str(token_registry.ca),
                         env={"KCR_USERNAME": USER, "KCR_TOKEN": tokens[USER]})
    assert result.returncode == 0, result.stdout + result.stderr
    progress = [line for line in result.stdout.splitlines() if line.split(":")[0] in TOOLS]
    assert sorted(line.split(":")[0] for line in progress) == sorted(TOOLS)  # one plain line per tool, as it finished
    assert all(line.split(": ", 1)[1].startswith("authenticated") for line in progress)
    assert "┃ Tool" in result.stdout and "\x1b[" not in result.stdout  # then the table, without colour codes
    _assert_all_stored(sandbox, token_registry.host, USER, tokens[USER])
    # Every tool's environment had KCR_TOKEN scrubbed.
    assert all("KCR_TOKEN" not in r.environ for r in sandbox.recorded())


def test_login_touches_only_the_named_tools(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    result = login(sandbox, basic_registry, USER, tokens[USER], "--json", command="login", tools=("helm", "podman"))
    assert result.returncode == 0, result.stderr
    assert [r["tool"] for r in doc(result)["tools"]] == ["podman", "helm"]
    assert {r.tool for r in sandbox.recorded()} == {"podman", "helm"}
    assert not sandbox.docker_config.exists()
    assert sandbox.stored(sandbox.helm_config, basic_registry.host) == (USER, tokens[USER])


def test_missing_tools_are_rows_not_errors(tmp_path: Path, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    box = Sandbox(tmp_path)
    box.add_tools("skopeo", "helm")
    result = login(box, basic_registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 0, result.stderr
    by_tool = rows(result)
    assert {t for t, r in by_tool.items() if r["status"] == "not_installed"} == {"docker", "podman", "buildah"}
    assert by_tool["docker"]["installed"] is False and by_tool["docker"]["detail"] == "not installed"
    assert by_tool["skopeo"]["status"] == by_tool["helm"]["status"] == "authenticated"


def test_no_tool_installed_exits_4(empty_sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    result = login(empty_sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 4
    assert {r["status"] for r in doc(result)["tools"]} == {"not_installed"}


def test_none_installed_wins_over_a_failing_preflight(empty_sandbox: Sandbox, basic_registry: RunningRegistry) -> None:
    assert login(empty_sandbox, basic_registry, ORG, "wrong-token").returncode == 4


@pytest.mark.parametrize("registry_name", ["basic_registry", "token_registry"])
def test_wrong_token_exits_3_and_touches_no_tool(sandbox: Sandbox, registry_name: str, request: pytest.FixtureRequest) -> None:
    registry: RunningRegistry = request.getfixturevalue(registry_name)
    result = login(sandbox, registry, ORG, "kcro_wrong_token")
    assert result.returncode == 3
    assert "rejected the org token for my-company" in result.stderr
    assert "Authorized IP Addresses" in result.stderr and "No tool was touched" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert logins_run(sandbox) == []
    assert not sandbox.docker_config.exists() and not sandbox.auth_json.exists() and not sandbox.helm_config.exists()


def test_wrong_user_token_message_names_user_scopes(sandbox: Sandbox, basic_registry: RunningRegistry) -> None:
    result = login(sandbox, basic_registry, USER, "kcru_wrong", "--json")
    assert result.returncode == 3
    assert "Read-only access to container registries" in result.stderr
    assert "Authorized IP" not in result.stderr
    document = doc(result)
    assert "rejected" in document["error"]
    assert {r["status"] for r in document["tools"]} == {"failed"}
    assert all(r["detail"].startswith("not attempted") for r in document["tools"])


def test_unreachable_registry_exits_3(sandbox: Sandbox, tokens: dict[str, str]) -> None:
    result = sandbox.run("all", "-u", ORG, "--password-stdin", "--registry", f"127.0.0.1:{free_port()}",
                         input=tokens[ORG])
    assert result.returncode == 3
    assert "cannot reach" in result.stderr and "refused" in result.stderr
    assert logins_run(sandbox) == []


def test_unknown_ca_exits_3_with_the_tls_reason(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    result = sandbox.run("all", "-u", ORG, "--password-stdin", "--registry", basic_registry.host, input=tokens[ORG])
    assert result.returncode == 3
    assert "TLS verification failed" in result.stderr and "--ca-file" in result.stderr
    assert logins_run(sandbox) == []


def test_no_tls_verify_maps_to_each_tools_flag(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    result = sandbox.run("all", "-u", ORG, "--password-stdin", "--registry", basic_registry.host, "--no-tls-verify",
                         "--json", input=tokens[ORG])
    assert result.returncode == 0, result.stderr
    flags = dict(logins_run(sandbox))
    assert "--insecure" in flags["helm"]
    assert "--tls-verify=false" in flags[containers_writer(sandbox)]  # the containers group's one network login


@pytest.mark.parametrize("form", ["https://{host}", "https://{host}/", "HTTPS://{host}/"])
def test_registry_url_forms_are_normalised(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str],
                                           form: str) -> None:
    registry = form.format(host=basic_registry.host)
    result = sandbox.run("login", "docker", "podman", "-u", ORG, "--password-stdin", "--registry", registry,
                         "--ca-file", str(basic_registry.ca), "--json", input=tokens[ORG])
    assert result.returncode == 0, result.stderr
    assert doc(result)["registry"] == basic_registry.host
    assert list(json.loads(sandbox.docker_config.read_text())["auths"]) == [basic_registry.host]


def test_dry_run_touches_and_contacts_nothing(sandbox: Sandbox, basic_registry: RunningRegistry, canary: str) -> None:
    before = basic_registry.mark()
    result = sandbox.run("all", "-u", CANARY_ORG, "--password-stdin", "--registry", basic_registry.host,
                         "--ca-file", str(basic_registry.ca), "--dry-run", "--json", input=canary)
    assert result.returncode == 0, result.stderr
    assert basic_registry.since(before) == []
    assert logins_run(sandbox) == []
    assert list(sandbox.home.rglob("*")) == [] and list(sandbox.runtime.rglob("*")) == []
    for row in doc(result)["tools"]:
        assert row["status"] == "planned"
        assert "--password-stdin" in row["argv"] and row["argv"][-1] == basic_registry.host
    assert canary not in result.stdout + result.stderr
    human = sandbox.run("all", "-u", CANARY_ORG, "--password-stdin", "--registry", basic_registry.host,
                        "--ca-file", str(basic_registry.ca), "--dry-run", input=canary)
    assert "Would run" in human.stdout and "helm registry login" in human.stdout.replace(str(sandbox.bin) + "/", "")
    assert canary not in human.stdout + human.stderr


def test_canary_token_never_reaches_argv_env_or_output(sandbox: Sandbox, token_registry: RunningRegistry, canary: str) -> None:
    encoded = base64.b64encode(f"{CANARY_ORG}:{canary}".encode()).decode()
    outputs = []
    for extra in ((), ("--json",), ("--force", "--json")):
        result = login(sandbox, token_registry, CANARY_ORG, canary, *extra,
                       env={"KCR_TOKEN": canary, "SOME_OTHER_VAR": f"x{canary}x"})
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    recorded = sandbox.recorded()
    assert len(logins_run(sandbox)) >= 3
    for r in recorded:
        assert r.argv and not any(canary in arg or encoded in arg for arg in r.argv), r.argv
        assert not any(canary in v or canary in k for k, v in r.environ.items()), r.tool
        assert "SOME_OTHER_VAR" not in r.environ  # scrubbed: its value holds the token
    for text in outputs:
        assert canary not in text and encoded not in text


def test_failing_tool_gets_its_own_reason_and_the_rest_succeed(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                               tokens: dict[str, str], tmp_path: Path) -> None:
    """A real failure inside the tools: their auth.json sends this registry to a helper that does not exist."""
    sandbox.auth_json.parent.mkdir(parents=True)
    sandbox.auth_json.write_text(json.dumps({"auths": {}, "credHelpers": {basic_registry.host: "nosuch"}}))
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 1
    by_tool = rows(result)
    assert by_tool["docker"]["status"] == by_tool["helm"]["status"] == "authenticated"
    for tool, rc in (("podman", 125), ("skopeo", 1), ("buildah", 125)):
        assert by_tool[tool]["status"] == "failed"
        assert by_tool[tool]["detail"].startswith(f"{tool} exited {rc}: "), by_tool[tool]["detail"]
        assert "docker-credential-nosuch" in by_tool[tool]["detail"]
        assert "the credential helper named in the tool's config is not installed" in by_tool[tool]["detail"]


def test_missing_runtime_dir_is_reported_in_the_rows_without_running_the_tools(
        sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-runtime-dir"
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", env={"XDG_RUNTIME_DIR": str(missing)})
    assert result.returncode == 1
    by_tool = rows(result)
    assert by_tool["docker"]["status"] == by_tool["helm"]["status"] == "authenticated"
    for tool in ("podman", "skopeo", "buildah"):
        assert by_tool[tool]["status"] == "failed"
        assert f"XDG_RUNTIME_DIR={missing} does not exist" in by_tool[tool]["detail"]
        assert "unset XDG_RUNTIME_DIR" in by_tool[tool]["detail"] and "[containers.runtime-dir]" in by_tool[tool]["detail"]
    assert {tool for tool, _ in logins_run(sandbox)} == {"docker", "helm"}


def test_hanging_tool_times_out_alone_and_leaves_no_orphan(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                           tokens: dict[str, str], tmp_path: Path) -> None:
    pidfile = tmp_path / "sleeper.pid"
    sandbox.fake_tool("podman", f"""case "$1" in --version) echo "podman version 4.3.1"; exit 0;; esac
/bin/sleep 300 &
echo $! > {pidfile}
wait
""")
    started = time.monotonic()
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", "--timeout", "3")
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    by_tool = rows(result)
    assert by_tool["podman"]["status"] == "timeout"
    assert "killed" in by_tool["podman"]["detail"]
    assert all(by_tool[t]["status"] == "authenticated" for t in ("docker", "skopeo", "buildah", "helm"))
    assert elapsed < 15
    sleeper = int(pidfile.read_text())
    assert not alive(sleeper)


def test_hanging_version_probe_is_a_failed_row(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    sandbox.fake_tool("docker", "exec /bin/sleep 300\n")
    started = time.monotonic()
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert time.monotonic() - started < 15
    docker = rows(result)["docker"]
    assert docker["status"] == "failed" and docker["installed"] is True and "hung" in docker["detail"]
    assert result.returncode == 1


def test_other_registries_entries_survive(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    others = {f"reg{i:02d}.example.com": {"auth": base64.b64encode(f"u{i}:p{i}".encode()).decode()} for i in range(20)}
    for path in (sandbox.docker_config, sandbox.auth_json, sandbox.helm_config):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"auths": others, "HttpHeaders": {"X-Keep": "me"}}, indent="\t"))
    result = login(sandbox, basic_registry, ORG, tokens[ORG])
    assert result.returncode == 0, result.stdout + result.stderr
    for path in (sandbox.docker_config, sandbox.auth_json, sandbox.helm_config):
        data = json.loads(path.read_text())
        for host, entry in others.items():
            assert data["auths"][host] == entry, (path, host)
        assert basic_registry.host in data["auths"]


def test_corrupt_docker_config_is_never_overwritten(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    # Observed: `docker login` replaces an unparsable config.json, dropping every other entry in it.
    sandbox.docker_config.parent.mkdir(parents=True)
    sandbox.docker_config.write_bytes(b'{"auths": {"other.example": {"auth": "eDp5"}}, "x": [1,')
    before = sandbox.docker_config.read_bytes()
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 1
    docker = rows(result)["docker"]
    assert docker["status"] == "failed"
    assert "not valid JSON" in docker["detail"] and "config.json" in docker["detail"]
    assert sandbox.docker_config.read_bytes() == before
    assert "docker" not in dict(logins_run(sandbox))
    assert rows(result)["helm"]["status"] == "authenticated"


def test_second_run_is_idempotent_and_force_logs_in_again(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                          tokens: dict[str, str]) -> None:
    assert login(sandbox, basic_registry, ORG, tokens[ORG]).returncode == 0
    first = len(logins_run(sandbox))
    again = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert again.returncode == 0
    assert len(logins_run(sandbox)) == first  # nothing logged in again
    assert all(r["detail"].startswith("already logged in") for r in doc(again)["tools"])
    forced = login(sandbox, basic_registry, ORG, tokens[ORG], "--force", "--json")
    assert forced.returncode == 0
    assert first == 3  # docker, helm and one login for the shared containers store
    assert len(logins_run(sandbox)) == first + 5  # --force: every tool runs its own login


def test_token_rotation_replaces_the_stored_token(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    # A still-valid old credential (the user token) must not block logging in with another one.
    assert login(sandbox, basic_registry, USER, tokens[USER]).returncode == 0
    assert login(sandbox, basic_registry, ORG, tokens[ORG]).returncode == 0
    _assert_all_stored(sandbox, basic_registry.host, ORG, tokens[ORG])


def test_ctrl_c_stops_every_child_and_exits_130(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str],
                                                tmp_path: Path) -> None:
    pidfile = tmp_path / "sleeper.pid"
    sandbox.fake_tool("helm", f"""case "$1" in version) echo "v4.1.4+g05fa379"; exit 0;; esac
/bin/sleep 300 &
echo $! > {pidfile}
wait
""")
    proc = subprocess.Popen([sys.executable, "-m", "kcr_multilogin", "all", "-u", ORG, "--password-stdin",
                             "--registry", basic_registry.host, "--ca-file", str(basic_registry.ca)],
                            env=sandbox.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(tokens[ORG].encode() + b"\n")
    proc.stdin.close()
    proc.stdin = None  # so communicate() does not flush it
    deadline = time.monotonic() + 20
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pidfile.exists()
    time.sleep(0.3)
    interrupted_at = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - interrupted_at < 2.5
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"interrupted" in err
    assert not alive(int(pidfile.read_text()))
    assert b"authenticated" in out  # the rows finished so far are shown
    json.loads(sandbox.docker_config.read_text())  # nothing half-written


def test_interactive_prompts_hide_the_token(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    import pexpect

    child = pexpect.spawn(sys.executable, ["-m", "kcr_multilogin", "all", "--registry", basic_registry.host,
                                           "--ca-file", str(basic_registry.ca)],
                          env={**sandbox.env, "COLUMNS": "200"}, timeout=60, encoding="utf-8")
    child.expect("Credential type")
    child.sendline("org")
    child.expect("Organisation subdomain")
    child.sendline("My_Company")  # invalid: asked again
    child.expect("may only hold")
    child.sendline("My-Company")  # upper case folded
    child.expect("API token")
    child.sendline(tokens[ORG])
    child.expect(pexpect.EOF)
    child.close()
    screen = child.before
    assert child.exitstatus == 0, screen
    assert tokens[ORG] not in screen
    final = screen[screen.rindex("kcr-multilogin login ·"):]  # after the live table, the final one
    assert final.count("authenticated") == 5
    assert sandbox.stored(sandbox.docker_config, basic_registry.host) == (ORG, tokens[ORG])


def test_no_token_and_no_terminal_exits_2_at_once(sandbox: Sandbox, basic_registry: RunningRegistry) -> None:
    started = time.monotonic()
    result = sandbox.run("all", "-u", ORG, "--registry", basic_registry.host)
    assert time.monotonic() - started < 10
    assert result.returncode == 2
    assert "--password-stdin" in result.stderr and "KCR_TOKEN" in result.stderr
    assert sandbox.recorded() == []


def test_kcr_token_env_is_used_when_stdin_is_not_given(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                       tokens: dict[str, str]) -> None:
    result = sandbox.run("login", "skopeo", "-u", ORG, "--registry", basic_registry.host, "--ca-file",
                         str(basic_registry.ca), env={"KCR_TOKEN": tokens[ORG]})
    assert result.returncode == 0, result.stderr
    assert sandbox.stored(sandbox.auth_json, basic_registry.host) == (ORG, tokens[ORG])


def test_stdin_wins_over_kcr_token(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    result = login(sandbox, basic_registry, ORG, tokens[ORG], command="login", tools=("helm",),
                   env={"KCR_TOKEN": "some-other-token"})
    assert result.returncode == 0, result.stderr
    assert sandbox.stored(sandbox.helm_config, basic_registry.host) == (ORG, tokens[ORG])


def test_podman_prompt_path_on_a_pty(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    """The pexpect path: real podman asked without --password-stdin answers its own `Password:` prompt."""
    from dataclasses import replace

    from kcr_multilogin.adapters.podman import PODMAN
    from kcr_multilogin.inputs import Credential, CredentialType, parse_registry
    from kcr_multilogin.login import LoginRequest, run_login
    from kcr_multilogin.registry import TlsOptions
    from kcr_multilogin.stores import Environment

    prompt_podman = replace(PODMAN, password_input="prompt")
    request = LoginRequest(parse_registry(basic_registry.host), Credential(ORG, CredentialType.ORG, tokens[ORG]),
                           ("podman",), TlsOptions(True, basic_registry.ca), timeout=30)
    report = run_login(request, Environment(sandbox.env), {"podman": prompt_podman})
    (row,) = report.rows
    assert row.status == "authenticated", row.detail
    assert row.argv is not None and "--password-stdin" not in row.argv
    assert sandbox.stored(sandbox.auth_json, basic_registry.host) == (ORG, tokens[ORG])
    recorded = logins_run(sandbox)
    assert recorded and all(tokens[ORG] not in " ".join(a) for _, a in recorded)


def test_old_docker_without_password_stdin_uses_the_prompt(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                           tokens: dict[str, str], tmp_path: Path) -> None:
    """A docker older than 17.07 lacks --password-stdin: the version probe routes it through the pty path."""
    real = sandbox.bin / "docker"
    real.rename(sandbox.bin / "docker-real")
    sandbox.fake_tool("docker", f"""case "$1" in --version) echo "Docker version 17.03.2-ce, build f5ec1e2"; exit 0;; esac
exec {sandbox.bin / 'docker-real'} "$@"
""")
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", command="login", tools=("docker",))
    assert result.returncode == 0, result.stdout + result.stderr
    row = rows(result)["docker"]
    assert row["status"] == "authenticated" and "--password-stdin" not in row["argv"]
    assert sandbox.stored(sandbox.docker_config, basic_registry.host) == (ORG, tokens[ORG])


def test_ca_file_becomes_cert_dir_and_ca_file_flags(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json", "--force")
    assert result.returncode == 0
    argvs = dict(logins_run(sandbox))
    helm = argvs["helm"]
    assert helm[helm.index("--ca-file") + 1] == str(basic_registry.ca)
    writer = argvs["podman"]  # with --force every tool ran its own login
    cert_dir = Path(writer[writer.index("--cert-dir") + 1])
    assert not cert_dir.exists()  # the private copy is removed afterwards
    docker = rows(result)["docker"]
    assert "loopback" in docker["detail"]  # docker has no CA flag: the row says why it still worked


def test_environment_of_children_is_ours_minus_secrets(sandbox: Sandbox, basic_registry: RunningRegistry, tokens: dict[str, str]) -> None:
    result = login(sandbox, basic_registry, ORG, tokens[ORG], command="login", tools=("docker",),
                   env={"KEEP_ME": "1", "KCR_TOKEN": "unused-because-stdin-wins"})
    assert result.returncode == 0
    (docker,) = [r for r in sandbox.recorded() if r.tool == "docker" and "login" in r.argv]
    assert docker.environ.get("KEEP_ME") == "1" and docker.environ["HOME"] == str(sandbox.home)
    assert "KCR_TOKEN" not in docker.environ  # scrubbed even though it was not the token in use


def test_podman_posing_as_docker_joins_podmans_store(sandbox: Sandbox, basic_registry: RunningRegistry,
                                                    tokens: dict[str, str]) -> None:
    """podman-docker's `docker` writes podman's auth.json: it must be serialised with podman, not run beside it."""
    from tests.harness.sandbox import real_tool

    sandbox.fake_tool("docker", f'echo "Emulate Docker CLI using podman." >&2\nexec {real_tool("podman")} "$@"\n')
    result = login(sandbox, basic_registry, ORG, tokens[ORG], "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    by_tool = rows(result)
    assert by_tool["docker"]["status"] == "authenticated"
    assert by_tool["docker"]["version"] == "4.3.1"
    assert "podman" in by_tool["docker"]["detail"]
    assert not sandbox.docker_config.exists()  # nothing pretended to be in docker's own file
    assert sandbox.stored(sandbox.auth_json, basic_registry.host) == (ORG, tokens[ORG])
