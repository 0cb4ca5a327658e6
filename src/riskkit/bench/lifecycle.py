"""The ``lifecycle`` section: borrower-months per second of the lifecycle simulation."""

from __future__ import annotations

import threading
import time
from typing import Any

import numba
import psutil

from riskkit.bench.common import number
from riskkit.bench.sizes import WORLD, BenchSizes
from riskkit.lifecycle import simulation
from riskkit.synth import World


def benchmark_lifecycle(world: World, borrowers: int = 100_000, months: int = 24, seed: int = 0,
                        downturn_from: int | None = None) -> dict[str, float]:
    """Time :func:`riskkit.lifecycle.simulation.simulate` and its memory.

    Parameters
    ----------
    world:
        The truth the borrowers are drawn from and the lender is fitted in (stated: the
        bench passes :data:`~riskkit.bench.sizes.WORLD`).
    borrowers, months, seed:
        The simulation's size and seed.
    downturn_from:
        The month the downturn starts; None means half way.

    Returns
    -------
    dict
        ``seconds`` (wall clock), ``cpu_seconds`` (the process's CPU time: the fairer number
        when other processes share the cores), ``borrower_months_per_s`` and
        ``borrower_months_per_cpu_s``; ``peak_rss_mb``, the highest resident memory while
        simulating (psutil, sampled every 20 ms), ``added_rss_mb`` that minus the memory held
        before it started, ``panel_mb`` the panel frame itself; ``threads``, the numba
        thread count the LightGBM lender scored with (the panel does not depend on it). The
        lender is fitted beforehand, not timed.
    """
    process = psutil.Process()
    model, policy = simulation.default_lender(world, seed)
    before = process.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    wall, cpu = time.perf_counter(), time.process_time()
    panel = simulation.simulate(borrowers, months, seed, model, policy,
                                downturn_from=months // 2 if downturn_from is None
                                else downturn_from, world=world)
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


def lifecycle_section(sizes: BenchSizes, quiet: bool = True,
                      generator_rows_per_s: float | None = None) -> dict[str, Any]:
    """The ``lifecycle`` section: :func:`benchmark_lifecycle` in the bench's ``WORLD`` at its
    sizes.

    Parameters
    ----------
    sizes:
        Borrowers and months.
    quiet:
        Unused (the section shows no progress); every section takes it.
    generator_rows_per_s:
        The generator section's rate, when it ran: the figures then include
        ``vs_generator``, borrower-months per second over generated rows per second.

    Returns
    -------
    dict
    """
    result: dict[str, Any] = dict(benchmark_lifecycle(WORLD, sizes.lifecycle_borrowers,
                                                      sizes.lifecycle_months))
    rate = result.get("borrower_months_per_s")
    if rate and generator_rows_per_s:
        result["vs_generator"] = float(rate) / generator_rows_per_s
    return result


def lifecycle_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The (figure, riskkit, reference, ratio) rows :func:`lifecycle_section`'s figures print."""
    rate, ratio = float(r["borrower_months_per_s"]), r.get("vs_generator")
    return [(f"{r['borrowers']:,} x {r['months']} borrower-months/s vs generator rows/s",
             number(rate), "" if ratio is None else number(rate / ratio),
             "" if ratio is None else f"{ratio:.3f}"),
            ("peak memory, MB (added_rss_mb)", number(float(r["added_rss_mb"])), "", "")]
