"""The benchmark harness end to end with tiny settings, so it cannot rot (the numbers themselves live in
BENCHMARKS.md: timing assertions have no place on a shared, noisy machine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.realtools


def test_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    out, raw = tmp_path / "BENCH.md", tmp_path / "raw.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--rounds", "1", "--delay-ms", "2",
                           "--in-place", "--out", str(out), "--json", str(raw)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text()
    for heading in ("## Logging in all five tools", "## Checking that every tool is logged in", "## Start-up"):
        assert heading in text
    data = json.loads(raw.read_text())
    ours, sequential, parallel = data["login"]
    assert ours["name"] == "kcr-multilogin all" and ours["stuck"] == [5] and sequential["stuck"] == [5]
    assert all(len(c["times"]) == 1 and c["times"][0] > 0 for group in data.values() for c in group)
    # The registry saw the pre-flight plus the tools' own requests; status verified once.
    assert ours["requests"][0] <= sequential["requests"][0]
    assert data["status"][0]["requests"] == [1]
