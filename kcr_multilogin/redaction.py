"""The secrets of this run, so that nothing we print — even a crash message — can hold one."""

from __future__ import annotations

_secrets: list[str] = []


def add(secret: str) -> None:
    if secret:
        _secrets.append(secret)


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text
