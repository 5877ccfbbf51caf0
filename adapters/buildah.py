"""buildah: c/image login, same flags and auth.json as podman; exits 125 on failure (tool-facts §2)."""

from __future__ import annotations

from kcr_multilogin.adapters._cimage import cimage_adapter

BUILDAH = cimage_adapter("buildah")
