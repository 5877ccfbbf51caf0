"""Inter-process locks per credential store.

The tools do unlocked read-modify-writes of their credential files; concurrent logins into one file silently lose
entries (tool-facts §4: 30/30 rounds for docker, 13/120 for the containers tools). Within one run we serialise
logins that share a store; these locks extend that to several kcr-multilogin runs at once. Keys are always taken in
sorted order, so two runs cannot deadlock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks here; runs are serialised within one process only
    fcntl = None  # type: ignore[assignment]


class LockTimeout(Exception):
    pass


def _lock_dir() -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else 0
    directory = Path(tempfile.gettempdir()) / f"kcr-multilogin-{uid}"
    directory.mkdir(mode=0o700, exist_ok=True)
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != uid):
        raise OSError(f"{directory} is not a directory owned by this user")
    return directory


@contextlib.contextmanager
def store_locks(keys: Iterable[str], deadline: float) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    directory = _lock_dir()
    held: list[int] = []
    try:
        for key in sorted(set(keys)):
            name = hashlib.sha256(key.encode()).hexdigest()[:32] + ".lock"
            fd = os.open(directory / name, os.O_RDWR | os.O_CREAT, 0o600)
            held.append(fd)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(f"another login into the same store is still running ({key.split(':', 1)[1]})") from None
                    time.sleep(0.02)
        yield
    finally:
        for fd in held:
            os.close(fd)  # closing releases the flock
