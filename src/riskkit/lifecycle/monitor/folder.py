"""What ``riskkit monitor SIM_DIR`` writes: tables, charts and the summary's new figures.

Under ``SIM_DIR/monitor/``: every table of :meth:`~.tables.Monitoring.tables` as CSV and
Parquet, and every chart of :func:`riskkit.charts.monitoring.monitoring_figures` as PNG,
SVG and PDF under ``figures/``; ``SIM_DIR/summary.json`` gains a ``"monitor"`` key (the
headline figures and detection lags) and keeps every other key. Each file is written to a
temporary name and renamed (:mod:`riskkit.core.io`), the summary last, so an interrupted
monitor never leaves a half-written file or a summary that points at missing tables.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from riskkit.charts import export_all, style_context
from riskkit.charts.monitoring import monitoring_figures
from riskkit.core.io import read_json, write_json, write_parquet, write_with
from riskkit.lifecycle.monitor.book import read_book
from riskkit.lifecycle.monitor.tables import Monitoring, monitor_book
from riskkit.lifecycle.simulation import SUMMARY_FILE

log = logging.getLogger(__name__)

MONITOR_DIR = "monitor"
SUMMARY_KEY = "monitor"


def write_tables(monitoring: Monitoring, folder: str | os.PathLike[str]) -> list[Path]:
    """Every table as ``<name>.csv`` and ``<name>.parquet`` in ``folder``."""
    out = Path(folder)
    paths: list[Path] = []
    for name, table in monitoring.tables().items():
        frame = _plain(table)
        paths.append(write_with(out / f"{name}.csv",
                                lambda tmp, f=frame: f.to_csv(tmp, index=False)))
        paths.append(write_parquet(out / f"{name}.parquet", frame))
    return paths


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Column names as strings (Parquet wants them) and no index to lose."""
    frame = table.copy()
    frame.columns = [str(c) for c in frame.columns]
    return frame


def run_monitor(sim_dir: str | os.PathLike[str], figures: bool = True) -> dict[str, Any]:
    """Monitor a ``riskkit simulate`` folder; return the summary's new ``"monitor"`` block.

    The folder is checked before any work (:func:`~.book.read_book` raises a
    :class:`~riskkit.core.errors.DataError` naming what is missing). ``figures=False``
    skips the charts (tables and summary only). The charts are drawn in the report style.
    """
    folder = Path(sim_dir)
    started = time.perf_counter()
    book = read_book(folder)
    read_s = time.perf_counter() - started
    monitoring = monitor_book(book)
    tables_s = time.perf_counter() - started - read_s
    out = folder / MONITOR_DIR
    paths = write_tables(monitoring, out)
    if figures:
        with style_context("report"):
            charts = monitoring_figures(monitoring.tables(), book.downturn_from)
            paths.extend(export_all(charts, out / "figures"))
    block = monitoring.headline()
    summary = read_json(folder / SUMMARY_FILE)
    summary[SUMMARY_KEY] = block
    paths.append(write_json(folder / SUMMARY_FILE, summary))
    for path in paths:
        log.debug("wrote %s", path)
    log.info("monitor: read the panel in %.1f s, tables in %.1f s, all in %.1f s; %d files "
             "under %s", read_s, tables_s, time.perf_counter() - started, len(paths), out)
    return block


def report_lines(block: dict[str, Any], sim_dir: str | os.PathLike[str]) -> list[str]:
    """What ``riskkit monitor`` prints: where the files went, each signal's detection lag,
    and whether every grade's lifetime PD lay within its interval of the truth."""
    world = f" of {block['world_label']}" if block.get("world_label") else ""
    lines = [f"monitored {block['accounts_opened']:,} accounts{world} on {block['grades']} "
             f"grades ({block['grade_scale']}) -> {Path(sim_dir) / MONITOR_DIR}"]
    start = block["downturn_from"]
    for name, row in block["detection"].items():
        lag = row["lag"]
        when = ("no downturn to detect" if start is None
                else "no new alarm after the downturn" if lag is None
                else f"lag {lag} month{'s' if lag != 1 else ''} (month {row['detection_month']})")
        lines.append(f"  {name:<20} {when}; false alarms before: {row['false_alarms']}")
    horizons = block["lifetime_pd"]["horizons"]
    longest = max(horizons, key=int)
    within = "yes" if horizons[longest]["all_grades_within"] else "no"
    lines.append(f"  lifetime PD over {longest} months, every grade within its interval of "
                 f"the truth: {within}")
    return lines
