"""No worker outlives its batch: a main process killed outright (SIGKILL, which it cannot catch)
takes its worker processes with it, whenever the kill comes."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from sim.batch.store import BLOCKS

pytestmark = pytest.mark.skipif(
    not hasattr(os, "pidfd_open") or not Path("/proc/self/environ").exists(),
    reason="needs Linux /proc and pidfd_open",
)

FLAGSHIP = Path(__file__).parent.parent / "scenarios" / "budapest_2025.yaml"
PROBE = "NEGSIM_TEST_BATCH"
"""An environment variable set for one batch: every process it starts inherits it."""

GRACE = 30.0
"""Seconds a process may take to end once its parent is gone (a bound, not an expectation)."""


def _processes_of(token: str) -> list[int]:
    """Live processes whose environment holds ``PROBE=token`` (zombies have no environment)."""
    marker = f"{PROBE}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


def _command(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    return ""


def _still_running(pids: list[int]) -> list[int]:
    """Those of ``pids`` that have not ended within ``GRACE`` seconds (waited for on each
    process's pidfd, which becomes readable when it ends)."""
    deadline = time.monotonic() + GRACE
    running = []
    for pid in pids:
        try:
            handle = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            ended, _, _ = select.select([handle], [], [], max(0.0, deadline - time.monotonic()))
        finally:
            os.close(handle)
        if not ended:
            running.append(pid)
    return running


def _assert_none_survive(pids: list[int]) -> None:
    survivors = _still_running(pids)
    described = [f"{pid} {_command(pid)}" for pid in survivors]
    for pid in survivors:  # leave nothing behind, even when failing
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert not survivors, f"outlived their batch: {described}"


def _a_worker_is_starting(token: str, folder: Path) -> bool:
    """A pool worker exists, still starting Python: it cannot have met its parent yet."""
    return any(b"spawn_main" in _command(pid).encode() for pid in _processes_of(token))


def _a_block_is_stored(token: str, folder: Path) -> bool:
    """Workers are computing, and finished blocks are on their way back to the main process."""
    return any((folder / BLOCKS).glob("runs-*.parquet"))


@pytest.mark.slow  # a real batch of the flagship; the unit tests below hold the mechanism
@pytest.mark.parametrize(
    "moment",
    [_a_worker_is_starting, _a_block_is_stored],
    ids=["a worker is starting", "a block is stored"],
)
def test_a_killed_main_process_takes_its_workers_with_it(
    tmp_path, moment: Callable[[str, Path], bool]
):
    token = uuid.uuid4().hex
    folder = tmp_path / "batch"
    command = [sys.executable, "-m", "sim.cli", "run", str(FLAGSHIP), "-n", "5120", "-q"]
    main = subprocess.Popen(
        [*command, "--workers", "2", "--out", str(folder)],
        env={**os.environ, PROBE: token},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while main.poll() is None and not moment(token, folder):
            with contextlib.suppress(subprocess.TimeoutExpired):
                main.wait(timeout=0.01)
        assert main.poll() is None, "the batch ended before the moment came"
        main.kill()
        main.wait()
    finally:
        main.kill()
        main.stderr.close()
    _assert_none_survive(_processes_of(token))


WORKER = """
import os, threading
import sim.batch.executors as executors
executors._die_with_parent = lambda: False  # the portable path, as off Linux
executors._start_worker(os.getppid())
print("started", flush=True)
threading.Event().wait()
"""

PARENT = f"""
import subprocess, sys
worker = subprocess.Popen([sys.executable, "-c", {WORKER!r}])
print(worker.pid, flush=True)
worker.wait()
"""


def test_off_linux_a_worker_ends_when_its_parent_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        worker = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "started"
        parent.kill()
        parent.wait()
    finally:
        parent.kill()
        parent.stdout.close()
    _assert_none_survive([worker])


def test_a_worker_whose_parent_is_already_gone_ends_at_once():
    """A worker started after its parent died must not take its adopter for its parent."""
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from sim.batch.executors import _start_worker\n"
            "_start_worker(parent=os.getpid())  # not its parent: as if the parent had died\n"
            "print('still here')",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (started.returncode, started.stdout, started.stderr) == (1, "", "")
