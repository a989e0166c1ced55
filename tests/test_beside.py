"""The helper thread that runs the ingest byte scan beside the parse (socialdash.services.beside)."""

from __future__ import annotations

import ctypes
import threading
import time

import pytest

from socialdash.services import beside as beside_module
from socialdash.services.beside import beside


def test_results_and_errors_reach_the_caller_and_one_thread_serves_every_job() -> None:
    threads = set()

    def job(n: int) -> int:
        threads.add(threading.get_ident())
        return n * n

    waits = [beside(lambda n=n: job(n)) for n in range(20)]
    assert [wait() for wait in waits] == [n * n for n in range(20)]
    assert len(threads) == 1 and threading.get_ident() not in threads

    def fails() -> None:
        raise ValueError("bad bytes")

    with pytest.raises(ValueError, match="bad bytes"):
        beside(fails)()


def _stop(thread: threading.Thread) -> None:
    """What dash's test server does to the threads it did not start: raise SystemExit inside them."""
    ident, exc = ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit)
    assert ctypes.pythonapi.PyThreadState_SetAsyncExc(ident, exc) == 1


def test_a_job_the_stopped_helper_never_finished_is_run_by_the_caller_and_a_new_helper_starts() -> None:
    beside(lambda: None)()
    first = beside_module._helper[1]
    release = threading.Event()
    ran_in = []

    def slow() -> str:
        ran_in.append(threading.get_ident())
        while not release.is_set():  # Python bytecode, so the stop lands inside the job
            time.sleep(0.001)
        return "scanned"

    wait = beside(slow)
    deadline = time.monotonic() + 5
    while not ran_in and time.monotonic() < deadline:
        time.sleep(0.001)
    _stop(first)
    first.join(5)
    assert not first.is_alive()
    release.set()
    assert wait() == "scanned"  # run again by the caller
    assert ran_in[-1] == threading.get_ident()

    assert beside(threading.current_thread)() not in (first, threading.current_thread())
