"""An exclusive lock on an open file that works on Linux, macOS and Windows.

POSIX systems use ``fcntl.flock`` (advisory, released when the holder exits, however it ends);
Windows, which has no ``fcntl``, uses ``msvcrt.locking`` on the file's first byte (also
released by the operating system when the holder exits).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import IO, Any

try:  # POSIX
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

try:  # Windows
    import msvcrt
except ImportError:  # POSIX
    msvcrt = None  # type: ignore[assignment]


def _windows_lock(handle: IO[Any]) -> None:
    """Lock the first byte of ``handle``, waiting for as long as another process holds it
    (``LK_LOCK`` itself gives up after about 10 seconds, so it is retried)."""
    assert msvcrt is not None
    handle.seek(0)
    while True:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
            return
        except OSError:
            continue


@contextlib.contextmanager
def exclusive(handle: IO[Any]) -> Iterator[None]:
    """Hold an exclusive lock on the open file ``handle`` for the ``with`` block."""
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if msvcrt is None:  # pragma: no cover - every supported platform has one or the other
        raise RuntimeError("no file locking on this platform (neither fcntl nor msvcrt)")
    _windows_lock(handle)
    try:
        yield
    finally:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
