"""Getting a Dask client, and watching futures complete.

Three ways in, one context manager (:func:`dask_client`):

* an address (``tcp://host:8786``): connect to a running scheduler, with a short timeout
  and an error that names the address, because a typo otherwise shows up as a hang;
* a ``distributed.Client`` already made by the caller: used as is and left open;
* nothing: start a ``LocalCluster`` of worker *processes* (one thread each, so NumPy,
  LightGBM and numba inside a task do not fight over cores) and close it afterwards.

``distributed`` is imported inside the functions so that ``import riskkit.scale`` works
without the ``dask`` extra, and the error that says how to install it comes at first use.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psutil
from tqdm.auto import tqdm

from riskkit.core.errors import ConfigError

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger(__name__)

#: Seconds to wait for a scheduler (and for its first worker) before giving up.
CONNECT_TIMEOUT_S = 10.0
#: Ceiling of a local worker's memory limit; a partition of 4 blocks needs ~0.3 GiB.
MAX_WORKER_MEMORY = 4 * 2**30


def require_dask() -> None:
    """Fail with the install command when the optional ``dask`` extra is missing."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"the Dask engine needs dask and distributed ({exc.name} is missing): "
                          "pip install 'riskkit[dask]'") from None


def local_worker_memory(n_workers: int) -> int:
    """Bytes per local worker: half the machine shared out, at most ``MAX_WORKER_MEMORY``.

    Half, not all: the client process and the operating system's page cache (which holds
    the Parquet files being written) need room too.
    """
    total = psutil.virtual_memory().total
    return int(max(2**30, min(MAX_WORKER_MEMORY, total // 2 // max(n_workers, 1))))


def default_workers() -> int:
    """One worker process per core, at most 8 (each needs ~0.4 GiB, mostly its imports)."""
    return max(1, min(8, os.cpu_count() or 1))


@contextmanager
def dask_client(scheduler: str | Client | None = None, *, n_workers: int | None = None,
                threads_per_worker: int = 1,
                connect_timeout_s: float = CONNECT_TIMEOUT_S) -> Iterator[Client]:
    """A client on ``scheduler`` (address or Client) or on a new LocalCluster.

    Only what this function started is closed on exit.

    Parameters
    ----------
    scheduler : str, distributed.Client or None
        An address, a client, or None for a new LocalCluster.
    n_workers : int, optional
        Workers of a new LocalCluster (default: one per core, at most 8).
    threads_per_worker : int
        Threads of each new worker.
    connect_timeout_s : float
        Seconds to wait for an address.

    Yields
    ------
    distributed.Client
    """
    require_dask()
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    with quiet_distributed_logs():
        if scheduler is not None:
            client = connect(str(scheduler), connect_timeout_s)
            try:
                yield client
            finally:
                client.close()
            return
        workers = n_workers or default_workers()
        with warnings.catch_warnings():
            # with the dashboard off the scheduler still serves health checks over HTTP, on
            # 8787 or, when that is taken (another cluster), a free port and a warning
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            # distributed already gives each worker OMP/MKL/OpenBLAS one thread; numba (the
            # TreeSHAP kernels) would otherwise start one thread per core in every worker
            cluster = LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker,
                                   processes=True, dashboard_address=None,
                                   memory_limit=local_worker_memory(workers),
                                   silence_logs=logging.ERROR,
                                   env={"NUMBA_NUM_THREADS": str(threads_per_worker)})
        try:
            client = Client(cluster)
            try:
                log.info("started a local Dask cluster: %d worker processes", workers)
                yield client
            finally:
                client.close()
        finally:
            cluster.close()


@contextmanager
def quiet_distributed_logs() -> Iterator[None]:
    """Keep distributed's INFO chatter (every worker start and stop) out of riskkit's log.

    The CLI logs riskkit's progress at INFO through the root logger, which distributed's
    loggers propagate to; its warnings and errors still come through.
    """
    logger = logging.getLogger("distributed")
    before = logger.level
    if logger.getEffectiveLevel() < logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(before)


def connect(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> Client:
    """Connect to a running scheduler that has at least one worker, or raise ConfigError.

    Any failure to connect (refused, timed out, a malformed address, or something at that
    address that does not speak Dask's protocol) becomes one error naming the address.

    Parameters
    ----------
    address : str
        The scheduler's address (``tcp://host:8786``).
    timeout_s : float
        Seconds to wait for it and a worker.

    Returns
    -------
    distributed.Client
    """
    from distributed import Client

    try:
        probe(address, timeout_s)
        client = Client(address, timeout=f"{timeout_s}s")
    except Exception as exc:  # every way of failing gets the same clear message
        raise ConfigError(f"cannot connect to the Dask scheduler at {address!r} within "
                          f"{timeout_s:g} s ({type(exc).__name__}: {exc}); check the address "
                          "(e.g. tcp://host:8786), or leave --scheduler out to use a local "
                          "cluster") from None
    try:
        client.wait_for_workers(1, timeout=timeout_s)
    except Exception:  # a TimeoutError, whatever module it comes from in this version
        client.close()
        raise ConfigError(f"the Dask scheduler at {address!r} has no workers (waited "
                          f"{timeout_s:g} s); start some with: dask worker {address}") from None
    return client


def probe(address: str, timeout_s: float) -> None:
    """Return once something accepts TCP connections at ``address``; raise if nothing does.

    Checked before any ``Client`` is made: with distributed 2026.8, a ``Client`` failing to
    connect in a process that had started and closed a LocalCluster left the process's
    other client deaf (its futures finished on the workers and were never reported). Also
    quicker to fail. Retries until ``timeout_s``, as a scheduler that is still starting
    refuses connections for a moment.
    """
    from distributed.comm import get_address_host_port, parse_address

    if parse_address(address)[0] not in ("tcp", "tls"):
        return  # other transports: left to distributed
    host, port = get_address_host_port(address)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, port),
                                          timeout=max(0.1, deadline - time.monotonic())):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def completed(futures: Iterable[Future], desc: str, quiet: bool) -> Iterator[Future]:
    """Yield futures as they finish, with a progress bar unless ``quiet``.

    On the first failed future its exception is raised here and the remaining futures are
    cancelled, so a broken partition stops the job instead of letting it run to the end.
    """
    from distributed import as_completed

    pending = list(futures)
    bar = tqdm(total=len(pending), desc=desc, unit="partition", disable=quiet, leave=False)
    try:
        for future in as_completed(pending):
            if future.status == "error":
                future.result()  # raises the task's own exception, with its traceback
            bar.update(1)
            yield future
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    finally:
        bar.close()


def worker_peak_mb(stats: Iterable[dict[str, Any]]) -> dict[str, float]:
    """Highest resident memory each worker process reported, keyed by host:pid."""
    peaks: dict[str, float] = {}
    for item in stats:
        key = f"{item['host']}:{item['pid']}"
        peaks[key] = max(peaks.get(key, 0.0), float(item["peak_rss_mb"]))
    return peaks
