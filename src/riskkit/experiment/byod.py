"""Bring your own data: ``riskkit fit --data FILE --target COL`` end to end.

:func:`fit_file` reads an analyst's file with :func:`riskkit.data.ingest.load_dataset` (every
problem reported at once), builds the run's own feature registry (a value the run carries,
so models, reason codes and charts read the file's features like the built-in ones), splits the rows
(stratified and seeded), resolves a config and runs the same experiment as ``riskkit run``
on the stored splits. The run folder gets three extra files:

``registry.json``
    the inferred feature entries: a loaded run carries them as ``run.registry``, so the
    run's models are usable in a new process;
``schema.json``
    :meth:`InferredSchema.to_dict`, so new data can be cleaned exactly like the training
    data (``InferredSchema.from_dict(...).transform(raw)``);
``notes.txt``
    how the file was read and every decision taken on the way (excluded columns and why,
    renamed features, the segment column, what ``applicant_id`` means).

Choices and why
---------------
applicant ids
    ``applicant_id`` is the row's number in the file (1 = first data row, header not counted),
    the same numbering every error message uses, so ``riskkit explain RUN --applicant 17``
    explains the 17th row of the file. The file's own identifier columns are excluded from
    the model by ingestion (with a note).
split
    train / valid / test, stratified on the outcome and seeded, with ``data.split`` shares
    (60/20/20 by default): on a 1,000-row file an unstratified split can move the test
    bad rate by several points. The split comes *before* anything is learned: category
    levels, rare-level grouping, date references, the features' risk directions (and so
    the scorecard's bin trends and LightGBM's monotone constraints) and the leakage check
    read the training rows only (:func:`riskkit.data.ingest.fit_dataset`). Rows that repeat
    each other stay in one split. Every split needs at least :data:`MIN_CLASS_ROWS` goods and
    bads, else there is nothing to calibrate on or measure.
config
    the oracle is disabled (real data has no true PD), knock-out rules are none (the
    built-in ones read synthetic columns), the segment column is the most balanced
    categorical with 2-8 levels, and LightGBM's leaf sizes scale with the training rows
    (its defaults are sized for 100k synthetic applicants). A ``--config`` YAML overrides
    any of it and is validated strictly; its optional ``ingest:`` section passes
    :class:`~riskkit.data.schema.SchemaOptions` (``id_columns``, ``exclude``, ``categorical``,
    ``sentinels`` ...) and ``kinds`` / ``directions`` to ingestion. Features may be named
    as in the file (Chinese names included) wherever the config names one
    (:mod:`riskkit.experiment.byod_config`).
names
    a feature whose name riskkit uses itself (``age``, ``occupation``, ``applicant_id`` ...)
    is renamed ``<name>_data`` in models and in ``schema.json``, with a note: the built-in
    feature keeps its meaning, and the user's column its values.
size
    at least :data:`MIN_ROWS` rows (the config validator's floor for ``data.rows``).
seed
    the ``seed`` argument, except that a config's own ``seed:`` wins over the default 7 (the
    CLI cannot tell a default from a choice); two different explicit seeds are an error.
"""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit import evaluate as ev
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, DataError
from riskkit.core.features import Feature
from riskkit.core.io import write_json, write_text
from riskkit.core.registry import Registry
from riskkit.data.ingest import Dataset, RawData, fit_dataset, read_dataset
from riskkit.experiment import tracking
from riskkit.experiment.byod_config import (
    DEFAULT_SEED,
    check_early,
    choose_seed,
    choose_segment,
    ingest_options,
    mark_protected,
    read_user_config,
    resolve_fit_config,
)
from riskkit.experiment.runfolder import REGISTRY_FILE
from riskkit.experiment.runner import run_experiment
from riskkit.experiment.stages import build_models

__all__ = [
    "MIN_CLASS_ROWS",
    "MIN_ROWS",
    "Prepared",
    "choose_segment",
    "cross_validate",
    "fit_file",
    "prepare",
    "stratified_split",
]

log = logging.getLogger(__name__)
SCHEMA_FILE = "schema.json"
NOTES_FILE = "notes.txt"
FORMAT_VERSION = 1
#: The config validator's floor for ``data.rows`` (see ``config._check_values``).
MIN_ROWS = 1000
#: Goods and bads each split must hold at least (calibration and AUC need both).
MIN_CLASS_ROWS = 10
SPLITS = ("train", "valid", "test")
#: Names a user's feature may not keep: built-in features and the columns runs add.
RESERVED = frozenset({*F.SYNTHETIC, F.ID_COLUMN, F.TARGET, "split", *F.TRUTH_COLUMNS})


@dataclass
class Prepared:
    """A data file made ready for a run: rows, features, config and what was decided."""

    dataset: Dataset
    #: ``applicant_id``, the model features and ``default_12m`` (0/1), one row per file row.
    frame: pd.DataFrame
    registry: dict[str, Feature]
    config: dict[str, Any]
    notes: list[str]
    #: row positions of train / valid / test; everything fitted was learned from train only
    split: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return list(self.registry)


# ----------------------------------------------------------------------------- public API
def fit_file(data: str | os.PathLike[str], target: str, runs_dir: str | os.PathLike[str] = "runs",
             config_path: str | os.PathLike[str] | None = None, bad_label: object = None,
             encoding: str | None = None, delimiter: str | None = None, name: str | None = None,
             seed: int = DEFAULT_SEED, quiet: bool = False, header: bool = True) -> Path:
    """Fit scorecard and LightGBM on a CSV/Parquet file; return the new run folder.

    Every problem with the file or the config is a :class:`~riskkit.core.errors.RiskkitError`
    raised before any run folder exists; a failure during the run removes its hidden
    ``.incomplete-*`` staging folder (``experiment.staging_folder``), and a killed process
    leaves at most that hidden folder, never one that looks complete.
    """

    prep = prepare(data, target, config_path=config_path, bad_label=bad_label,
                   encoding=encoding, delimiter=delimiter, name=name, seed=seed, header=header)
    splits = {k: prep.frame.iloc[idx].reset_index(drop=True) for k, idx in prep.split.items()}
    notes = [*prep.notes, "rows per split: " + ", ".join(
        f"{k} {len(v)} ({int(v[F.TARGET].sum())} bad)" for k, v in splits.items())]
    log.info("%s", notes[-1])

    def extra_files(folder: Path) -> None:
        write_json(folder / REGISTRY_FILE, _registry_record(prep))
        write_json(folder / SCHEMA_FILE, prep.dataset.schema.to_dict())
        write_text(folder / NOTES_FILE, "\n".join(notes) + "\n")

    settings = tracking.settings_from(prep.config)  # a config's tracking: section
    final = run_experiment(prep.config, runs_dir, quiet, data=splits, extra_files=extra_files,
                           registry=Registry(prep.registry.values()))
    if settings.enabled:
        tracking.track_run(final, settings)
    return final


def prepare(data: str | os.PathLike[str], target: str, *,
            config_path: str | os.PathLike[str] | None = None, bad_label: object = None,
            encoding: str | None = None, delimiter: str | None = None, name: str | None = None,
            seed: int = DEFAULT_SEED, header: bool = True) -> Prepared:
    """Read and check the file and the config, split, and learn from the training rows.

    The config is checked first (a misspelt key fails in milliseconds, not after reading a
    large file), then the data; the rows are split (stratified, duplicates kept together)
    *before* anything is learned, so the features' directions, levels and bins come from
    the training rows only; then the config is resolved with the data's features. What was
    decided is logged (INFO; warnings at WARNING) and kept in ``notes``. Nothing is written.
    """
    user, source, raw, shares, chosen, protected = _read(data, target, config_path, bad_label,
                                                         encoding, delimiter, seed, header)
    split = stratified_split(raw.y, shares, chosen, groups=raw.groups)
    prep = _assemble(raw, split, user, source, name, seed, protected)
    _log_decisions(prep)
    return prep


def _read(data: str | os.PathLike[str], target: str, config_path: Any, bad_label: object,
          encoding: str | None, delimiter: str | None, seed: int, header: bool,
          ) -> tuple[dict[str, Any], str, RawData, dict[str, float], int, Any]:
    """Config checked early, the file read and checked: (user config, source, data, shares,
    seed, the config's ``protected:`` section)."""
    user = read_user_config(config_path)
    source = f"config {config_path}" if config_path else "config"
    ingest = ingest_options(user.pop("ingest", None), source)
    protected = user.pop("protected", None)
    early = check_early(user, source)
    path = Path(data)
    raw = read_dataset(path, target, encoding=encoding, delimiter=delimiter,
                       bad_label=bad_label, header=header, **ingest)
    _check_rows(path, len(raw.y))
    shares = {k: float(v) for k, v in early["data"]["split"].items()}
    _check_classes(path, raw.y, shares)
    return user, source, raw, shares, choose_seed(seed, user.get("seed"), source), protected


def _assemble(raw: RawData, split: dict[str, np.ndarray], user: dict[str, Any], source: str,
              name: str | None, seed: int, protected: Any = None) -> Prepared:
    """Fit the dataset on ``split["train"]`` and resolve the run config around it."""
    dataset = fit_dataset(raw, split["train"])
    registry, renames = _safe_registry(dataset)
    registry, protected_notes = mark_protected(registry, dataset, protected, user.get("features"),
                                               source)
    notes = list(dataset.notes)
    for old, new in renames.items():
        notes.append(f"feature {old!r} is called {new!r} in models: {old!r} is a name riskkit "
                     "uses itself")
    frame = dataset.frame.reset_index(drop=True).rename(columns=renames)
    frame.insert(0, F.ID_COLUMN, np.arange(1, len(frame) + 1, dtype=np.int64))
    frame[F.TARGET] = dataset.y.astype(np.int64)
    notes.append(f"{F.ID_COLUMN} is the row number in the file (1 = first data row, header "
                 "not counted); use it with riskkit explain --applicant")
    cfg, cfg_notes = resolve_fit_config(copy.deepcopy(user), source, dataset.source, dataset,
                                        frame, registry, name, seed)
    notes += protected_notes + cfg_notes
    notes += [f"WARNING: {w}" for w in dataset.warnings]
    return Prepared(dataset, frame, registry, cfg, notes, split)


def _log_decisions(prep: Prepared) -> None:
    """What riskkit decided about the user's data, on the console (INFO; warnings at WARNING)."""
    kept = prep.dataset.schema.kept
    by_role: dict[str, list[str]] = {}
    for info in kept:
        by_role.setdefault(info.role, []).append(info.name)
    summary = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_role.items()))
    log.info("features: %s (%d columns); fitted on %d training rows", summary, len(kept),
             len(prep.split.get("train", ())))
    if by_role.get("categorical"):
        log.info("treated as categorical: %s", ", ".join(by_role["categorical"]))
    for note in prep.notes:
        if note.startswith("WARNING: "):
            log.warning("%s", note[len("WARNING: "):])
        else:
            log.info("%s", note)


def stratified_split(y: np.ndarray, shares: Mapping[str, float], seed: int,
                     groups: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Row positions of train / valid / test, stratified on ``y`` and seeded.

    ``groups`` (one number per row; default every row its own) keeps rows of a group in
    one split: duplicate rows of a file share a group (:func:`riskkit.data.checks.duplicate_groups`).
    Groups are stratified on their first row's outcome, each class shuffled on its own and
    cut where the rows reach the shares (rounded), so every split has the file's bad rate to
    within one group per class; without duplicates this is the row-level split. Positions
    are sorted so that a split keeps the file's row order.
    """
    y = np.asarray(y)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    _, first, inverse, sizes = np.unique(groups, return_index=True, return_inverse=True,
                                         return_counts=True)
    order = np.argsort(first, kind="stable")  # groups in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    label, sizes, row_group = y[first[order]], sizes[order], rank[inverse]
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(11,)))
    chosen: dict[str, list[np.ndarray]] = {k: [] for k in SPLITS}
    for value in np.unique(label):
        idx = rng.permutation(np.flatnonzero(label == value))
        total = int(sizes[idx].sum())
        ends = np.cumsum(sizes[idx])
        n_train = round(float(shares["train"]) * total)
        n_valid = round(float(shares["valid"]) * total)
        chosen["train"].append(idx[ends <= n_train])
        chosen["valid"].append(idx[(ends > n_train) & (ends <= n_train + n_valid)])
        chosen["test"].append(idx[ends > n_train + n_valid])
    return {k: np.flatnonzero(np.isin(row_group, np.concatenate(v))) for k, v in chosen.items()}


def cross_validate(data: str | os.PathLike[str], target: str, *, folds: int = 5,
                   config_path: str | os.PathLike[str] | None = None, bad_label: object = None,
                   encoding: str | None = None, delimiter: str | None = None,
                   seed: int = DEFAULT_SEED, header: bool = True) -> dict[str, Any]:
    """Stratified k-fold AUC of the models ``fit_file`` would fit, with the same config.

    A 200-row test split gives an AUC with a standard error of about 0.03; the mean over
    ``folds`` held-out folds uses every row once and is the fair number to compare with
    published results. In each fold the remaining rows are split train/valid in the
    config's train:valid ratio (early stopping and calibration need the valid part), and
    everything fitted (levels, directions, bins, monotone constraints) is learned again from
    that fold's training rows: the held-out fold never shapes its own model. Duplicate rows
    stay in one fold (``StratifiedGroupKFold``).
    """
    from sklearn.model_selection import StratifiedGroupKFold


    if folds < 2:
        raise ConfigError(f"folds must be at least 2, got {folds}")
    user, source, raw, shares, chosen, protected = _read(data, target, config_path, bad_label,
                                                         encoding, delimiter, seed, header)
    y = raw.y
    inner = {"train": shares["train"], "valid": shares["valid"], "test": 0.0}
    total = inner["train"] + inner["valid"]
    inner = {k: v / total for k, v in inner.items()}
    scores: dict[str, list[float]] = {}
    kfold = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=chosen)
    for k, (rest, held) in enumerate(kfold.split(np.zeros(len(y)), y, raw.groups)):
        parts = stratified_split(y[rest], inner, chosen + k, groups=raw.groups[rest])
        split = {"train": rest[parts["train"]], "valid": rest[parts["valid"]], "test": held}
        prep = _assemble(raw, split, user, source, None, seed, protected)
        frame, cfg = prep.frame, prep.config
        train, valid, test = (frame.iloc[split[s]] for s in SPLITS)
        for name, model in build_models(cfg, Registry(prep.registry.values()), world=None).items():
            model.fit(train, train[F.TARGET].to_numpy(), X_valid=valid,
                      y_valid=valid[F.TARGET].to_numpy())
            scores.setdefault(name, []).append(ev.auc(test[F.TARGET], model.predict_pd(test)))
    return {"folds": folds, "rows": len(y), "seed": chosen, "models": {
        name: {"auc_mean": float(np.mean(v)), "auc_std": float(np.std(v, ddof=1)),
               "auc_folds": [round(s, 6) for s in v]} for name, v in scores.items()}}


# ----------------------------------------------------------------------------- registry
def _registry_record(prep: Prepared) -> dict[str, Any]:
    ds = prep.dataset
    return {
        "format_version": FORMAT_VERSION,
        "source": ds.source.name,
        "read": {k: v for k, v in ds.read.items() if isinstance(v, str | int | float | None)},
        "target": ds.target,
        "target_mapping": ds.target_mapping,
        "id_column": F.ID_COLUMN,
        "id_meaning": "row number in the file, 1 = first data row",
        "display_names": {f: feat.label_en for f, feat in prep.registry.items()},
        "features": Registry(prep.registry.values()).to_records(),
    }


def _safe_registry(dataset: Dataset) -> tuple[dict[str, Feature], dict[str, str]]:
    """The dataset's registry with reserved names renamed (``age`` -> ``age_data``).

    A file with an ``age`` or ``occupation`` column must not redefine the built-in feature
    (the run's registry would shadow it), and a feature called ``default_12m`` would overwrite the
    target in the split frames. The schema is renamed too, so ``schema.json`` transforms new
    data into the columns the models expect.
    """
    used = set(dataset.registry)
    renames: dict[str, str] = {}
    out: dict[str, Feature] = {}
    for name, feat in dataset.registry.items():
        new = name
        if name in RESERVED or name.startswith(F.CONTRIB_PREFIX):
            new, k = f"{name}_data", 2
            while new in used or new in RESERVED:
                new, k = f"{name}_data{k}", k + 1
            used.add(new)
            renames[name] = new
        out[new] = replace(feat, name=new) if new != name else feat
    for info in dataset.schema.columns.values():
        if info.feature in renames:
            info.feature = renames[info.feature]
    return out, renames


def _check_rows(path: Path, n: int) -> None:
    """The config validator's floor, said about the file rather than about ``data.rows``."""
    if n < MIN_ROWS:
        raise DataError(str(path), [
            f"{n} data rows; riskkit fit needs at least {MIN_ROWS} (train, valid and test "
            "each need enough rows to fit a model and to measure it)"])


def _check_classes(path: Path, y: np.ndarray, shares: Mapping[str, float]) -> None:
    """Enough goods and bads for every split to hold :data:`MIN_CLASS_ROWS` of each."""
    n, bad = len(y), int(np.sum(y))
    fewest = min(bad, n - bad)
    need = int(np.ceil(MIN_CLASS_ROWS / min(float(v) for v in shares.values())))
    if fewest < need:
        which = "bad" if bad <= n - bad else "good"
        raise DataError(str(path), [
            f"only {fewest} {which} rows; riskkit fit needs at least {need} of each outcome "
            f"so that train, valid and test each get {MIN_CLASS_ROWS}"])
