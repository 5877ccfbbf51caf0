"""skopeo: c/image login; exits 1 and reports errors as logrus `level=fatal msg=…` (tool-facts §2)."""

from __future__ import annotations

from kcr_multilogin.adapters._cimage import cimage_adapter

SKOPEO = cimage_adapter("skopeo")
