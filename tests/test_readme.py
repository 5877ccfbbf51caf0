"""The README's generated parts are current: the troubleshooting table is the doctor's catalogue."""

from __future__ import annotations

from pathlib import Path

from kcr_multilogin import checks

README = Path(__file__).resolve().parent.parent / "README.md"


def test_troubleshooting_section_is_the_check_catalogue() -> None:
    text = README.read_text()
    start = text.index("<!-- troubleshooting -->\n") + len("<!-- troubleshooting -->\n")
    end = text.index("<!-- /troubleshooting -->")
    assert text[start:end] == checks.troubleshooting_markdown()


def test_the_checks_emit_exactly_the_catalogue_ids(tmp_path: Path) -> None:
    from kcr_multilogin.adapters import ADAPTERS
    from kcr_multilogin.detect import Detected
    from kcr_multilogin.doctor import registry_checks
    from kcr_multilogin.inputs import parse_registry
    from kcr_multilogin.registry import CheckResult, TlsOptions
    from kcr_multilogin.shell import shell_named
    from kcr_multilogin.stores import Environment

    env = Environment({"HOME": str(tmp_path), "PATH": str(tmp_path)}, "linux", 1000)
    found = {name: Detected(adapter, f"/usr/bin/{name}", "99.0") for name, adapter in ADAPTERS.items()}
    registry = parse_registry("kcr.io")
    emitted = [c.id for c in checks.local_checks(registry, env, shell_named("bash", {}), found)]
    emitted += [c.id for c in registry_checks(registry, TlsOptions(), CheckResult("ok", "x", server_date=None), found)]
    emitted.append(checks.plaintext_copies(registry, env).id)
    assert len(emitted) == len(set(emitted))
    assert emitted == list(checks.CATALOGUE)
