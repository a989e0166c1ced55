"""Handing freed memory back to the operating system (shared by the pipeline and the dataset store)."""

from __future__ import annotations

import ctypes
import ctypes.util


def _load_libc() -> object:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


_LIBC = _load_libc()


def release_free_memory() -> None:
    """Hand memory that is already freed back to the operating system (Arrow's pool and, on glibc, malloc's
    heap): after reading a big file or a run, the allocators otherwise keep hundreds of MB of freed blocks
    resident, which the next big allocation then adds to. Cheap (milliseconds); a no-op where unsupported."""
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):
        pass
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)
