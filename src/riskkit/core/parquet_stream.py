"""A Parquet file written row group by row group while its rows are still being produced.

Why: the lifecycle panel (2.4 million rows for 100,000 borrowers x 24 months) took two
seconds to encode after the simulation, on one core, and held a second copy of itself in
Arrow while it did. Rows of the panel are final month by month, so each row group can be
encoded as soon as its rows exist, on a background thread (Arrow's conversion and Parquet
encoding run without the GIL) beside the simulation's NumPy work, holding one row group in
Arrow at a time.

The file is the same, byte for byte, as ``frame.to_parquet(path, index=False)`` of the whole
frame (pandas' defaults: Snappy, Arrow's row groups of ``ROW_GROUP_ROWS`` rows, the same
schema and pandas metadata), because it is made of the same row groups. Like every riskkit
artifact it appears under its name only when complete (:func:`riskkit.core.io.atomic_path`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from riskkit.core.io import atomic_path
from riskkit.core.machinery import release_freed_memory, single_thread

#: Arrow's default largest row group (``write_table``'s ``row_group_size=None``).
ROW_GROUP_ROWS = 1024 * 1024
#: What ``DataFrame.to_parquet`` compresses with by default.
COMPRESSION = "snappy"

RowSource = Callable[[int, int], pd.DataFrame]


class ParquetStream:
    """Rows ``[0, total_rows)`` of one frame, announced in order, encoded in the background.

    Call :meth:`rows_done` whenever more leading rows are final; every row group they
    complete is converted and written on one background thread, in order. The last,
    shorter group is written when ``rows_done(total_rows, ...)`` is called.
    """

    def __init__(self, path: Path, total_rows: int, row_group_rows: int = ROW_GROUP_ROWS) -> None:
        self.path = path
        self.total_rows = int(total_rows)
        self.row_group_rows = int(row_group_rows)
        self.written = 0
        self._writer: pq.ParquetWriter | None = None
        self._pool = single_thread("parquet")
        self._jobs: list[Future[None]] = []

    def rows_done(self, done: int, rows: RowSource) -> None:
        """Rows ``[0, done)`` are final: queue every row group they complete.

        Parameters
        ----------
        done
            How many leading rows are final (never fewer than at the previous call).
        rows
            ``rows(start, stop)`` -> those rows as a DataFrame (called here, on the calling
            thread; the frame must not change afterwards).
        """
        if done < self.written or done > self.total_rows:
            raise ValueError(f"rows_done({done}): expected {self.written}..{self.total_rows}")
        while self.written < self.total_rows and (
                done - self.written >= self.row_group_rows or done == self.total_rows):
            stop = min(self.written + self.row_group_rows, self.total_rows)
            chunk = rows(self.written, stop)
            self._raise_failed()
            self._jobs.append(self._pool.submit(self._write, chunk))
            self.written = stop

    def _write(self, chunk: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(chunk, preserve_index=False)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression=COMPRESSION)
        self._writer.write_table(table)
        del table, chunk
        pa.default_memory_pool().release_unused()  # the row group's buffers, back to the OS
        # and what assembling the rows freed on this thread's malloc arena (~50 MB that
        # glibc would otherwise keep for the rest of the run)
        release_freed_memory()

    def _raise_failed(self) -> None:
        for job in self._jobs:
            if job.done() and job.exception() is not None:
                raise job.exception()  # type: ignore[misc]

    def close(self, *, complete: bool = True) -> None:
        """Wait for every queued row group and close the file (a writer's error re-raised).

        ``complete=False`` (giving up after an error elsewhere) skips the check that every
        row was announced.
        """
        try:
            if complete and self.written != self.total_rows:
                raise ValueError(f"only {self.written} of {self.total_rows} rows were written")
            for job in self._jobs:
                job.result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            if self._writer is not None:
                self._writer.close()


@contextmanager
def streamed_parquet(path: str | os.PathLike[str], total_rows: int,
                     row_group_rows: int = ROW_GROUP_ROWS) -> Iterator[ParquetStream]:
    """A :class:`ParquetStream` onto ``path``: renamed into place only when every row is in.

    Parameters
    ----------
    path
        The Parquet file to write.
    total_rows
        How many rows the file will hold.
    row_group_rows
        Rows per row group (Arrow's default, as ``to_parquet`` uses).

    Yields
    ------
    ParquetStream
        Announce rows with :meth:`ParquetStream.rows_done`. On an error inside the block
        nothing is left under ``path``.
    """
    with atomic_path(path) as tmp:
        stream = ParquetStream(tmp, total_rows, row_group_rows)
        try:
            yield stream
        except BaseException:
            with suppress(Exception):  # the block's own error is the one to report
                stream.close(complete=False)
            raise
        stream.close()
