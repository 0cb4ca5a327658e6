"""Performance machinery behind one door: threads, worker pools, keyed futures, processes,
the interpreter's thread switching and the C allocator.

Contract
--------
Research code (the truth, the lifecycle, the charts, sweeps, the power study) says *what* may
run beside what; this module alone says *how*. Nothing here changes what is computed, only
when and on which thread or process: every output that passes through it is pinned by a hash
(the lifecycle panel in ``tests/test_lifecycle_speed.py``, a run's decisions in
``tests/test_one_world.py``), so a change here that moves a bit fails there.

- :func:`in_background` starts a function on a daemon thread and hands back the future of
  its result (work that mostly runs without the GIL: NumPy draws, LightGBM fits).
- :func:`single_thread` is an executor with one worker thread (a writer beside the main
  loop); use it in ``with`` or shut it down yourself.
- :class:`KeyedFutures` is a per-process cache of results that are being or have been
  computed, claimed once per key, so two callers never compute the same thing twice and a
  failure leaves the cache (a retry computes anew).
- :func:`process_pool` is a pool of fresh interpreters (``spawn``): a forked child would
  inherit, without the threads, the locks the parent's threads (tqdm's monitor, OpenMP
  pools) held at that moment, and could wait on one of them forever.
  :func:`share_with_forked_child` is for the one place that forks on purpose (charts
  drawn and written from what is already in memory, by a child that starts no threads);
  :func:`fork_context` is that start method, or None where the platform cannot fork.
- :func:`exclusive` holds a lock file, so processes that would make the same thing at once
  make it once (the others wait, then find it).
- :func:`in_own_processes` runs each job in a fresh interpreter of its own, at most so many
  at once: a job whose process dies fails alone, an interrupt stops the running ones and
  starts no other, and a process whose parent dies is told to stop.
- :func:`worker_count` is how many processes a job may start: what it asked for, else one
  per core it may use, never more than its tasks or than the memory available holds.
- :func:`quick_thread_switching` shortens the GIL switch interval for a command whose helper
  threads come back from C often; :func:`on_main_thread` says whether signal handlers may be
  set here; :func:`release_freed_memory` trims the C allocator.

Plain memoisation stays at the definition (``functools.cache``/``lru_cache``); what holds
memory a long job wants back says so in its docstring and offers a ``release_*`` function.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any, Generic, TypeVar

import psutil

T = TypeVar("T")

#: The GIL switch interval a long command sets (seconds): Python's default is 5 ms, and a
#: helper thread returning from C waits up to that long for the main thread (the lifecycle's
#: lender fit beside the imports 1.7 -> 1.45 s at 0.5 ms).
QUICK_SWITCH_INTERVAL = 0.0005


def in_background(function: Callable[..., T], *args: object, name: str) -> Future[T]:
    """Run ``function(*args)`` on a new daemon thread; the future holds its result or error.

    Parameters
    ----------
    function, args
        The work and its arguments.
    name
        The thread's name (seen in tracebacks and profilers).

    Returns
    -------
    concurrent.futures.Future
        Done when the function returns or raises.
    """
    future: Future[T] = Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever waits, never lost on the thread
            future.set_exception(error)

    threading.Thread(target=work, name=name, daemon=True).start()
    return future


def single_thread(name: str) -> ThreadPoolExecutor:
    """An executor with one worker thread named ``name``: jobs run in the order submitted.

    Parameters
    ----------
    name
        Prefix of the worker thread's name.

    Returns
    -------
    concurrent.futures.ThreadPoolExecutor
        Use it in ``with`` (waits for its jobs on exit) or call ``shutdown`` yourself.
    """
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)


class KeyedFutures(Generic[T]):
    """Results by key, each computed once per process whoever asks first.

    Why: a command may start a computation early on a thread (the lifecycle's default lender
    while the charts import) and a later caller must take that result instead of repeating
    the work; a computation that failed must not stay cached as a failure.
    """

    def __init__(self) -> None:
        self._futures: dict[Hashable, Future[T]] = {}
        self._lock = threading.Lock()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._futures

    def claim(self, key: Hashable) -> tuple[Future[T], bool]:
        """The future of ``key``, and whether the caller must compute it (True only once)."""
        with self._lock:
            if key in self._futures:
                return self._futures[key], False
            self._futures[key] = Future()
            return self._futures[key], True

    def settle(self, key: Hashable, future: Future[T], compute: Callable[[], T]) -> None:
        """Compute a claimed key's result into its future (a failure leaves the cache)."""
        try:
            future.set_result(compute())
        except BaseException as error:
            self.fail(key, future, error)

    def fail(self, key: Hashable, future: Future[T], error: BaseException) -> None:
        """Record ``error`` for whoever waits on ``future`` and forget ``key``."""
        with self._lock:
            self._futures.pop(key, None)
        future.set_exception(error)

    def settle_in_background(self, key: Hashable, future: Future[T],
                             compute: Callable[[], T], *, name: str) -> None:
        """:meth:`settle` on a daemon thread named ``name``."""
        threading.Thread(target=self.settle, args=(key, future, compute), name=name,
                         daemon=True).start()


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` fresh interpreters (``spawn``), for work that is CPU-bound in Python.

    Parameters
    ----------
    workers
        How many processes.

    Returns
    -------
    concurrent.futures.ProcessPoolExecutor
    """
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextlib.contextmanager
def exclusive(lock_file: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if missing) for the ``with`` block.

    Why: two processes that find nothing and then make the same thing (two notebook kernels
    asking for the same run) would make it twice; with the check repeated inside this
    block, the second waits and then finds the first's. The lock is ``flock``'s, released
    by the operating system if the holder dies. Where ``fcntl`` does not exist (Windows)
    nothing is locked: two processes may then make the same run, and when both finish in
    the same second the second one's rename fails with an error (never a wrong run).

    Parameters
    ----------
    lock_file
        The file to lock (its folder must exist); it is left in place.
    """
    try:
        import fcntl  # POSIX only
    except ImportError:
        yield
        return
    with open(lock_file, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity where the platform reports one (a
    container or ``taskset`` can give fewer than the machine has), else ``os.cpu_count()``."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def available_memory() -> int | None:
    """Bytes of memory new processes can use without swapping: what the system has available
    (psutil), capped by this process's cgroup limit where one is set (v2 ``memory.max`` or v1
    ``memory.limit_in_bytes``, less what the cgroup uses beyond its reclaimable page cache);
    None where neither can be read."""
    try:
        memory: int | None = int(psutil.virtual_memory().available)
    except (OSError, RuntimeError):
        memory = None
    room = _cgroup_room()
    if room is not None:
        memory = room if memory is None else min(memory, room)
    return memory


def _cgroup_room() -> int | None:
    """What this process's memory cgroup can still take, or None where it has no limit."""
    for limit_file, used_file, cache_key in (
            ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "inactive_file"),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
             "/sys/fs/cgroup/memory/memory.usage_in_bytes", "total_inactive_file")):
        try:
            limit = Path(limit_file).read_text(encoding="ascii").strip()
            used = int(Path(used_file).read_text(encoding="ascii").strip())
            stat = Path(limit_file).with_name("memory.stat").read_text(encoding="ascii")
        except (OSError, ValueError):
            continue
        if not limit.isdigit() or int(limit) >= 2**60:  # "max", or v1's "no limit"
            return None
        cache = next((int(line.split()[1]) for line in stat.splitlines()
                      if line.split()[:1] == [cache_key]), 0)
        return max(0, int(limit) - max(0, used - cache))
    return None


def worker_count(requested: int | None, tasks: int, memory_each: int) -> int:
    """How many worker processes a job of ``tasks`` independent tasks may start.

    Why a rule of its own: more processes than cores only take turns, and more than the
    memory holds swap, which is slower than taking turns. ``requested`` (a user's explicit
    number) is honoured up to the number of tasks; None means one per usable core, as many
    as the available memory holds at ``memory_each`` bytes each (at least one).

    Parameters
    ----------
    requested
        The user's number of workers, or None to choose.
    tasks
        Independent tasks to share out.
    memory_each
        Peak memory one worker is expected to need, in bytes.

    Returns
    -------
    int
        At least 1.
    """
    if requested is not None:
        return max(1, min(int(requested), tasks))
    count = min(usable_cores(), tasks)
    memory = available_memory()
    if memory is not None and memory_each > 0:
        count = min(count, memory // memory_each)
    return max(1, count)


#: Seconds a stopped job's process gets to clean up (shut its own children down) before it
#: is killed.
STOP_GRACE_SECONDS = 30.0


def in_own_processes(function: Callable[..., Any], jobs: dict[Hashable, tuple[Any, ...]],
                     order: Sequence[Hashable], count: int
                     ) -> Iterator[tuple[Hashable, bool, Any]]:
    """Run ``function(*jobs[key])`` for each key of ``order``, each in a fresh interpreter
    (``spawn``) of its own, at most ``count`` at once; yield ``(key, ok, value)`` as each
    ends: ``ok`` with the function's return value, else the one-line reason it has none
    (its exception, or how its process died).

    Why one process per job, not a pool: a pool's worker that dies (the out-of-memory
    killer, a crash in native code) breaks every job the pool holds, and a pool queues
    jobs beyond its workers that an interrupt can no longer cancel. Here a dead process
    fails its own job only, a job starts only when a process is free, and when the caller
    stops (an exception, Ctrl-C, closing the iterator) every running process gets SIGTERM,
    then :data:`STOP_GRACE_SECONDS` (shared) to end, then SIGKILL; no further job starts. On
    Linux each process also gets SIGTERM when the thread that started it ends, which is this
    process's death when the caller drives the iterator from its main thread
    (``PR_SET_PDEATHSIG``).

    Parameters
    ----------
    function
        A module-level function (it is pickled by reference into the new interpreter).
    jobs
        Arguments by key (picklable).
    order
        The keys, in the order to start them.
    count
        Processes at once (at least 1).

    Yields
    ------
    tuple
        ``(key, ok, value)`` in the order the jobs end.
    """
    context = multiprocessing.get_context("spawn")
    waiting = list(order)
    running: dict[Any, tuple[Any, Hashable]] = {}  # reader -> (process, key)
    try:
        while waiting or running:
            while waiting and len(running) < max(1, count):
                key = waiting.pop(0)
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=_job_main, daemon=False, name=f"job-{key}",
                                          args=(function, jobs[key], writer, os.getpid()))
                # registered before it starts: an interrupt between the two still stops it
                running[reader] = (process, key)
                process.start()
                writer.close()  # the child's copy is the only one: its end is our EOF
            for reader in multiprocessing.connection.wait(list(running)):
                process, key = running.pop(reader)
                try:
                    ok, value = reader.recv()
                except (EOFError, OSError):
                    ok, value = False, None
                except Exception as exc:  # a result that cannot be read back (unpickling)
                    ok, value = False, f"its result could not be read: {exc}"
                reader.close()
                process.join()
                if value is None and not ok:
                    value = _how_it_died(process.exitcode)
                yield key, ok, value
    finally:
        _stop(running.values())


def _how_it_died(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"its process was killed by {name}" + (" (out of memory?)" if name == "SIGKILL"
                                                        else "")
    return f"its process ended without a result (exit code {code})"


def _stop(running: Any) -> None:
    """SIGTERM to every started process, one shared grace period, then SIGKILL."""
    processes = [process for process, _ in running if process.pid is not None]
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def _job_main(function: Callable[..., Any], args: tuple[Any, ...], writer: Any,
              parent: int) -> None:
    """A job's process: stop when the parent dies, run, send ``(ok, value)`` back."""
    _stop_with_parent(parent)
    try:
        outcome: tuple[bool, Any] = (True, function(*args))
    except BaseException as exc:  # everything, so the parent learns why
        text = str(exc).strip().splitlines()
        outcome = (False, f"{type(exc).__name__}: {text[-1] if text else ''}")
    try:
        writer.send(outcome)
    finally:
        writer.close()


def _stop_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its parent dies; exit if it already has."""
    if sys.platform.startswith("linux"):
        name = ctypes.util.find_library("c")
        if name:
            pr_set_pdeathsig = 1
            ctypes.CDLL(name, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))
    if os.getppid() != parent:
        os._exit(1)


class ForkedChildFailed(RuntimeError):
    """The forked child of :func:`share_with_forked_child` failed (its error is printed there).

    Why a class of its own: a caller that labels the child's failure must not catch the
    ``RuntimeError`` its own work raises in this process.
    """


def share_with_forked_child(count: int, do: Callable[[int], None]) -> bool:
    """Do items ``0..count-1`` with a forked child: each process takes the next item nobody
    has taken (a shared counter) until none is left. False, doing nothing, where the
    platform cannot fork.

    Why fork: the items (figures, say) are already in this process's memory, and a forked
    child sees them without pickling; it must start no threads (it inherits none running).
    A failure in the child is printed there and raised here as :class:`ForkedChildFailed`
    once both processes are done; an error of this process's own work is raised as it is,
    after the child has finished the item it holds (it takes no further one).

    Parameters
    ----------
    count
        How many items.
    do
        ``do(index)`` does one item; called in both processes.

    Returns
    -------
    bool
        Whether the items were done (False: the caller does them itself).
    """
    context = fork_context()
    if context is None:
        return False
    taken = context.Value("i", 0)

    def take_until_done() -> None:
        while True:
            with taken.get_lock():
                index = taken.value
                taken.value += 1
            if index >= count:
                return
            do(index)

    def in_child() -> None:
        try:
            take_until_done()
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)

    child = context.Process(target=in_child, daemon=True)
    child.start()
    try:
        take_until_done()
    except BaseException:
        with taken.get_lock():  # this process is about to raise: the child takes no more
            taken.value = count
        raise
    finally:
        try:
            child.join()
        except BaseException:  # interrupted while waiting: the child stops before we go on
            child.terminate()
            child.join()
            raise
    if child.exitcode != 0:
        raise ForkedChildFailed(f"the forked child failed (exit code {child.exitcode}; its error "
                                "is printed above)")
    return True


def fork_context() -> BaseContext | None:
    """The ``fork`` start method on Linux, else None (the caller does the work in process)."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def quick_thread_switching() -> None:
    """Set the interpreter's GIL switch interval to :data:`QUICK_SWITCH_INTERVAL` for this process."""
    sys.setswitchinterval(QUICK_SWITCH_INTERVAL)


def on_main_thread() -> bool:
    """Whether the caller runs on the main thread (the only one that may set signal handlers)."""
    return threading.current_thread() is threading.main_thread()


def release_freed_memory() -> None:
    """Hand memory that was freed back to the operating system (glibc's ``malloc_trim``).

    Why: fitting the lender and generating the population free many small blocks that
    glibc keeps for reuse, while the panel's large arrays are mapped afresh; without this
    the freed blocks (about 90 MB for the default lender) stay in the peak resident memory
    of a simulation. A no-op where the C library has no ``malloc_trim``.
    """
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    if trim is not None:
        trim(0)
