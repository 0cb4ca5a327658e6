"""The monitor's own benchmark: every monitoring table of a simulated book, timed.

Why a ratio: seconds alone depend on the machine and on what else runs on it, so the
monitor is timed beside two references measured in the same process on the same book:
the simulation that wrote the panel (the monitor should cost a small share of it) and
reading the panel's columns (the floor any monitor pays).
"""

from __future__ import annotations

import tempfile
import time
from typing import Any

import pandas as pd

from riskkit.core import features as F
from riskkit.lifecycle.monitor.book import BOOK_COLUMNS, read_book
from riskkit.lifecycle.monitor.tables import monitor_book
from riskkit.lifecycle.simulation import PANEL_FILE, default_lender, simulate
from riskkit.synth import World


def benchmark_monitor(world: World, borrowers: int = 100_000, months: int = 36, seed: int = 0,
                      downturn_from: int | None = None) -> dict[str, Any]:
    """Simulate a book of ``world`` (the default lender of that world, fitted first and not
    timed), write its panel, then time reading it and computing every monitoring table.

    Returns ``simulate_s``, ``read_s`` (the book's arrays from ``panel.parquet``),
    ``read_columns_s`` (the same columns with ``pandas.read_parquet`` alone: the floor),
    ``tables_s`` (:func:`~.tables.monitor_book`), ``borrower_months_per_s`` of the tables
    and ``tables_vs_simulate`` (their time as a share of the simulation's).
    """
    model, policy = default_lender(world, seed)
    start = months // 3 if downturn_from is None else downturn_from
    wall = time.perf_counter()
    panel = simulate(borrowers, months, seed, model, policy, downturn_from=start, world=world)
    simulate_s = time.perf_counter() - wall
    with tempfile.TemporaryDirectory(prefix="riskkit-monitor-bench-") as folder:
        panel.write(folder)
        del panel
        columns = list(dict.fromkeys([*BOOK_COLUMNS, *F.MODEL_FEATURES]))
        pd.read_parquet(f"{folder}/{PANEL_FILE}", columns=columns)  # warm: the file is cached
        wall = time.perf_counter()
        pd.read_parquet(f"{folder}/{PANEL_FILE}", columns=columns)
        floor_s = time.perf_counter() - wall
        wall = time.perf_counter()
        book = read_book(folder)
        read_s = time.perf_counter() - wall
    wall = time.perf_counter()
    result = monitor_book(book)
    tables_s = time.perf_counter() - wall
    cells = borrowers * months
    return {
        "borrowers": borrowers, "months": months, "downturn_from": start,
        "simulate_s": round(simulate_s, 3), "read_s": round(read_s, 3),
        "read_columns_s": round(floor_s, 3), "tables_s": round(tables_s, 3),
        "borrower_months_per_s": round(cells / tables_s),
        "tables_vs_simulate": tables_s / simulate_s,
        "read_vs_floor": read_s / floor_s,
        "tables": len(result.tables()),
    }
