"""Writing whole frames into a pipe: by reference where Linux allows it (vmsplice), by copy elsewhere.

`os.write` copies a frame into the pipe's own pages before the reader copies it out again; for a
1080p recording that first copy is about a second of CPU, taken from the encoder on a 2-core
machine. `vmsplice` instead lends the pipe the frame's own pages: nothing is copied on the writer's
side, but the frame must stay unchanged until the reader has taken it. `FrameWriter` says when that
is: once the next frame is wholly in the pipe, as long as one frame is bigger than the pipe holds
(the pipe is first in, first out, so none of the older frame can be left in it).
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import sys
from typing import Any, Callable


class _IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


def _write_copy(fd: int, data: Any) -> None:
    """Write a whole buffer (os.write may write only part; no copy is made in Python)."""
    with memoryview(data) as view, view.cast("B") as flat:
        offset, total = 0, flat.nbytes
        while offset < total:
            offset += os.write(fd, flat[offset:])


def _vmsplice() -> Callable[..., int] | None:
    """libc's vmsplice, or None where there is none (not Linux, or a libc without it)."""
    if sys.platform != "linux":
        return None
    try:
        call = ctypes.CDLL(None, use_errno=True).vmsplice
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.POINTER(_IoVec), ctypes.c_ulong, ctypes.c_uint]
    call.restype = ctypes.c_ssize_t
    return call


_HUGE_PAGE = 2 * 1024 * 1024


def page_buffer(nbytes: int) -> "np.ndarray":  # noqa: F821 - numpy is imported inside
    """A zeroed uint8 array of `nbytes` for frames to lend to a pipe. On Linux it lies in memory that
    asks for 2 MB pages (transparent huge pages, where the system allows them): lending a 1080p frame
    then pins two pages instead of 760, which halves vmsplice's own cost and eases the reader's (a
    720p frame, 1.4 MB, takes one 2 MB page). Elsewhere, for less than half such a page, or if the
    system says no, an ordinary array."""
    import numpy as np

    if sys.platform != "linux" or nbytes < _HUGE_PAGE // 2 or not hasattr(mmap, "MADV_HUGEPAGE"):
        return np.zeros(nbytes, np.uint8)
    try:
        # Room to start on a 2 MB boundary and to end on one: the pages beyond `nbytes` are never touched.
        memory = mmap.mmap(-1, nbytes + 2 * _HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        whole = np.frombuffer(memory, np.uint8)        # holds `memory` for as long as the array lives
        start = -whole.ctypes.data % _HUGE_PAGE
        memory.madvise(mmap.MADV_HUGEPAGE, start, -(-nbytes // _HUGE_PAGE) * _HUGE_PAGE)
    except (OSError, ValueError):
        return np.zeros(nbytes, np.uint8)
    return whole[start:start + nbytes]                  # anonymous memory starts zeroed


def pipe_bytes(fd: int) -> int | None:
    """What the pipe at `fd` holds at most, in bytes (None: not a pipe, or not Linux)."""
    if sys.platform != "linux":
        return None
    import fcntl

    try:
        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
    except (OSError, AttributeError):
        return None


class FrameWriter:
    """Writes frames of `frame_bytes` each into the pipe `fd`; `lent` says whether the pipe borrows
    their memory (then a frame's buffer is free again only once the next frame is written)."""

    def __init__(self, fd: int, frame_bytes: int, *, allow_lending: bool = True) -> None:
        self.fd = fd
        capacity = pipe_bytes(fd)
        splice = _vmsplice() if allow_lending else None
        # The pipe holds whole pages: a frame a page bigger than it can never share it with an older one.
        self.lent = splice is not None and capacity is not None and frame_bytes > capacity + 4096
        self._splice = splice if self.lent else None
        self._iov = _IoVec()

    def write(self, data: Any) -> None:
        """Write all of `data` (a buffer of one frame); OSError (BrokenPipeError...) as os.write raises."""
        if self._splice is None:
            _write_copy(self.fd, data)
            return
        import numpy as np

        flat = np.frombuffer(data, np.uint8)          # the buffer's own memory, read-only or not
        address, total, offset = flat.ctypes.data, flat.nbytes, 0
        iov = self._iov
        while offset < total:
            iov.base, iov.length = address + offset, total - offset
            done = self._splice(self.fd, ctypes.byref(iov), 1, 0)
            if done < 0:
                code = ctypes.get_errno()
                if code == errno.EINTR:
                    continue
                raise OSError(code, os.strerror(code))
            offset += done
