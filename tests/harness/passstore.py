"""A real `pass` store in a sandbox: a throwaway gpg key, `pass init`, and the unpacked helpers on PATH."""

from __future__ import annotations

import subprocess

from tests.harness.sandbox import Sandbox, helper_tools_bin


def helpers_on_path(box: Sandbox, *names: str) -> None:
    """Put docker-credential-* / pass on the sandbox PATH (plus /usr/bin for gpg, tree and pass's coreutils)."""
    for name in names:
        (box.bin / name).symlink_to(helper_tools_bin() / name)
    box.env["PATH"] = f"{box.bin}:/usr/bin:/bin"


def init_pass(box: Sandbox) -> str:
    """A throwaway ed25519 key (fast) and `pass init` in the sandbox HOME; the key's fingerprint."""
    env = {**box.env, "PATH": f"{box.bin}:/usr/bin:/bin"}
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "kcr test <kcr@test.invalid>",
                    "future-default", "default", "never"], env=env, check=True, capture_output=True)
    out = subprocess.run(["gpg", "--list-keys", "--with-colons"], env=env, check=True, capture_output=True, text=True)
    fingerprint = next(line.split(":")[9] for line in out.stdout.splitlines() if line.startswith("fpr"))
    subprocess.run([str(helper_tools_bin() / "pass"), "init", fingerprint], env=env, check=True, capture_output=True)
    return fingerprint


def stop_agent(box: Sandbox) -> None:
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env={**box.env, "PATH": "/usr/bin:/bin"}, capture_output=True)
