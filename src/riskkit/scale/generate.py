"""``riskkit generate --engine dask``: a population written by many workers at once.

Each partition is a range of ``partition_blocks`` consecutive 65,536-row blocks. A task
receives only ``(seed, scenario, bad rate, block range)``, generates its blocks *on the
worker* (every block has its own random stream, so this needs nothing from other blocks)
and writes ``part-NNNNN.parquet``. Neither the client nor any worker ever holds more than
one block's frame, so memory is bounded by the block size, whatever the population size.

What comes back to the client per block is small: its row count, defaults, sum of true
PDs, content digest, and the outcome and true PD as int8 / float32 arrays (5 bytes a row:
25 MB for 5 million rows). With those the client builds exactly the data card the
in-process writer builds (``store.CardBuilder``, fed in block order): the same
fingerprint, bad rate, mean PD (summed block by block in the same order, so equal to the
last bit) and the same exact oracle AUC. A histogram of true PD by outcome would make the
AUC approximate but constant-size; past ~100 million rows that trade becomes worth it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import atomic_path, write_json
from riskkit.scale._cluster import completed, dask_client, worker_peak_mb
from riskkit.scale._parts import (
    check_parts,
    part_name,
    process_stats,
    staged_folder,
    write_table_parts,
)
from riskkit.synth.population import BLOCK_ROWS, check_arguments, generate_block
from riskkit.synth.store import (
    DATACARD_FILE,
    POPULATION_FILE,
    CardBuilder,
    block_digest,
    prepare_out_dir,
)
from riskkit.synth.world import World

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)


def partition_plan(rows: int, partition_blocks: int) -> list[tuple[int, int]]:
    """``(first_block, stop_block)`` of each partition; the last one may be shorter.

    Parameters
    ----------
    rows : int
        Applicants to generate.
    partition_blocks : int
        65,536-row blocks per partition.

    Returns
    -------
    list of tuple of int
    """
    if not isinstance(partition_blocks, (int, np.integer)) or partition_blocks < 1:
        raise ConfigError(f"partition_blocks must be a positive whole number, "
                          f"got {partition_blocks!r}")
    n_blocks = -(-rows // BLOCK_ROWS)
    return [(first, min(first + partition_blocks, n_blocks))
            for first in range(0, n_blocks, partition_blocks)]


def block_stats(block: pd.DataFrame) -> dict[str, Any]:
    """What the data card needs from one block (the same numbers CardBuilder.add takes)."""
    return {
        "rows": len(block),
        "bads": int(block[F.TARGET].to_numpy(dtype=np.int8).sum()),
        "pd_sum": float(block["true_pd"].sum()),
        "digest": block_digest(block),
        "y": block[F.TARGET].to_numpy(dtype=np.int8),
        "p": block["true_pd"].to_numpy(dtype=np.float32),
    }


def write_partition(folder: str, index: int, rows: int, seed: int, world: World, month: int,
                    first_block: int, stop_block: int) -> dict[str, Any]:
    """Task run on a worker: generate blocks ``[first_block, stop_block)`` of ``world`` at
    calendar ``month`` into one part file.

    Blocks are written as they are made (one row group each) under a temporary name that
    is renamed when the file is complete.
    """
    start = time.perf_counter()
    scen = world.scenario_at(month)
    stats: list[dict[str, Any]] = []

    def tables() -> Iterator[pa.Table]:
        for block in range(first_block, stop_block):
            take = min(BLOCK_ROWS, rows - block * BLOCK_ROWS)
            frame = generate_block(seed, scen, block, world.bad_rate, take, world.spec)
            stats.append(block_stats(frame))
            yield pa.Table.from_pandas(frame, preserve_index=False)

    with atomic_path(Path(folder) / part_name(index)) as tmp:
        write_table_parts(tmp, tables())
    return {"index": index, "blocks": stats, "seconds": time.perf_counter() - start,
            **process_stats()}


def write_population_dask(out: str | os.PathLike[str], rows: int, seed: int, world: World,
                          scheduler: str | Client | None = None, partition_blocks: int = 4,
                          quiet: bool = False, *, month: int = 0, n_workers: int | None = None,
                          connect_timeout_s: float | None = None) -> dict[str, Any]:
    """Generate ``rows`` applicants of ``world`` on Dask into
    ``out/population.parquet/part-*.parquet``.

    Returns the data card, also written to ``out/datacard.json``; it is the card
    :func:`riskkit.synth.write_population` writes for the same arguments, key for key and
    value for value, and the rows read back equal ``riskkit.generate``'s whatever the
    number of workers or ``partition_blocks``. ``scheduler`` is a scheduler address, a
    ``distributed.Client``, or ``None`` for a LocalCluster of ``n_workers`` processes
    (default: one per core, at most 8) that is closed afterwards; ``connect_timeout_s``
    bounds the wait for an address (10 s). ``out`` must be on storage the workers share
    with this machine.

    Parameters
    ----------
    out : path
        The output folder.
    rows : int
        Applicants.
    seed : int
        The seed.
    world : World
        The truth they are drawn from.
    scheduler : str, distributed.Client or None
        As above.
    partition_blocks : int
        65,536-row blocks per partition.
    quiet : bool
        No progress bar or info logs.
    month : int
        The calendar month of the world they are drawn at.
    n_workers : int, optional
        Workers of a new LocalCluster.
    connect_timeout_s : float, optional
        Seconds to wait for an address.

    Returns
    -------
    dict
        The data card.
    """
    check_arguments(rows, seed, world.bad_rate)
    world.scenario_at(month)
    plan = partition_plan(rows, partition_blocks)
    out_dir = Path(out).resolve()  # workers have their own working directory
    prepare_out_dir(out_dir)
    target = out_dir / POPULATION_FILE
    extra = {} if connect_timeout_s is None else {"connect_timeout_s": connect_timeout_s}
    start = time.perf_counter()
    with dask_client(scheduler, n_workers=n_workers, **extra) as client, \
            staged_folder(target) as stage:
        futures = [client.submit(write_partition, str(stage), index, int(rows), int(seed),
                                 world, int(month), first, stop, pure=False, priority=-index)
                   for index, (first, stop) in enumerate(plan)]
        results: dict[int, dict[str, Any]] = {}
        for future in completed(futures, "generate", quiet):
            result = future.result()
            results[result["index"]] = result
            future.release()
        check_parts(stage, [part_name(i) for i in range(len(plan))])
    card = _card(results, seed, world, month)
    write_json(out_dir / DATACARD_FILE, card)
    peaks = worker_peak_mb(results.values())
    log.info("wrote %s rows in %d partitions to %s in %.1f s (workers' peak memory %s MB)",
             f"{rows:,}", len(plan), target, time.perf_counter() - start,
             ", ".join(f"{v:,.0f}" for v in peaks.values()))
    return card


def _card(results: dict[int, dict[str, Any]], seed: int, world: World,
          month: int) -> dict[str, Any]:
    """Feed the blocks' stats to CardBuilder in block order, as the in-process writer does."""
    builder = CardBuilder()
    for index in sorted(results):
        for block in results[index]["blocks"]:
            builder.rows += block["rows"]
            builder.bads += block["bads"]
            builder.pd_sum += block["pd_sum"]
            builder.digests.append(block["digest"])
            builder.outcomes.append(block["y"])
            builder.pds.append(block["p"])
    return builder.card(seed, world, month)
