"""The lifecycle's own benchmark: borrower-months per second of :func:`simulate`."""

from __future__ import annotations

import threading
import time

import numba
import psutil

from riskkit.lifecycle.simulation import default_lender, simulate
from riskkit.synth import World


def benchmark_lifecycle(world: World, borrowers: int = 100_000, months: int = 24, seed: int = 0,
                        downturn_from: int | None = None) -> dict[str, float]:
    """Time :func:`simulate` (the lender is fitted beforehand, not timed) and its memory.

    ``seconds`` is wall-clock time, ``cpu_seconds`` the process's CPU time (the fairer
    number when other processes share the cores); ``peak_rss_mb`` the highest resident
    memory while simulating (psutil, sampled every 20 ms) and ``added_rss_mb`` that minus
    the memory held before it started; ``panel_mb`` the panel frame itself; ``threads``
    the numba thread count the LightGBM lender scored with (the panel does not depend on
    it) and ``borrower_months_per_cpu_s`` the rate per CPU second.
    """
    process = psutil.Process()
    model, policy = default_lender(world, seed)
    before = process.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    panel = simulate(borrowers, months, seed, model, policy,
                     downturn_from=months // 2 if downturn_from is None else downturn_from,
                     world=world)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    done.set()
    sampler.join()
    peak[0] = max(peak[0], process.memory_info().rss)
    return {
        "borrowers": borrowers, "months": months, "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2), "borrower_months_per_s": round(borrowers * months / wall),
        "borrower_months_per_cpu_s": round(borrowers * months / max(cpu, 1e-9)),
        "threads": numba.get_num_threads(),
        "peak_rss_mb": round(peak[0] / 2**20, 1),
        "added_rss_mb": round((peak[0] - before) / 2**20, 1),
        "panel_mb": round(float(panel.frame.memory_usage(deep=True).sum()) / 2**20, 1),
    }
