"""Score, decide and explain a whole portfolio, one Parquet partition per task.

The model travels as the *path* of its saved folder (``model.json`` + booster text), not
as a pickled object: each worker loads it with :func:`riskkit.models.load_model`, once per
process (cached by the sidecar's hash, so a model re-saved in the same folder is
reloaded), which is also what a real cluster with shared storage does. The policy travels
as its plain ``to_dict()`` record.

For each input partition a task writes ``scores.parquet/part-NNNNN.parquet`` with the
applicant id, ``pd``, ``score``, the policy's ``decision`` / ``knockout`` /
``credit_line`` and one ``contrib__<feature>`` column per model feature (log-odds; they add
up to ``logit(pd)`` with the ``expected_value`` recorded in ``scores.json``). Every row is
computed exactly as the in-process calls compute it, so the results are equal, not close.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow.parquet as pq

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_json, write_parquet
from riskkit.core.mathx import sigmoid
from riskkit.models import CreditModel, load_model
from riskkit.models.base import MODEL_FILE, read_model_json
from riskkit.policy import Policy
from riskkit.scale._cluster import completed, dask_client, worker_peak_mb
from riskkit.scale._parts import check_parts, part_name, process_stats, staged_folder
from riskkit.synth.store import POPULATION_FILE, prepare_out_dir

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

SCORES_DIR = "scores.parquet"
SUMMARY_FILE = "scores.json"
MODEL_DIR = "model"
CONTRIB_PREFIX = "contrib__"


@dataclass(frozen=True)
class Partition:
    """One unit of work: a Parquet file, or some of its row groups."""

    path: str
    row_groups: tuple[int, ...] | None = None

    def read(self) -> pd.DataFrame:
        if self.row_groups is None:
            return pd.read_parquet(self.path)
        return pq.ParquetFile(self.path).read_row_groups(list(self.row_groups)).to_pandas()


def list_partitions(source: str | os.PathLike[str],
                    row_groups_per_partition: int = 4) -> list[Partition]:
    """The partitions of ``source``, in row order.

    A folder gives one partition per visible ``*.parquet`` file (sorted by name; names
    starting with ``.`` or ``_`` are skipped, as pyarrow skips them); a folder holding a
    generated ``population.parquet`` (file or folder) means that; a single file is cut into
    runs of ``row_groups_per_partition`` row groups (the in-process writer makes one row
    group per 65,536-row block).

    Parameters
    ----------
    source : path
        A Parquet file, a folder of them, or a folder holding ``population.parquet``.
    row_groups_per_partition : int
        Row groups per partition of a single file.

    Returns
    -------
    list of Partition
    """
    path = Path(source).resolve()
    if path.is_dir() and (path / POPULATION_FILE).exists():  # a `riskkit generate` folder
        return list_partitions(path / POPULATION_FILE, row_groups_per_partition)
    if path.is_dir():
        files = sorted(f for f in path.iterdir() if f.suffix == ".parquet" and f.is_file()
                       and not f.name.startswith((".", "_")))
        if not files:
            raise ConfigError(f"no Parquet files in {path}")
        return [Partition(str(f)) for f in files]
    if not path.is_file():
        raise ConfigError(f"no Parquet file or folder at {path}")
    if row_groups_per_partition < 1:
        raise ConfigError("row_groups_per_partition must be at least 1")
    n = pq.ParquetFile(path).metadata.num_row_groups
    return [Partition(str(path), tuple(range(i, min(i + row_groups_per_partition, n))))
            for i in range(0, max(n, 1), row_groups_per_partition)]


@functools.lru_cache(maxsize=4)
def _cached_model(folder: str, stamp: str) -> CreditModel:
    """One load per worker process and model version (``stamp`` only keys the cache)."""
    return load_model(folder)


def _model_stamp(folder: Path) -> str:
    return hashlib.sha256((folder / MODEL_FILE).read_bytes()).hexdigest()


def score_frame(model: CreditModel, frame: pd.DataFrame, policy: Policy | None,
                contributions: bool = True) -> pd.DataFrame:
    """The scores table of one frame: what every partition task writes.

    ``pd`` and ``score`` come from one ``predict_logit`` call; they equal ``predict_pd`` and
    ``score`` exactly, as both are the same functions of the same log-odds.
    """
    logit = model.predict_logit(frame)
    pd_ = sigmoid(logit)
    score = model.scaling.points(logit)
    out: dict[str, Any] = {}
    if F.ID_COLUMN in frame.columns:
        out[F.ID_COLUMN] = frame[F.ID_COLUMN].to_numpy()
    out["pd"] = pd_
    out["score"] = score
    if policy is not None:
        decision = policy.decide(frame, pd_, score)
        for column in ("decision", "knockout", "credit_line"):
            out[column] = decision[column].to_numpy()
    table = pd.DataFrame(out)
    if contributions:
        contrib = model.contributions(frame).to_numpy()
        names = [f"{CONTRIB_PREFIX}{name}" for name in model.features_]
        table = pd.concat([table, pd.DataFrame(contrib, columns=names)], axis=1)
    return table


def score_partition(model_dir: str, stamp: str, policy_state: dict[str, Any] | None,
                    partition: Partition, folder: str, index: int,
                    contributions: bool) -> dict[str, Any]:
    """Task run on a worker: score one partition into ``folder/part-NNNNN.parquet``."""
    start = time.perf_counter()
    model = _cached_model(model_dir, stamp)
    policy = None if policy_state is None else Policy.from_dict(policy_state)
    table = score_frame(model, partition.read(), policy, contributions)
    write_parquet(Path(folder) / part_name(index), table)
    approved = int((table["decision"] == "approved").sum()) if policy is not None else 0
    return {"index": index, "rows": len(table), "pd_sum": float(table["pd"].sum()),
            "approved": approved, "seconds": time.perf_counter() - start, **process_stats()}


def score_partitions(model: str | os.PathLike[str] | CreditModel,
                     source: str | os.PathLike[str], out: str | os.PathLike[str], *,
                     policy: Policy | None = None, contributions: bool = True,
                     scheduler: str | Client | None = None, quiet: bool = False,
                     n_workers: int | None = None,
                     row_groups_per_partition: int = 4) -> dict[str, Any]:
    """Score, decide and explain every partition of ``source`` into ``out/scores.parquet/``.

    ``model`` is a saved model folder, or a fitted model that is first saved to
    ``out/model/`` so that workers can load it; ``policy`` must have its cut-off chosen
    (``Policy.fit``) and is optional (no decision columns without it). Returns the summary
    also written to ``out/scores.json``: rows, partitions, mean PD, approval rate, the
    contributions' ``expected_value`` and the workers' peak memory.

    Parameters
    ----------
    model : path or CreditModel
        A saved model folder or a fitted model.
    source : path
        The applicants (see :func:`list_partitions`).
    out : path
        Where ``scores.parquet/`` and ``scores.json`` go.
    policy : Policy, optional
        A fitted policy: adds the decision columns.
    contributions : bool
        Add one contribution column per feature.
    scheduler : str, distributed.Client or None
        As :func:`dask_client`.
    quiet : bool
        No progress bar or info logs.
    n_workers : int, optional
        Workers of a new LocalCluster.
    row_groups_per_partition : int
        Row groups per partition of a single file.

    Returns
    -------
    dict
        The summary.
    """
    out_dir = Path(out).resolve()
    prepare_out_dir(out_dir)
    if isinstance(model, CreditModel):
        model.save(out_dir / MODEL_DIR)
        model_dir = out_dir / MODEL_DIR
    else:
        model_dir = Path(model).resolve()
        read_model_json(model_dir)  # fail here, not on every worker, if it is not a model
    if policy is not None and policy.cutoff is None:
        raise ConfigError("the policy's cut-off is not chosen yet: call Policy.fit first")
    parts = list_partitions(source, row_groups_per_partition)
    stamp = _model_stamp(model_dir)
    policy_state = None if policy is None else policy.to_dict()
    start = time.perf_counter()
    with dask_client(scheduler, n_workers=n_workers) as client, \
            staged_folder(out_dir / SCORES_DIR) as stage:
        futures = [client.submit(score_partition, str(model_dir), stamp, policy_state, part,
                                 str(stage), index, contributions, pure=False, priority=-index)
                   for index, part in enumerate(parts)]
        results = {}
        for future in completed(futures, "score", quiet):
            result = future.result()
            results[result["index"]] = result
            future.release()
        check_parts(stage, [part_name(i) for i in range(len(parts))])
    rows = sum(r["rows"] for r in results.values())
    summary = {
        "source": str(Path(source).resolve()),
        "scores": str(out_dir / SCORES_DIR),
        "model": str(model_dir),
        "rows": rows,
        "partitions": len(parts),
        "mean_pd": sum(r["pd_sum"] for r in results.values()) / max(rows, 1),
        "approval_rate": (sum(r["approved"] for r in results.values()) / max(rows, 1)
                          if policy is not None else None),
        "policy": policy_state,
        "expected_value": float(_cached_model(str(model_dir), stamp).expected_value())
        if contributions else None,
        "seconds": time.perf_counter() - start,
        "worker_peak_mb": worker_peak_mb(results.values()),
    }
    write_json(out_dir / SUMMARY_FILE, summary)
    log.info("scored %s rows in %d partitions -> %s", f"{rows:,}", len(parts), summary["scores"])
    return summary


def read_scores(out: str | os.PathLike[str]) -> pd.DataFrame:
    """All partitions' scores in row order (a convenience for tests and small outputs)."""
    folder = Path(out) / SCORES_DIR
    if not folder.is_dir():
        raise ConfigError(f"no scores at {folder}; run score_partitions first")
    return pd.read_parquet(folder).reset_index(drop=True)


__all__ = ["Partition", "list_partitions", "read_scores", "score_frame", "score_partition",
           "score_partitions"]
