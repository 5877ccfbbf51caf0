"""Regenerate the README's sample output from a real run: the test registry on 127.0.0.1:5443, the real tools.

    .venv/bin/python scripts/samples.py [OUTDIR]

Each sample is a real `--json` run in a throwaway sandbox; only the sandbox's path prefixes are rewritten to the
paths a user would see (`~`, `/run/user/1000`), then the program's own renderer draws the table at 120 columns.
Writes one text file per sample into OUTDIR (default: docs/samples), the README's pictures (docs/*.svg, exported
by rich), and replaces the code block after each `<!-- sample: NAME -->` marker in README.md with the text.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kcr_multilogin import render  # noqa: E402
from kcr_multilogin.results import Report, ToolRow  # noqa: E402
from tests.harness.certs import make_pki  # noqa: E402
from tests.harness.registry import htpasswd_auth, htpasswd_file, start_registry  # noqa: E402
from tests.harness.sandbox import Sandbox  # noqa: E402

COMMANDS = {"all": "login", "status": "status", "logout": "logout"}
PICTURES = {"login": "kcr-multilogin all", "status": "kcr-multilogin status"}

TOKEN = "kcro_sample_token_0123456789"


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "samples"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kcr-samples-"))
    pki = make_pki(work / "pki")
    registry = start_registry(work / "registry", name="samples", cert=pki.server_cert, key=pki.server_key,
                              ca=pki.ca_cert, auth_yaml=htpasswd_auth(htpasswd_file(work / "htpasswd", {"my-company": TOKEN})),
                              port=5443)
    try:
        box = Sandbox(work / "box")
        box.add_tools(record=False)
        box.env["COLUMNS"] = "120"
        common = ("--registry", registry.host, "--ca-file", str(pki.ca_cert))

        def sample(name: str, *args: str, stdin: str | None = None) -> None:
            result = box.run(*args, *common, "--json", input=stdin)
            text = (result.stdout.replace(str(box.runtime), "/run/user/1000").replace(str(box.home), "~")
                    .replace(str(pki.ca_cert), "ca.pem").replace(str(box.bin) + "/", "/usr/bin/"))
            doc = json.loads(text)
            command = "dry-run" if "--dry-run" in args else COMMANDS[args[0]]
            rows = tuple(ToolRow(**{k: (tuple(v) if k == "argv" and v else v) for k, v in row.items()})
                         for row in doc["tools"])
            report = Report(command, doc["registry"], doc["username"], doc["credential_type"], rows)
            console = Console(width=120, record=True, file=open("/dev/null", "w"), color_system="truecolor",
                              force_terminal=True)
            render.print_report(report, console)
            if name in PICTURES:
                console.save_svg(str(ROOT / "docs" / f"{name}.svg"), title=PICTURES[name], clear=False)
            text = console.export_text()
            (out / f"{name}.txt").write_text("\n".join(line.rstrip() for line in text.splitlines()) + "\n")
            print(f"{name}: exit {result.returncode}")

        login = ("all", "-u", "my-company", "--password-stdin")
        sample("dry-run", *login, "--dry-run", stdin=TOKEN)
        sample("login", *login, stdin=TOKEN)
        sample("login-again", *login, stdin=TOKEN)
        sample("status", "status")
        doctor = box.run("doctor", *common)
        (out / "doctor.txt").write_text(doctor.stdout.replace(str(box.runtime), "/run/user/1000")
                                        .replace(str(box.home), "~").replace(str(pki.ca_cert), "ca.pem"))
        sample("logout-podman", "logout", "podman")
        sample("logout", "logout")
    finally:
        registry.stop()
        shutil.rmtree(work, ignore_errors=True)
    splice_readme(out)


def splice_readme(samples: Path) -> None:
    from kcr_multilogin.checks import troubleshooting_markdown

    readme = ROOT / "README.md"
    text = readme.read_text()
    start = text.index("<!-- troubleshooting -->\n") + len("<!-- troubleshooting -->\n")
    text = text[:start] + troubleshooting_markdown() + text[text.index("<!-- /troubleshooting -->"):]
    for sample in sorted(samples.glob("*.txt")):
        marker = f"<!-- sample: {sample.stem} -->\n```\n"
        start = text.find(marker)
        if start < 0:
            continue
        body_start = start + len(marker)
        end = text.index("```\n", body_start)
        text = text[:body_start] + sample.read_text() + text[end:]
    readme.write_text(text)


if __name__ == "__main__":
    main()
