"""Where blocks run: in this process, a local process pool, or a Dask cluster.

Every choice is a ``concurrent.futures.Executor``, so the batch runner has one code path. Dask
is optional (``pip install 'negsim[dask]'``): ``Client(address).get_executor()`` for an existing
cluster, or a ``LocalCluster`` on this machine.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sim.errors import UserError

EXECUTORS = ("local", "dask")
WATCH_SECONDS = 0.5
"""How often a watch thread looks: a worker's for its parent, the main process's for a dead
worker."""
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
DEFAULT_WORKERS: int | None = None
"""Worker processes of a batch or a sweep unless told otherwise (``negsim run``, ``negsim
sweep``): None, every core this process may use."""


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def local_workers(workers: int | None, blocks: int) -> int:
    """Local processes worth starting for ``blocks`` blocks at a time: ``workers`` (every
    core when None), never more than there are blocks."""
    return max(1, min(workers or available_cores(), blocks))


class InProcess(cf.Executor):
    """Runs each task at once, in this process (``--workers 1``): same interface, no pool."""

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # the runner reports it with the block it belongs to
            future.set_exception(exc)
        return future


def _start_worker(parent: int) -> None:
    """Worker processes leave Ctrl-C to the main process ``parent``, which stops the batch
    cleanly, and end when it is gone (killed outright, it cannot tell them to).

    ``parent`` is passed in, not read here: a worker may start after its parent has died, and
    ``os.getppid()`` would then name whichever process adopted it. On Linux the kernel kills the
    worker with its parent (``PR_SET_PDEATHSIG``); elsewhere a thread watches the parent's pid.
    Either way, a parent that died before the worker got this far is caught by the check that
    follows, so no worker outlives its batch, however early the kill came.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _die_with_parent():

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(WATCH_SECONDS)
            os._exit(1)

        threading.Thread(target=watch, name="negsim-orphan-watch", daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent ends; whether it could."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        # The signal follows the thread that started the worker, not the process: the pool
        # starts its workers on the thread that submits blocks, which holds the pool open
        # until the batch (or sweep) is over, so a pool must not be shared across threads.
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    except (OSError, AttributeError):
        return False


def _break_on_a_death(pool: cf.ProcessPoolExecutor, stop: threading.Event) -> None:
    """Break ``pool`` as soon as one of its workers dies, until ``stop``.

    A worker that dies while it sends its results back (the kernel's OOM killer, a kill by
    hand) leaves half a message in the pool's result pipe, and holds the pipe's lock. The
    pool's own thread then waits for the rest for ever: the batch hangs instead of failing
    (CPython's ``ProcessPoolExecutor``, 3.11 to 3.13). Seeing the death on the worker's
    sentinel, this ends the other workers and closes the main process's end of that pipe, so
    the pool's read ends and the pool reports ``BrokenProcessPool``, as for any dead worker:
    the batch names the blocks lost and keeps those on disk. The pool has no public view of
    its workers or its pipe; these private attributes are the same in 3.11 to 3.13."""
    while not stop.wait(WATCH_SECONDS):
        workers = list((pool._processes or {}).values())
        if not multiprocessing.connection.wait([w.sentinel for w in workers], timeout=0):
            continue
        for worker in workers:
            worker.kill()
        replies = pool._result_queue
        if replies is not None:
            replies._writer.close()
        return


@dataclass
class Workers:
    """An open executor and how many blocks it can usefully hold at once."""

    executor: cf.Executor
    capacity: int
    description: str


def check_executor(kind: str, workers: int | None, scheduler: str | None) -> None:
    """Refuse an executor request that cannot work (before a batch starts anything)."""
    if kind not in EXECUTORS:
        raise UserError(f"--executor: expected one of {', '.join(EXECUTORS)}, got {kind!r}")
    if workers is not None and workers < 1:
        raise UserError(f"--workers: expected a whole number >= 1, got {workers}")
    if kind == "local" and scheduler is not None:
        raise UserError("--scheduler goes with --executor dask")


@contextmanager
def open_executor(
    kind: str = "local", workers: int | None = None, scheduler: str | None = None
) -> Iterator[Workers]:
    """Open the executor a batch runs on; close it (and any cluster it started) on exit."""
    check_executor(kind, workers, scheduler)
    if kind == "local":
        count = workers or available_cores()
        if count == 1:
            yield Workers(InProcess(), 1, "in this process")
            return
        # spawn, not fork: the main process may hold Arrow's thread pools
        context = multiprocessing.get_context("spawn")
        pool = cf.ProcessPoolExecutor(
            count, mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)
        )
        stop = threading.Event()
        watch = threading.Thread(
            target=_break_on_a_death, args=(pool, stop), name="negsim-worker-watch", daemon=True
        )
        watch.start()
        try:
            yield Workers(pool, 2 * count, f"{count} local processes")
        finally:
            stop.set()  # before the shutdown, in which workers end as they should
            watch.join()
            pool.shutdown(wait=True, cancel_futures=True)
        return
    with _dask_client(workers, scheduler) as (client, description):
        threads = sum(client.nthreads().values()) or 1
        executor = client.get_executor(pure=False)
        try:
            yield Workers(executor, 2 * threads, description)
        finally:
            executor.shutdown(wait=False)


@contextmanager
def _dask_client(workers: int | None, scheduler: str | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UserError("--executor dask needs Dask: pip install 'negsim[dask]'") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise UserError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        try:
            yield client, f"the Dask cluster at {scheduler}"
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=workers or available_cores(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        yield client, f"a local Dask cluster of {len(cluster.workers)} workers"
    finally:
        client.close()
        cluster.close()
