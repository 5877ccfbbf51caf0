"""podman: c/image login; exits 125 on failure, `Error: <msg>` on stderr (tool-facts §2)."""

from __future__ import annotations

from kcr_multilogin.adapters._cimage import cimage_adapter

PODMAN = cimage_adapter("podman")
