"""The supported tools, in the order the table shows them. Adding a tool: one file here and one line below."""

from __future__ import annotations

from kcr_multilogin.adapter import Adapter
from kcr_multilogin.adapters.buildah import BUILDAH
from kcr_multilogin.adapters.docker import DOCKER
from kcr_multilogin.adapters.helm import HELM
from kcr_multilogin.adapters.podman import PODMAN
from kcr_multilogin.adapters.skopeo import SKOPEO

ADAPTERS: dict[str, Adapter] = {
    "docker": DOCKER,
    "podman": PODMAN,
    "skopeo": SKOPEO,
    "buildah": BUILDAH,
    "helm": HELM,
}
