"""Two renderings of the same records: a rich table for people, a JSON document for scripts."""

from __future__ import annotations

import json
import shlex
import sys
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
# Our own non-ASCII characters, for terminals that cannot encode them (LANG=C, PYTHONIOENCODING=ascii).
_ASCII = str.maketrans({"✓": "ok", "✗": "x", "⏱": "!", "–": "-", "—": "-", "…": "...", "●": "*", "○": "o",
                        "·": "-", "→": "->"})


def _unicode(encoding: str | None) -> bool:
    return (encoding or "utf-8").lower().replace("-", "").startswith("utf")


def fit(text: str, console: Console | None = None) -> str:
    """`text`, transliterated to ASCII when the output cannot encode more."""
    encoding = console.encoding if console is not None else getattr(sys.stdout, "encoding", None)
    return text if _unicode(encoding) else text.translate(_ASCII)


def _glyph(status: str, console: Console) -> tuple[str, str]:
    glyph, style = _STYLE.get(status, ("?", ""))
    return fit(glyph, console), style


_VERIFIED = {True: "yes", False: "no", None: "–"}
OK_STATUSES = {"authenticated", "planned", "logged_out", "not_logged_in", "not_installed"}
NARROW = 80  # below this many columns the table drops Version, Username, Type (Username goes in the title)


def _result(status: str, console: Console) -> Text:
    glyph, style = _glyph(status, console)
    return Text(f"{glyph} {status.replace('_', ' ')}", style=style, no_wrap=True)


def _cell(text: str, console: Console) -> Text:
    return Text(fit(text, console))


def table(report: Report, console: Console) -> Table:
    with_store = report.command not in ("login", "dry-run")
    narrow = console.width < NARROW
    title = f"kcr-multilogin {report.command.split('-')[0]} · {report.registry}"
    if narrow and report.username:
        title += f" · {report.username} ({report.credential_type})"
    t = Table(title=fit(title, console), title_justify="left", expand=False)
    t.add_column("Tool", no_wrap=True)
    if not narrow:
        t.add_column("Version", no_wrap=True)
    longest = max((len(r.status) + 2 for r in report.rows), default=8)
    t.add_column("Status" if with_store else "Result", no_wrap=True, min_width=longest)
    if not narrow:
        t.add_column("Username", overflow="fold")
        t.add_column("Type", no_wrap=True)
    if with_store and not narrow:
        t.add_column("Store", overflow="fold")
    if report.command.startswith("status"):
        t.add_column("Verified", no_wrap=True)
    t.add_column("Detail", overflow="fold", ratio=1)
    home = str(Path.home())
    for row in report.rows:
        cells: list[str | Text] = [row.tool]
        if not narrow:
            cells.append(row.version or "")
        cells.append(_result(row.status, console))
        if not narrow:
            cells += [row.username or "", row.credential_type or ""]
        if with_store and not narrow:
            cells.append((row.store or "").replace(home + "/", "~/"))
        if report.command.startswith("status"):
            cells.append(_VERIFIED[row.verified] if row.installed else "")
        cells.append(_cell(row.detail, console))
        t.add_row(*cells)
    return t


def live_table(title: str, tools: tuple[str, ...], done: dict[str, ToolRow], console: Console) -> Table:
    """The table while the work runs: finished rows as they are, the others still running."""
    t = Table(title=fit(title, console), title_justify="left")
    t.add_column("Tool", no_wrap=True)
    t.add_column("Result", no_wrap=True, min_width=17)
    t.add_column("Detail", overflow="fold", ratio=1)
    for tool in tools:
        row = done.get(tool)
        if row is None:
            t.add_row(tool, Text(fit("… running", console), style="cyan"), "")
        else:
            t.add_row(tool, _result(row.status, console), _cell(row.detail, console))
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
        console.print(_cell(note, console))


def progress_line(row: ToolRow) -> str:
    """One plain line per finished tool, for output that is not a terminal."""
    return fit(f"{row.tool}: {row.status}" + (f" - {row.detail}" if row.detail else ""))


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


def print_tools(rows: list[dict[str, object]], console: Console) -> None:
    t = Table(title="kcr-multilogin tools", title_justify="left")
    for column in ("Tool", "Installed", "Version", "Path", "Store", "Detail"):
        t.add_column(column, overflow="fold")
    for row in rows:
        t.add_row(str(row["tool"]), "yes" if row["installed"] else "no", str(row["version"] or ""),
                  str(row["path"] or ""), str(row["store"]), str(row["detail"]))
    console.print(t)


def print_config(doc: dict[str, object], console: Console) -> None:
    found = "" if doc["config_file_exists"] else " (not present)"
    t = Table(title=f"kcr-multilogin config · {doc['config_file']}{found}", title_justify="left")
    t.add_column("Setting", no_wrap=True)
    t.add_column("Value", overflow="fold")
    t.add_column("From", overflow="fold")
    settings = doc["settings"]
    assert isinstance(settings, dict)
    for name, entry in settings.items():
        value = entry["value"]
        shown = ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
        t.add_row(name, shown, entry["source"])
    console.print(t)
