"""The user's shell (shellingham), so every fix is phrased in its syntax and names its startup file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Shell:
    name: str  # bash, zsh, fish, powershell, csh, sh
    startup: str  # the file a user adds lines to, as they would type it

    def _quote(self, value: str) -> str:
        if self.name == "powershell":
            return "'" + value.replace("'", "''") + "'"
        if self.name == "fish":
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return "'" + value.replace("'", "'\\''") + "'"

    def set_env(self, name: str, value: str) -> str:
        if self.name == "fish":
            return f"set -gx {name} {self._quote(value)}"
        if self.name == "powershell":
            return f"$env:{name} = {self._quote(value)}"
        if self.name == "csh":
            return f"setenv {name} {self._quote(value)}"
        return f"export {name}={self._quote(value)}"

    def unset_env(self, name: str) -> str:
        if self.name == "fish":
            return f"set -e {name}"
        if self.name == "powershell":
            return f"Remove-Item Env:{name}"
        if self.name == "csh":
            return f"unsetenv {name}"
        return f"unset {name}"

    def persist(self, line: str) -> str:
        """The instruction to make a setting permanent."""
        return f"add `{line}` to {self.startup}"


_FAMILIES = {"bash": "bash", "zsh": "zsh", "fish": "fish", "pwsh": "powershell", "powershell": "powershell",
             "tcsh": "csh", "csh": "csh", "sh": "sh", "dash": "sh", "ksh": "sh", "mksh": "sh", "ash": "sh"}


def shell_named(name: str, env: Mapping[str, str], platform: str = "linux") -> Shell:
    family = _FAMILIES.get(name.lower().removesuffix(".exe"), "sh")
    if family == "bash":
        # macOS Terminal starts login shells, which read ~/.bash_profile, not ~/.bashrc.
        return Shell("bash", "~/.bash_profile" if platform == "darwin" else "~/.bashrc")
    if family == "zsh":
        zdotdir = env.get("ZDOTDIR")
        return Shell("zsh", f"{zdotdir}/.zshrc" if zdotdir else "~/.zshrc")
    if family == "fish":
        config = env.get("XDG_CONFIG_HOME")
        return Shell("fish", f"{config}/fish/config.fish" if config else "~/.config/fish/config.fish")
    if family == "powershell":
        return Shell("powershell", "$PROFILE")
    if family == "csh":
        return Shell("csh", "~/.tcshrc" if name.startswith("tcsh") else "~/.cshrc")
    return Shell("sh", "~/.profile")


def detect(env: Mapping[str, str], platform: str = "linux") -> Shell:
    """The shell that started us (shellingham walks the parent processes), else $SHELL, else sh/PowerShell."""
    try:
        import shellingham

        name, _ = shellingham.detect_shell()
    except Exception:  # noqa: BLE001 - shellingham raises its own ShellDetectionFailure, or fails on odd /proc
        name = Path(env.get("SHELL", "")).name or ("powershell" if platform == "win32" else "sh")
    return shell_named(name, env, platform)

