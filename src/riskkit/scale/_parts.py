"""Partitioned Parquet folders: naming, staging, checking, and what a task reports back.

A job writes its part files into a hidden staging folder next to the target and swaps it
into place only when every part is there. So a reader never sees a mix of old and new
parts (a re-run with fewer partitions would otherwise leave stale files that pandas and
dask happily read as data), and a failed job leaves the previous output untouched.
Each part is itself written under a temporary name and renamed (``riskkit.core.io``), because
a worker that dies mid-write must not leave a truncated file under a real name.
"""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from riskkit.core.errors import RiskkitError

PART_TEMPLATE = "part-{:05d}.parquet"
STAGING_PREFIX = ".incomplete-"


def part_name(index: int) -> str:
    return PART_TEMPLATE.format(index)


def peak_rss_mb() -> float:
    """High-water mark of this process's resident memory, in MiB.

    Linux's ``VmHWM`` first: ``ru_maxrss`` survives ``exec``, so a process started from a
    large parent (fork, then exec) would report the parent's size as its own peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB


def process_stats() -> dict[str, Any]:
    """Host, pid and peak resident memory of the calling process (a worker, in a task).

    The peak is the high-water mark of the whole process so far, so the largest value a
    worker reports over its tasks is that worker's peak, with no sampling needed.
    """
    return {"host": socket.gethostname(), "pid": os.getpid(), "peak_rss_mb": peak_rss_mb()}


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty hidden folder; on success it replaces ``target`` (file or folder).

    The swap is two renames (old out of the way, new in) and a delete: there is a moment
    with no ``target`` at all, never one with a mixture of old and new parts.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    stage = target.parent / f"{STAGING_PREFIX}{target.name}-{token}"
    stage.mkdir()
    try:
        yield stage
        old = target.parent / f".old-{target.name}-{token}"
        if target.exists() or target.is_symlink():
            os.replace(target, old)
        os.replace(stage, target)
        _remove(old)
    finally:
        _remove(stage)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


def check_parts(folder: Path, names: list[str]) -> None:
    """Every expected part is visible here, or the output is not on shared storage."""
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise RiskkitError(
            f"{len(missing)} of {len(names)} partitions (e.g. {missing[0]}) were reported "
            f"written by the workers but are not in {folder} as this machine sees it: the "
            "output folder must be on storage that every Dask worker and this machine share")


def write_table_parts(path: Path, tables: Iterator[pa.Table],
                      compression: str = "zstd") -> None:
    """Write consecutive tables (one row group each) into one Parquet file at ``path``."""
    writer: pq.ParquetWriter | None = None
    try:
        for table in tables:
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression=compression)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
