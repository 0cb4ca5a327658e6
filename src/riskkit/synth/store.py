"""Write a generated population to Parquet with its data card, block by block.

Memory stays bounded by one block (65,536 rows) plus two numbers per row for the oracle
AUC, so a population of millions of rows streams to disk. The Parquet file and the data card
are written under temporary names and renamed only when complete.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskkit import __version__
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import atomic_path, write_json
from riskkit.synth.population import BLOCK_ROWS, check_arguments
from riskkit.synth.truth import TruthModel
from riskkit.synth.world import World

log = logging.getLogger(__name__)

POPULATION_FILE = "population.parquet"
DATACARD_FILE = "datacard.json"


def block_digest(block: pd.DataFrame) -> bytes:
    """Digest of one block's content, column by column (independent of the file format)."""
    digest = hashlib.sha256()
    for name in block.columns:
        col = block[name]
        digest.update(str(name).encode())
        if isinstance(col.dtype, pd.CategoricalDtype):
            digest.update("|".join(map(str, col.cat.categories)).encode())
            digest.update(np.ascontiguousarray(col.cat.codes.to_numpy()).tobytes())
        elif pd.api.types.is_numeric_dtype(col.dtype):
            digest.update(np.ascontiguousarray(col.to_numpy()).tobytes())
        else:
            digest.update("\x1f".join(col.astype(str).tolist()).encode())
    return digest.digest()


def fingerprint(frame: pd.DataFrame) -> str:
    """Content fingerprint: SHA-256 over the digests of consecutive 65,536-row blocks.

    Hashing per block lets a streaming writer and a loaded frame agree, whatever engine
    produced the rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        A population (or any frame).

    Returns
    -------
    str
        The hex digest.
    """
    outer = hashlib.sha256()
    for start in range(0, max(len(frame), 1), BLOCK_ROWS):
        outer.update(block_digest(frame.iloc[start:start + BLOCK_ROWS]))
    return outer.hexdigest()


@dataclass
class CardBuilder:
    """Accumulates what the data card says while blocks stream past."""

    rows: int = 0
    bads: int = 0
    pd_sum: float = 0.0
    digests: list[bytes] = field(default_factory=list)
    outcomes: list[np.ndarray] = field(default_factory=list)
    pds: list[np.ndarray] = field(default_factory=list)

    def add(self, block: pd.DataFrame) -> None:
        y = block[F.TARGET].to_numpy(dtype=np.int8)
        p = block["true_pd"].to_numpy(dtype=np.float32)
        self.rows += len(block)
        self.bads += int(y.sum())
        self.pd_sum += float(block["true_pd"].sum())
        self.digests.append(block_digest(block))
        self.outcomes.append(y)
        self.pds.append(p)

    def card(self, seed: int, world: World, month: int = 0) -> dict[str, Any]:
        outer = hashlib.sha256()
        for d in self.digests:
            outer.update(d)
        # imported here: sklearn adds ~1.6 s to every Dask worker's start
        from sklearn.metrics import roc_auc_score

        y = np.concatenate(self.outcomes)
        p = np.concatenate(self.pds)
        oracle_auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
        truth = world.truth(month)
        return {
            "rows": self.rows,
            "seed": seed,
            "scenario": world.scenario_name_at(month),
            "month": month,
            "world": world_card(truth, world),
            "target_bad_rate": world.bad_rate,
            "bad_rate": self.bads / max(self.rows, 1),
            "mean_true_pd": self.pd_sum / max(self.rows, 1),
            "base_logit": truth.base_logit,
            "intercept": truth.intercept,
            "macro_logit": truth.macro_logit,
            "oracle_auc": oracle_auc,
            "fingerprint": outer.hexdigest(),
            "generator": f"riskkit {__version__}",
            "block_rows": BLOCK_ROWS,
            "target": F.TARGET,
            "features": F.describe(),
        }


def world_card(truth: TruthModel, world: World) -> dict[str, Any]:
    """What a data card says about the world: its name, dials, signal and true log-odds
    as a readable formula (and term by term, for a program), and the World itself
    (``world["value"]``: :meth:`World.to_dict`, enough to rebuild it)."""
    return {"name": truth.spec.name, **truth.spec.dials(), "signal": truth.signal,
            "formula": truth.formula_text(), "terms": truth.formula(),
            "value": world.to_dict()}


def prepare_out_dir(out: Path) -> None:
    """Create ``out`` and prove it is writable, or fail early with a reason.

    A probe file is written and removed because permission bits say nothing when running
    as root, and nothing else catches a read-only file system before the real work starts.
    """
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe-"):
            pass
    except OSError as exc:
        raise ConfigError(f"output folder {out} is not writable: {exc.strerror}") from None


def write_population(out: str | os.PathLike[str], rows: int, seed: int, world: World,
                     month: int = 0, quiet: bool = False) -> dict[str, Any]:
    """Generate ``rows`` applicants of ``world`` at calendar ``month`` into
    ``out/population.parquet`` + ``out/datacard.json``.

    Parameters
    ----------
    out : path
        The output folder (created).
    rows, seed : int
        Size and seed.
    world : World
        The world the applicants come from (no default: the truth is a value the caller has).
    month : int
        Calendar month of the cohort.
    quiet : bool
        No progress bar.

    Returns
    -------
    dict
        The data card.
    """
    out_dir = Path(out)
    check_arguments(rows, seed, world.bad_rate)
    prepare_out_dir(out_dir)
    blocks = world.iter_blocks(rows, seed, month, quiet)
    builder = CardBuilder()
    target = out_dir / POPULATION_FILE
    with atomic_path(target) as tmp:
        _stream_blocks(blocks, tmp, builder)
    card = builder.card(seed, world, month)
    write_json(out_dir / DATACARD_FILE, card)
    log.info("wrote %s rows of %s to %s and %s", f"{rows:,}", world.label(), target,
             out_dir / DATACARD_FILE)
    return card


def _stream_blocks(blocks: Iterator[pd.DataFrame], tmp: Path, builder: CardBuilder) -> None:
    """Write ``blocks`` to the Parquet file ``tmp`` on one writer thread.

    The writer thread converts block k to Arrow, encodes and compresses it (pyarrow and
    hashlib release the GIL) while the main thread generates block k+1; one worker keeps the
    blocks in order, and waiting on the previous block keeps at most two in memory.

    The Arrow conversion runs on the writer thread, never on the main thread, because
    Python delivers Ctrl-C (SIGINT) to the main thread only: interrupted inside
    ``pa.Table.from_pandas``, pyarrow abandons the half-converted columns and reports
    "Column 4 had 65536 while previous column had 45120" instead of the interrupt. Here the
    main thread is interrupted only in NumPy or while waiting, and the interrupt wins: the
    pending block is finished, the file closed, and the interrupt re-raised for the caller
    to remove the temporary file.
    """
    state: dict[str, pq.ParquetWriter] = {}

    def write(block: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(block, preserve_index=False)
        if "writer" not in state:
            state["writer"] = pq.ParquetWriter(tmp, table.schema, compression="zstd")
        state["writer"].write_table(table)
        builder.add(block)

    pending: Future[None] | None = None
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        for block in blocks:
            if pending is not None:
                pending.result()
            pending = pool.submit(write, block)
        if pending is not None:
            pending.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # the writer is idle before closing
        if "writer" in state:
            state["writer"].close()


# ----------------------------------------------------------------------------- size
#: Requests at least this large are measured and checked against the disk, the memory and
#: the clock before anything is written (a smaller one takes minutes and a few GB at most).
CHECK_FROM_ROWS = 2_000_000
#: Longest generation riskkit starts without ``force`` (a day: past that, use the Dask engine
#: on a cluster or generate a smaller population).
MAX_HOURS = 24.0
#: Bytes per row the writer keeps in memory until the end, for the data card's oracle AUC
#: (int8 outcome + float32 PD, concatenated once, then ranked by scikit-learn in float64).
MEMORY_BYTES_PER_ROW = 2 * 5 + 3 * 8


def size_estimate(rows: int, seed: int, world: World) -> dict[str, float]:
    """Disk, memory and time a population of ``rows`` needs, from one measured block.

    One block of 65,536 rows is generated, converted and compressed exactly as the writer
    does, and timed: its compressed size and rate scale linearly with the number of blocks.

    Parameters
    ----------
    rows, seed, world
        The request, as for :func:`write_population`.

    Returns
    -------
    dict
        ``rows``, ``disk_bytes``, ``memory_bytes``, ``seconds`` and the measured
        ``rows_per_second``.
    """
    check_arguments(rows, seed, world.bad_rate)
    start = time.perf_counter()
    block = next(world.iter_blocks(min(rows, BLOCK_ROWS), seed, quiet=True))
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(block, preserve_index=False), sink, compression="zstd")
    elapsed = max(time.perf_counter() - start, 1e-6)
    per_row = sink.getvalue().size / len(block)
    return {"rows": rows, "disk_bytes": per_row * rows,
            "memory_bytes": MEMORY_BYTES_PER_ROW * rows + 4 * block.memory_usage(deep=True).sum(),
            "seconds": elapsed * rows / len(block), "rows_per_second": len(block) / elapsed}


def _gb(n: float) -> str:
    """Bytes as GB, or TB past a thousand GB."""
    return f"{n / 1e12:,.1f} TB" if n >= 1e12 else f"{n / 1e9:,.1f} GB"


def check_room(estimate: dict[str, float], out: str | os.PathLike[str]) -> None:
    """Refuse a population that cannot fit the free disk or memory, or would take too long.

    Parameters
    ----------
    estimate
        :func:`size_estimate`'s answer.
    out
        The output folder (its nearest existing parent is measured).

    Raises
    ------
    ConfigError
        Naming the need, what is there, and ``--force``.
    """
    folder = Path(out).resolve()
    while not folder.exists():
        folder = folder.parent
    free_disk = shutil.disk_usage(folder).free
    free_memory = _available_memory()
    hours = estimate["seconds"] / 3600
    need = (f"{estimate['rows']:,} rows need about {_gb(estimate['disk_bytes'])} on disk, "
            f"{_gb(estimate['memory_bytes'])} of memory and {hours:,.1f} hours "
            f"(measured: {estimate['rows_per_second']:,.0f} rows/s)")
    problems = []
    if estimate["disk_bytes"] > free_disk:
        problems.append(f"{folder} has {_gb(free_disk)} free")
    if free_memory is not None and estimate["memory_bytes"] > free_memory:
        problems.append(f"{_gb(free_memory)} of memory is available")
    if hours > MAX_HOURS:
        problems.append(f"that is over {MAX_HOURS:.0f} hours")
    if problems:
        raise ConfigError(f"{need}, but {'; '.join(problems)}; generate fewer rows, use "
                          "--engine dask on a cluster, or pass --force to start anyway")
    log.info("%s", need)


def _available_memory() -> int | None:
    """Bytes of memory available now (Linux, macOS), or None where it cannot be read."""
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def read_population(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a population written by :func:`write_population`.

    Parameters
    ----------
    folder : path
        The folder holding ``population.parquet`` (a file or a folder of parts).

    Returns
    -------
    pandas.DataFrame
    """
    path = Path(folder)
    path = path / POPULATION_FILE if path.is_dir() else path
    if not path.exists():
        raise ConfigError(f"no population at {path}; run 'riskkit generate --out {path.parent}'")
    return pd.read_parquet(path)
