"""Two renderings of the same records: a rich table for people, a JSON document for scripts."""

from __future__ import annotations

import json
import shlex
from typing import IO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kcr_multilogin.results import Report, ToolRow

_STYLE = {
    "authenticated": ("✓", "green"),
    "failed": ("✗", "red"),
    "timeout": ("⏱", "yellow"),
    "not_installed": ("–", "dim"),
    "planned": ("…", "cyan"),
}
_ASCII = {"✓": "ok", "✗": "x", "⏱": "!", "–": "-", "…": ">"}


def _glyph(status: str, console: Console) -> tuple[str, str]:
    glyph, style = _STYLE.get(status, ("?", ""))
    encoding = (console.encoding or "utf-8").lower()
    if not encoding.startswith("utf"):
        glyph = _ASCII.get(glyph, glyph)
    return glyph, style


def table(report: Report, console: Console) -> Table:
    t = Table(title=f"kcr-multilogin · {report.registry}", title_justify="left", expand=False)
    t.add_column("Tool", no_wrap=True)
    t.add_column("Version", no_wrap=True)
    t.add_column("Result", no_wrap=True)
    t.add_column("Username", overflow="fold")
    t.add_column("Type", no_wrap=True)
    t.add_column("Detail", overflow="fold", ratio=1)
    for row in report.rows:
        glyph, style = _glyph(row.status, console)
        t.add_row(
            row.tool,
            row.version or "",
            Text(f"{glyph} {row.status.replace('_', ' ')}", style=style),
            row.username or "",
            row.credential_type or "",
            row.detail,
        )
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
    json.dump(report.to_json(), stream, indent=2)
    stream.write("\n")
