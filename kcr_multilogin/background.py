"""Waiting and background work, with nothing else imported: the CLI starts the network check with these before
the rest of the program is even loaded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def wait(future: Future[T]) -> T:
    """Wait in short slices so Ctrl-C reaches the main thread promptly."""
    while True:
        try:
            return future.result(timeout=0.1)
        except TimeoutError:
            continue


def in_daemon_thread(fn: Callable[[], T]) -> Future[T]:
    """A daemon thread, so a slow registry never holds up exit when nothing needs its answer any more."""
    future: Future[T] = Future()

    def target() -> None:
        try:
            future.set_result(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            future.set_exception(exc)

    threading.Thread(target=target, daemon=True, name="kcr-network").start()
    return future
