"""A call on a thread of its own, its result a Future: shared by modules that must not import each other."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def background(function: Callable[..., T], *args: object) -> Future[T]:
    """`function(*args)` on a thread of its own; `.result()` waits, then returns or raises what it did."""
    future: Future[T] = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, name=function.__name__, daemon=True).start()
    return future
