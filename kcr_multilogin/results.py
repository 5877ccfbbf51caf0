"""Result records returned by the core, and the exit-code table (the only place exit codes are decided)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# Exit codes (README "Exit codes").
OK = 0
FAILED = 1
USAGE = 2
PREFLIGHT = 3
NONE_INSTALLED = 4
INTERRUPTED = 130

# Row statuses. login: authenticated, failed, timeout, not_installed, planned (dry-run).
AUTHENTICATED = "authenticated"
FAILED_STATUS = "failed"
TIMEOUT = "timeout"
NOT_INSTALLED = "not_installed"
PLANNED = "planned"
# status: authenticated, stored, rejected, not_logged_in, not_installed, error.
STORED = "stored"
REJECTED = "rejected"
NOT_LOGGED_IN = "not_logged_in"
ERROR = "error"
# logout: logged_out, not_logged_in, still_authenticated, failed, not_installed.
LOGGED_OUT = "logged_out"
STILL_AUTHENTICATED = "still_authenticated"

# Per command, the row statuses that count as success (exit 0 when every installed row has one).
_SUCCESS = {
    "login": {AUTHENTICATED},
    "dry-run": {PLANNED},
    "status": {AUTHENTICATED},
    "status-offline": {AUTHENTICATED, STORED},
    "logout": {LOGGED_OUT, NOT_LOGGED_IN},
}


@dataclass(frozen=True)
class ToolRow:
    tool: str
    installed: bool
    path: str | None = None
    version: str | None = None
    status: str = FAILED_STATUS
    username: str | None = None
    credential_type: str | None = None
    detail: str = ""
    argv: tuple[str, ...] | None = None  # the login command run (or planned); never holds a secret
    elapsed: float | None = None
    store: str | None = None  # where the tool's credential lives (status, logout)
    verified: bool | None = None  # the registry accepted (True) or refused (False) it; None: not checked

    def with_(self, **changes: Any) -> ToolRow:
        return replace(self, **changes)

    def to_json(self, command: str) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "tool": self.tool,
            "installed": self.installed,
            "path": self.path,
            "version": self.version,
            "status": self.status,
            "username": self.username,
            "credential_type": self.credential_type,
        }
        if command in ("login", "dry-run"):
            doc["detail"] = self.detail
            doc["argv"] = list(self.argv) if self.argv is not None else None
        else:
            doc["store"] = self.store
            doc["verified"] = self.verified
            doc["detail"] = self.detail
        return doc


@dataclass(frozen=True)
class Report:
    command: str  # a key of _SUCCESS
    registry: str
    username: str | None
    credential_type: str | None
    rows: tuple[ToolRow, ...]
    error: str | None = None  # pre-flight failure: the whole run stopped before any tool
    preflight_failed: bool = False
    interrupted: bool = False
    notes: tuple[str, ...] = field(default=())
    warnings: tuple[dict[str, str], ...] = field(default=())  # doctor checks at level warn, for login
    plaintext: tuple[str, ...] | None = None  # status: the files holding the token in plain text

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "registry": self.registry,
            "username": self.username,
            "credential_type": self.credential_type,
            "tools": [row.to_json(self.command) for row in self.rows],
        }
        if self.command in ("login", "dry-run"):
            doc["warnings"] = list(self.warnings)
        if self.plaintext is not None:
            doc["plaintext_copies"] = {"count": len(self.plaintext), "files": list(self.plaintext)}
        if self.error is not None:
            doc["error"] = self.error
        return doc

    @property
    def exit_code(self) -> int:
        """When several apply, the first of 2 (decided in the CLI), 4, 3, 1 wins; Ctrl-C is 130."""
        if self.interrupted:
            return INTERRUPTED
        installed = [row for row in self.rows if row.installed]
        if not installed:
            return NONE_INSTALLED
        if self.preflight_failed:
            return PREFLIGHT
        if any(row.status not in _SUCCESS[self.command] for row in installed):
            return FAILED
        return OK
