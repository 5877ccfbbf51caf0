"""Benchmark kcr-multilogin against doing it by hand, side by side in one run, behind a latency proxy.

    .venv/bin/python benchmarks/bench.py [--delay-ms 40] [--rounds 7] [--out BENCHMARKS.md]

The real registry (as in the tests) sits behind a loopback proxy that delays every chunk by --delay-ms each way
(40 ms = an 80 ms round trip). Contenders alternate within each round, each timed from a fresh HOME; the table
reports medians and min–max, and the registry requests each made (from its access log).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.latency_proxy import LatencyProxy  # noqa: E402
from tests.harness.certs import make_pki  # noqa: E402
from tests.harness.registry import RunningRegistry, htpasswd_auth, htpasswd_file, start_registry  # noqa: E402
from tests.harness.sandbox import TOOLS, Sandbox  # noqa: E402

USER = "my-company"
BASH = shutil.which("bash") or "/bin/bash"


def install(work: Path) -> Path:
    """Build the wheel and install it into a fresh venv, as a user would (`pip install .`): the benchmark measures
    that, not the editable development install (whose import hook adds ~15 ms to every start)."""
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)], check=True,
                   capture_output=True)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(dist.glob("kcr_multilogin-*.whl"))
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(wheel)], check=True)
    return venv / "bin"


@dataclass
class Contender:
    name: str
    script: str  # bash, run with TOKEN, HOST, CA, CERTDIR in the environment
    times: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    stuck: list[int] = field(default_factory=list)  # logins that were really stored afterwards (out of 5)


def manual_login(tool: str) -> str:
    if tool == "docker":
        return 'printf %s "$TOKEN" | docker login -u "$USER" --password-stdin "$HOST" >/dev/null 2>&1'
    if tool == "helm":
        return 'printf %s "$TOKEN" | helm registry login "$HOST" -u "$USER" --password-stdin --ca-file "$CA" >/dev/null 2>&1'
    return f'printf %s "$TOKEN" | {tool} login -u "$USER" --password-stdin --cert-dir "$CERTDIR" "$HOST" >/dev/null'


LOGIN_CONTENDERS = [
    Contender("kcr-multilogin all", 'printf %s "$TOKEN" | "$KCR" all -u "$USER" --password-stdin --registry "$HOST" '
                                    '--ca-file "$CA" >/dev/null'),
    Contender("manual, five logins one after another", "\n".join(manual_login(t) for t in TOOLS)),
    Contender("manual, five logins in parallel (& … wait)", "\n".join(manual_login(t) + " &" for t in TOOLS) + "\nwait"),
]

STATUS_CONTENDERS = [
    Contender("kcr-multilogin status (live verification)", '"$KCR" status --registry "$HOST" --ca-file "$CA" >/dev/null'),
    Contender("by hand: 3× --get-login, read 2 files, 5× curl /v2/", "\n".join(
        [f'{t} login --get-login "$HOST" >/dev/null' for t in ("podman", "skopeo", "buildah")]
        + ['cat "$HOME/.docker/config.json" "$HOME/.config/helm/registry/config.json" >/dev/null']
        + ['curl -s -o /dev/null -u "$USER:$TOKEN" --cacert "$CA" "https://$HOST/v2/"'] * 5)),
]

STARTUP_CONTENDERS = [
    Contender("kcr-multilogin --help", '"$KCR" --help >/dev/null'),
    Contender("kcr-multilogin --version", '"$KCR" --version >/dev/null'),
    Contender("python -c pass (same venv)", '"$PYTHON" -c pass'),
]


class Bench:
    def __init__(self, delay: float, work: Path, in_place: bool = False):
        self.work = work
        self.token = "kcro_" + secrets.token_hex(16)
        self.pki = make_pki(work / "pki")
        self.registry: RunningRegistry = start_registry(
            work / "registry", name="bench", cert=self.pki.server_cert, key=self.pki.server_key, ca=self.pki.ca_cert,
            auth_yaml=htpasswd_auth(htpasswd_file(work / "htpasswd", {USER: self.token})))
        self.proxy = LatencyProxy(self.registry.port, delay)
        self.certdir = work / "certdir"
        self.certdir.mkdir()
        shutil.copy(self.pki.ca_cert, self.certdir / "ca.crt")
        self.boxes = 0
        self.bin = Path(sys.executable).parent if in_place else install(work)

    def close(self) -> None:
        self.proxy.close()
        self.registry.stop()

    def box(self) -> Sandbox:
        self.boxes += 1
        box = Sandbox(self.work / f"box{self.boxes}")
        box.add_tools(record=False)
        (box.bin / "curl").symlink_to(shutil.which("curl") or "/usr/bin/curl")
        (box.bin / "cat").symlink_to(shutil.which("cat") or "/bin/cat")
        return box

    def env(self, box: Sandbox) -> dict[str, str]:
        return {**box.env, "TOKEN": self.token, "USER": USER, "HOST": self.proxy.host, "CA": str(self.pki.ca_cert),
                "CERTDIR": str(self.certdir), "KCR": str(self.bin / "kcr-multilogin"), "PYTHON": str(self.bin / "python")}

    def run(self, contender: Contender, box: Sandbox) -> None:
        mark = self.registry.mark()
        started = time.perf_counter()
        done = subprocess.run([BASH, "-c", contender.script], env=self.env(box), capture_output=True)
        contender.times.append(time.perf_counter() - started)
        contender.requests.append(len(self.registry.since(mark)))
        if done.returncode != 0 and "parallel" not in contender.name:
            raise RuntimeError(f"{contender.name} failed: {done.stderr.decode()[-500:]}")

    def logged_in(self, box: Sandbox) -> int:
        """How many of the five tools really hold the login afterwards."""
        count = sum(box.stored(path, self.proxy.host) == (USER, self.token) for path in (box.docker_config, box.helm_config))
        for tool in ("podman", "skopeo", "buildah"):
            out = box.tool(tool, "login", "--get-login", self.proxy.host)
            count += out.returncode == 0 and out.stdout.strip() == USER
        return count


def rotate(items: list[Contender], by: int) -> list[Contender]:
    by %= len(items)
    return items[by:] + items[:by]


def measure(delay_ms: float, rounds: int, work: Path, in_place: bool = False) -> dict[str, list[Contender]]:
    for group in (LOGIN_CONTENDERS, STATUS_CONTENDERS, STARTUP_CONTENDERS):
        for contender in group:
            contender.times.clear()
            contender.requests.clear()
            contender.stuck.clear()
    bench = Bench(delay_ms / 1000, work, in_place)
    try:
        for r in range(rounds):
            for contender in rotate(LOGIN_CONTENDERS, r):
                box = bench.box()
                bench.run(contender, box)
                contender.stuck.append(bench.logged_in(box))
            status_box = bench.box()
            subprocess.run([str(bench.bin / "kcr-multilogin"), "all", "-u", USER, "--password-stdin", "--registry",
                            bench.proxy.host, "--ca-file", str(bench.pki.ca_cert)], input=bench.token.encode(),
                           env=status_box.env, check=True, capture_output=True)
            for contender in rotate(STATUS_CONTENDERS, r):
                bench.run(contender, status_box)
            for contender in rotate(STARTUP_CONTENDERS, r):
                bench.run(contender, status_box)
    finally:
        bench.close()
    return {"login": LOGIN_CONTENDERS, "status": STATUS_CONTENDERS, "startup": STARTUP_CONTENDERS}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _row(c: Contender, extra: str = "") -> str:
    median = statistics.median(c.times)
    spread = f"{_ms(min(c.times))} – {_ms(max(c.times))}"
    requests = f"{statistics.median(c.requests):.0f}" if c.requests else "–"
    return f"| {c.name} | **{_ms(median)}** | {spread} | {requests} |{extra}"


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else "?"
    versions = []
    for tool, args in (("docker", ["--version"]), ("podman", ["--version"]), ("skopeo", ["--version"]),
                       ("buildah", ["--version"]), ("helm", ["version", "--short"])):
        out = subprocess.run([tool, *args], capture_output=True, text=True).stdout.strip().splitlines()
        versions.append(out[0] if out else f"{tool} ?")
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}; "
            + "; ".join(versions))


def report(results: dict[str, list[Contender]], delay_ms: float, rounds: int) -> tuple[str, dict[str, bool]]:
    ours, seq, par = results["login"]
    st_ours, st_hand = results["status"]
    helpc, versionc, pythonc = results["startup"]
    med = {c.name: statistics.median(c.times) for group in results.values() for c in group}
    targets = {
        "all ≤ 0.40 × sequential": med[ours.name] <= 0.40 * med[seq.name],
        "all within 0.35 s of the parallel shell": med[ours.name] - med[par.name] <= 0.35,
        "status ≤ 0.6 s": med[st_ours.name] <= 0.6,
        "--help ≤ 0.20 s": med[helpc.name] <= 0.20,
        "--version ≤ 0.15 s": med[versionc.name] <= 0.15,
    }
    mark = {True: "met", False: "**missed**"}
    lines = [
        "# Benchmarks",
        "",
        f"Reproduce: `.venv/bin/python benchmarks/bench.py --delay-ms {delay_ms:g} --rounds {rounds}` "
        "(after `./scripts/test` has installed the tools). Written by that command; do not edit by hand.",
        "",
        f"- Machine: {machine()}",
        f"- Network: the real registry behind a loopback latency proxy, {delay_ms:g} ms each way "
        f"({2 * delay_ms:g} ms round trip); TLS with the test CA; htpasswd Basic auth.",
        f"- Method: {rounds} rounds; in each round the contenders run in rotated order, every login contender from a "
        "fresh HOME/XDG_RUNTIME_DIR; wall time of the whole command; median and min–max. Requests: lines in the "
        "registry's access log during the command (median). kcr-multilogin is the wheel built from this checkout, "
        "installed into a fresh venv (as `pip install .` does); `python -c pass` is that venv's interpreter.",
        "",
        "## Logging in all five tools",
        "",
        "| contender | median | min – max | requests | logins that stuck (of 5, worst round) |",
        "|---|---|---|---|---|",
        *(_row(c, f" {min(c.stuck)} |") for c in results["login"]),
        "",
        f"- `all` / sequential: **{med[ours.name] / med[seq.name]:.2f}** (target ≤ 0.40: {mark[targets['all ≤ 0.40 × sequential']]})",
        f"- `all` − parallel shell: **{(med[ours.name] - med[par.name]) * 1000:+.0f} ms** (target ≤ +350 ms: "
        f"{mark[targets['all within 0.35 s of the parallel shell']]}) — and the parallel shell lost logins in "
        f"{sum(s < 5 for s in par.stuck)} of {len(par.stuck)} rounds.",
        "",
        "## Checking that every tool is logged in",
        "",
        "| contender | median | min – max | requests |",
        "|---|---|---|---|",
        *(_row(c) for c in results["status"]),
        "",
        f"- `status` with live verification: target ≤ 0.6 s: {mark[targets['status ≤ 0.6 s']]}. By hand proves only "
        "that the registry accepts the token you typed, not what each tool has stored.",
        "",
        "## Start-up",
        "",
        "| contender | median | min – max | requests |",
        "|---|---|---|---|",
        *(_row(c) for c in results["startup"]),
        "",
        f"- `--help` ≤ 0.20 s: {mark[targets['--help ≤ 0.20 s']]}; `--version` ≤ 0.15 s: {mark[targets['--version ≤ 0.15 s']]}.",
        "",
        "## Where the time of `all` goes, and what is left",
        "",
        f"The critical path of `all` is: interpreter and imports (≈ {_ms(med[versionc.name])}, the `--version` row) → "
        f"the pre-flight, which must finish before any tool logs in: TCP connect, TLS 1.3 handshake and one request "
        f"= 3 round trips = **{3 * 2 * delay_ms:g} ms at this delay, by protocol** (the credential travels with the "
        "first request, so a Basic registry answers at once) → the slowest tool's own login (the same processes the "
        "parallel shell runs; the tools are detected and probed while the pre-flight is in flight) → the "
        "`--get-login` read-backs of the containers tools (run in parallel, ~40–50 ms for podman) → the table.",
        "",
        f"So `all` cannot come closer to the naive parallel shell than about {3 * 2 * delay_ms:g} ms + start-up + "
        "read-back, and the +350 ms target leaves ~"
        f"{max(0.0, 350 - 3 * 2 * delay_ms):g} ms for everything that is not the pre-flight. What is left is measured "
        "above. Closing it would take a pre-flight that costs fewer round trips (TLS 0-RTT/session resumption needs a "
        "ticket from an earlier connection, which a fresh process does not have), a resident process, or letting "
        "the tools start before the credential is known to work — which the pre-flight exists to prevent (a wrong "
        "token must touch no tool). The parallel shell is fast because it checks nothing: no pre-flight, no "
        "read-back, and three unlocked writers of one auth.json at once — harmless here, where all three write the "
        "same registry, but tool-facts §4 measured them losing entries when they write different ones.",
        "",
    ]
    return "\n".join(lines), targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay-ms", type=float, default=40)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    parser.add_argument("--in-place", action="store_true",
                        help="use this interpreter's installation instead of a fresh wheel install (for the harness test)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kcr-bench-"))
    try:
        results = measure(args.delay_ms, args.rounds, work, args.in_place)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text, targets = report(results, args.delay_ms, args.rounds)
    args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({k: [{"name": c.name, "times": c.times, "requests": c.requests, "stuck": c.stuck}
                                             for c in v] for k, v in results.items()}, indent=2))
    print(text)
    print("targets:", ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in targets.items()))


if __name__ == "__main__":
    main()
