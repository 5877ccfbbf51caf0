"""How results reach the user: a live table on a terminal, plain lines otherwise, JSON alone with --json.

- terminal: a live table filling in as each tool finishes, replaced by the final table;
- not a terminal: no animation and no colour codes, one plain line per tool as it finishes, then the table;
- `--json`: only the JSON document on stdout (prompts and progress go nowhere near it);
- `-q`: nothing on success; the failing rows, one line each, on stderr; `-v`: each tool's command line (never a
  secret) and its time, after the table.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

    from kcr_multilogin.results import Report, ToolRow


@dataclass(frozen=True)
class Output:
    json: bool = False
    quiet: bool = False
    verbose: bool = False
    no_color: bool = False

    def console(self, stream: TextIO | None = None) -> Console:
        from rich.console import Console

        return Console(file=stream or sys.stdout, no_color=self.no_color or None, highlight=False,
                       soft_wrap=False, emoji=False)


@contextlib.contextmanager
def progress(out: Output, tools: tuple[str, ...], title: str) -> Iterator[Callable[[ToolRow], None]]:
    """A callback for each finished row, live while the work runs."""
    if out.json or out.quiet:
        yield lambda row: None
        return
    console = out.console()
    if not console.is_terminal:
        lock = threading.Lock()

        def line(row: ToolRow) -> None:
            from kcr_multilogin.render import progress_line

            with lock:
                print(progress_line(row), flush=True)

        yield line
        return
    from rich.live import Live

    from kcr_multilogin import render

    done: dict[str, ToolRow] = {}
    lock = threading.Lock()
    with Live(render.live_table(title, tools, done, console), console=console, transient=True,
              refresh_per_second=12) as live:

        def update(row: ToolRow) -> None:
            with lock:
                done[row.tool] = row
                live.update(render.live_table(title, tools, done, console))

        yield update


def show(report: Report, out: Output) -> None:
    from kcr_multilogin import render

    if report.error:
        print(f"kcr-multilogin: {report.error}", file=sys.stderr)
    if out.json:
        render.write_json(report, sys.stdout)
    elif out.quiet:
        for row in report.rows:
            if row.installed and row.status not in render.OK_STATUSES:
                print(f"kcr-multilogin: {render.progress_line(row)}", file=sys.stderr)
    elif not report.error:
        console = out.console()
        render.print_report(report, console)
        if out.verbose:
            for row in report.rows:
                if row.argv:
                    took = f" ({row.elapsed * 1000:.0f} ms)" if row.elapsed is not None else ""
                    console.print(f"{row.tool}{took}: {shlex.join(row.argv)}", soft_wrap=True, markup=False)
    if report.interrupted:
        print("kcr-multilogin: interrupted; every child process was stopped", file=sys.stderr)
