"""Bring your own data: ``riskkit fit --data FILE --target COL`` end to end.

:func:`fit_file` reads an analyst's file with :func:`riskkit.data.ingest.load_dataset` (every
problem reported at once), registers the inferred features for the duration of the run so
that models, reason codes and charts read them like the built-in ones, splits the rows
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
    bad rate by several points. Every split needs at least :data:`MIN_CLASS_ROWS` goods and
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

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
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
from riskkit.data.ingest import Dataset, load_dataset
from riskkit.experiment import tracking
from riskkit.experiment.byod_config import (
    DEFAULT_SEED,
    check_early,
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

    @property
    def features(self) -> list[str]:
        return list(self.registry)


# ----------------------------------------------------------------------------- public API
def fit_file(data: str | os.PathLike[str], target: str, runs_dir: str | os.PathLike[str] = "runs",
             config_path: str | os.PathLike[str] | None = None, bad_label: object = None,
             encoding: str | None = None, delimiter: str | None = None, name: str | None = None,
             seed: int = DEFAULT_SEED, quiet: bool = False) -> Path:
    """Fit scorecard and LightGBM on a CSV/Parquet file; return the new run folder.

    Every problem with the file or the config is a :class:`~riskkit.core.errors.RiskkitError`
    raised before any run folder exists; a failure during the run removes its hidden
    ``.incomplete-*`` staging folder (``experiment.staging_folder``), and a killed process
    leaves at most that hidden folder, never one that looks complete.
    """

    prep = prepare(data, target, config_path=config_path, bad_label=bad_label,
                   encoding=encoding, delimiter=delimiter, name=name, seed=seed)
    index = stratified_split(prep.frame[F.TARGET].to_numpy(), prep.config["data"]["split"],
                             prep.config["seed"])
    splits = {k: prep.frame.iloc[idx].reset_index(drop=True) for k, idx in index.items()}
    notes = [*prep.notes, "rows per split: " + ", ".join(
        f"{k} {len(v)} ({int(v[F.TARGET].sum())} bad)" for k, v in splits.items())]

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
            seed: int = DEFAULT_SEED) -> Prepared:
    """Read and check the file and the config; nothing is written.

    The config is checked first (a misspelt key fails in milliseconds, not after reading a
    large file), then the data, then the config again with the data's features.
    """
    user = read_user_config(config_path)
    source = f"config {config_path}" if config_path else "config"
    ingest = ingest_options(user.pop("ingest", None), source)
    protected = user.pop("protected", None)
    check_early(user, source)
    path = Path(data)
    dataset = load_dataset(path, target, encoding=encoding, delimiter=delimiter,
                           bad_label=bad_label, **ingest)
    _check_rows(path, len(dataset.y))
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
    cfg, cfg_notes = resolve_fit_config(user, source, path, dataset, frame, registry,
                                        name, seed)
    _check_classes(path, dataset.y, cfg["data"]["split"])
    notes += protected_notes + cfg_notes
    return Prepared(dataset, frame, registry, cfg, notes)


def stratified_split(y: np.ndarray, shares: Mapping[str, float], seed: int) -> dict[str, np.ndarray]:
    """Row positions of train / valid / test, stratified on ``y`` and seeded.

    Each class is shuffled on its own and cut by the shares (rounded), so every split has
    the file's bad rate to within one row per class; positions are sorted so that a split
    keeps the file's row order.
    """
    y = np.asarray(y)
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(11,)))
    parts: dict[str, list[np.ndarray]] = {k: [] for k in SPLITS}
    for value in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == value))
        n_train = round(float(shares["train"]) * len(idx))
        n_valid = round(float(shares["valid"]) * len(idx))
        parts["train"].append(idx[:n_train])
        parts["valid"].append(idx[n_train:n_train + n_valid])
        parts["test"].append(idx[n_train + n_valid:])
    return {k: np.sort(np.concatenate(v)) for k, v in parts.items()}


def cross_validate(data: str | os.PathLike[str], target: str, *, folds: int = 5,
                   config_path: str | os.PathLike[str] | None = None, bad_label: object = None,
                   encoding: str | None = None, delimiter: str | None = None,
                   seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Stratified k-fold AUC of the models ``fit_file`` would fit, with the same config.

    A 200-row test split gives an AUC with a standard error of about 0.03; the mean over
    ``folds`` held-out folds uses every row once and is the fair number to compare with
    published results. In each fold the remaining rows are split train/valid in the
    config's train:valid ratio (early stopping and calibration need the valid part).
    """
    from sklearn.model_selection import StratifiedKFold


    if folds < 2:
        raise ConfigError(f"folds must be at least 2, got {folds}")
    prep = prepare(data, target, config_path=config_path, bad_label=bad_label,
                   encoding=encoding, delimiter=delimiter, seed=seed)
    cfg, frame = prep.config, prep.frame
    y = frame[F.TARGET].to_numpy()
    split = cfg["data"]["split"]
    inner = {"train": split["train"], "valid": split["valid"], "test": 0.0}
    total = inner["train"] + inner["valid"]
    inner = {k: v / total for k, v in inner.items()}
    scores: dict[str, list[float]] = {}
    kfold = StratifiedKFold(n_splits=folds, shuffle=True, random_state=cfg["seed"])
    registry = Registry(prep.registry.values())
    if True:
        for k, (rest, held) in enumerate(kfold.split(np.zeros(len(y)), y)):
            parts = stratified_split(y[rest], inner, cfg["seed"] + k)
            train, valid = (frame.iloc[rest[parts[s]]] for s in ("train", "valid"))
            test = frame.iloc[held]
            for name, model in build_models(cfg, registry).items():
                model.fit(train, train[F.TARGET].to_numpy(), X_valid=valid,
                          y_valid=valid[F.TARGET].to_numpy())
                scores.setdefault(name, []).append(ev.auc(test[F.TARGET], model.predict_pd(test)))
    return {"folds": folds, "rows": len(frame), "seed": cfg["seed"], "models": {
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
    (``features.register`` refuses), and a feature called ``default_12m`` would overwrite the
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
