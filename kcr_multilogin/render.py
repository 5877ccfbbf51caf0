"""Two renderings of the same records: a rich table for people, a JSON document for scripts."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import IO, TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kcr_multilogin.results import Report, ToolRow

if TYPE_CHECKING:
    from kcr_multilogin.doctor import DoctorReport

_STYLE = {
    "authenticated": ("✓", "green"),
    "logged_out": ("✓", "green"),
    "stored": ("●", "yellow"),
    "failed": ("✗", "red"),
    "error": ("✗", "red"),
    "rejected": ("✗", "red"),
    "still_authenticated": ("✗", "red"),
    "timeout": ("⏱", "yellow"),
    "not_logged_in": ("○", "dim"),
    "not_installed": ("–", "dim"),
    "planned": ("…", "cyan"),
}
_ASCII = {"✓": "ok", "✗": "x", "⏱": "!", "–": "-", "…": ">", "●": "*", "○": "o"}


def _glyph(status: str, console: Console) -> tuple[str, str]:
    glyph, style = _STYLE.get(status, ("?", ""))
    encoding = (console.encoding or "utf-8").lower()
    if not encoding.startswith("utf"):
        glyph = _ASCII.get(glyph, glyph)
    return glyph, style


_VERIFIED = {True: "yes", False: "no", None: "–"}


def table(report: Report, console: Console) -> Table:
    with_store = report.command not in ("login", "dry-run")
    t = Table(title=f"kcr-multilogin {report.command.split('-')[0]} · {report.registry}", title_justify="left", expand=False)
    t.add_column("Tool", no_wrap=True)
    t.add_column("Version", no_wrap=True)
    t.add_column("Status" if with_store else "Result", no_wrap=True)
    t.add_column("Username", overflow="fold")
    t.add_column("Type", no_wrap=True)
    if with_store:
        t.add_column("Store", overflow="fold")
    if report.command.startswith("status"):
        t.add_column("Verified", no_wrap=True)
    t.add_column("Detail", overflow="fold", ratio=1)
    home = str(Path.home())
    for row in report.rows:
        glyph, style = _glyph(row.status, console)
        cells: list[str | Text] = [row.tool, row.version or "",
                                   Text(f"{glyph} {row.status.replace('_', ' ')}", style=style),
                                   row.username or "", row.credential_type or ""]
        if with_store:
            cells.append((row.store or "").replace(home + "/", "~/"))
        if report.command.startswith("status"):
            cells.append(_VERIFIED[row.verified] if row.installed else "")
        cells.append(row.detail)
        t.add_row(*cells)
    return t


def print_report(report: Report, console: Console) -> None:
    console.print(table(report, console))
    if report.command == "dry-run":
        planned = [row for row in report.rows if row.argv]
        if planned:
            console.print("Would run (the token goes to each tool's stdin):")
            for row in planned:
                console.print(Text("  " + shlex.join(row.argv or ())), soft_wrap=True)
    for note in report.notes:
        console.print(Text(note))


def progress_line(row: ToolRow) -> str:
    """One plain line per finished tool, for output that is not a terminal."""
    return f"{row.tool}: {row.status}" + (f" - {row.detail}" if row.detail else "")


def write_json(report: Report, stream: IO[str]) -> None:
    write_json_doc(report.to_json(), stream)


def write_json_doc(doc: object, stream: IO[str]) -> None:
    json.dump(doc, stream, indent=2)
    stream.write("\n")


_LEVEL = {"ok": ("ok", "green"), "warn": ("warn", "yellow"), "fail": ("FAIL", "bold red")}


def print_doctor(report: DoctorReport, console: Console) -> None:
    console.print(Text(f"kcr-multilogin doctor · {report.registry} · shell: {report.shell}", style="bold"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold", ratio=1)
    for check in report.checks:
        label, style = _LEVEL[check.level]
        text = Text(check.summary)
        if check.level != "ok" and check.fix:
            text.append("\nfix: ", style="bold")
            text.append(check.fix)
        grid.add_row(Text(label, style=style), check.id, text)
    console.print(grid)
    fails = sum(c.level == "fail" for c in report.checks)
    warns = sum(c.level == "warn" for c in report.checks)
    console.print(Text(f"{fails} failing, {warns} warning(s), {len(report.checks) - fails - warns} ok"))
