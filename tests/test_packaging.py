"""The top-level adapters/ directory ships as kcr_multilogin.adapters: build the wheel and import from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_and_imports_the_adapters(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("kcr_multilogin-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for tool in ("docker", "podman", "skopeo", "buildah", "helm"):
        assert f"kcr_multilogin/adapters/{tool}.py" in names
    assert "kcr_multilogin/py.typed" in names
    assert not any(n.startswith(("adapters/", "tests/")) for n in names)
    # -I -S: no site-packages (where the editable checkout lives), no current directory: only the wheel.
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import kcr_multilogin.adapters as a; "
            "print(a.__file__); print(','.join(a.ADAPTERS))")
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(wheel)], capture_output=True, text=True,
                         cwd=tmp_path, check=True).stdout.splitlines()
    assert out[0].startswith(str(wheel))
    assert out[1] == "docker,podman,skopeo,buildah,helm"
