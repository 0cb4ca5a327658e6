"""Bring your own data: ``riskkit fit --data FILE --target COL`` end to end.

:func:`fit_file` reads an analyst's file with :func:`riskkit.ingest.load_dataset` (every
problem reported at once), registers the inferred features for the duration of the run so
that models, reason codes and charts read them like the built-in ones, splits the rows
(stratified and seeded), resolves a config and runs the same experiment as ``riskkit run``
on the stored splits. The run folder gets three extra files:

``registry.json``
    the inferred feature entries, so that :func:`register_run_features` (called when a run
    is loaded) makes the run's models usable in a new process;
``schema.json``
    :meth:`InferredSchema.to_dict`, so new data can be cleaned exactly like the training
    data (``InferredSchema.from_dict(...).transform(raw)``);
``notes.txt``
    how the file was read and every decision taken on the way (excluded columns and why,
    renamed features, the segment column, what ``applicant_id`` means).

Choices and why
---------------
applicant ids
    ``applicant_id`` is the row's number in the file (1 = first data row after the header),
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
    :class:`~riskkit.schema.SchemaOptions` (``id_columns``, ``exclude``, ``categorical``,
    ``sentinels`` ...) and ``kinds`` / ``directions`` to ingestion. Features may be named
    as in the file (Chinese names included) wherever the config names one.
seed
    the ``seed`` argument, except that a config's own ``seed:`` wins over the default 7 (the
    CLI cannot tell a default from a choice); two different explicit seeds are an error.
"""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from . import config as C
from . import features as F
from .errors import ConfigError, DataError
from .features import Feature
from .ingest import Dataset, load_dataset
from .io import read_json, write_json, write_text
from .schema import SchemaOptions

__all__ = [
    "MIN_CLASS_ROWS",
    "MIN_ROWS",
    "Prepared",
    "choose_segment",
    "cross_validate",
    "feature_from_dict",
    "feature_to_dict",
    "fit_file",
    "prepare",
    "register_run_features",
    "run_features",
    "stratified_split",
]

REGISTRY_FILE = "registry.json"
SCHEMA_FILE = "schema.json"
NOTES_FILE = "notes.txt"
FORMAT_VERSION = 1
DEFAULT_SEED = 7
#: The config validator's floor for ``data.rows`` (see ``config._check_values``).
MIN_ROWS = 1000
#: Goods and bads each split must hold at least (calibration and AUC need both).
MIN_CLASS_ROWS = 10
SPLITS = ("train", "valid", "test")
#: Names a user's feature may not keep: built-in features and the columns runs add.
RESERVED = frozenset({*F.BUILT_IN, F.ID_COLUMN, F.TARGET, "split", *F.TRUTH_COLUMNS})
INGEST_KEYS = (*(f.name for f in fields(SchemaOptions)), "kinds", "directions")
_SEGMENT_LEVELS = (2, 8)
_SEGMENT_MIN_SHARE = 0.05


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

    Every problem with the file or the config is a :class:`~riskkit.errors.RiskkitError`
    raised before any run folder exists; a failure later leaves only the hidden
    ``.incomplete-*`` staging folder's removal behind (see ``experiment.staging_folder``).
    """
    from .experiment import run_experiment

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

    with F.extended(prep.registry.values()):
        return run_experiment(prep.config, runs_dir, quiet, data=splits, extra_files=extra_files)


def prepare(data: str | os.PathLike[str], target: str, *,
            config_path: str | os.PathLike[str] | None = None, bad_label: object = None,
            encoding: str | None = None, delimiter: str | None = None, name: str | None = None,
            seed: int = DEFAULT_SEED) -> Prepared:
    """Read and check the file and the config; nothing is written.

    The config is checked first (a misspelt key fails in milliseconds, not after reading a
    large file), then the data, then the config again with the data's features.
    """
    user = _read_user_config(config_path)
    source = f"config {config_path}" if config_path else "config"
    ingest = _ingest_options(user.pop("ingest", None), source)
    if user.get("models", {}) and (user["models"].get("oracle") or {}).get("enabled"):
        raise ConfigError(f"{source}: 'models.oracle.enabled' must stay false: the oracle is "
                          "the true PD of synthetic data, which a data file does not have")
    C.resolve(_overlay(_byod_defaults_shape(), user), source=source)  # keys and values, early
    path = Path(data)
    dataset = load_dataset(path, target, encoding=encoding, delimiter=delimiter,
                           bad_label=bad_label, **ingest)
    _check_rows(path, len(dataset.y))
    registry, renames = _safe_registry(dataset)
    notes = list(dataset.notes)
    for old, new in renames.items():
        notes.append(f"feature {old!r} is called {new!r} in models: {old!r} is a name riskkit "
                     "uses itself")
    frame = dataset.frame.reset_index(drop=True).rename(columns=renames)
    frame.insert(0, F.ID_COLUMN, np.arange(1, len(frame) + 1, dtype=np.int64))
    frame[F.TARGET] = dataset.y.astype(np.int64)
    notes.append(f"{F.ID_COLUMN} is the row number in the file (1 = first data row after "
                 "the header); use it with riskkit explain --applicant")
    cfg, cfg_notes = _resolve(user, source, path, dataset, frame, registry, name, seed)
    _check_classes(path, dataset.y, cfg["data"]["split"])
    notes += cfg_notes
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


def choose_segment(frame: pd.DataFrame, registry: Mapping[str, Feature]) -> str | None:
    """The categorical feature to report performance by, or None.

    The most balanced one (largest smallest-level share, missing counted as a level) among
    those with 2-8 levels whose every level holds at least 5 % of rows: with more, or
    thinner, levels a 20 % test split leaves segments too small for an AUC.
    """
    best: tuple[float, str] | None = None
    for name, feat in registry.items():
        if not feat.is_categorical:
            continue
        shares = frame[name].value_counts(normalize=True, dropna=False)
        low, high = _SEGMENT_LEVELS
        if not low <= len(shares) <= high or shares.min() < _SEGMENT_MIN_SHARE:
            continue
        if best is None or shares.min() > best[0]:
            best = (float(shares.min()), name)
    return None if best is None else best[1]


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

    from . import evaluate as ev
    from .experiment import build_models

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
    with F.extended(prep.registry.values()):
        for k, (rest, held) in enumerate(kfold.split(np.zeros(len(y)), y)):
            parts = stratified_split(y[rest], inner, cfg["seed"] + k)
            train, valid = (frame.iloc[rest[parts[s]]] for s in ("train", "valid"))
            test = frame.iloc[held]
            for name, model in build_models(cfg).items():
                model.fit(train, train[F.TARGET].to_numpy(), valid, valid[F.TARGET].to_numpy())
                scores.setdefault(name, []).append(ev.auc(test[F.TARGET], model.predict_pd(test)))
    return {"folds": folds, "rows": len(frame), "seed": cfg["seed"], "models": {
        name: {"auc_mean": float(np.mean(v)), "auc_std": float(np.std(v, ddof=1)),
               "auc_folds": [round(s, 6) for s in v]} for name, v in scores.items()}}


# ----------------------------------------------------------------------------- registry
def feature_to_dict(feat: Feature) -> dict[str, Any]:
    """A registry entry as plain JSON (``categories`` as a list)."""
    record = asdict(feat)
    record["categories"] = None if feat.categories is None else list(feat.categories)
    return record


def feature_from_dict(record: Mapping[str, Any]) -> Feature:
    """Inverse of :func:`feature_to_dict`; unknown fields are an error, not ignored."""
    known = {f.name for f in fields(Feature)}
    unknown = sorted(set(record) - known)
    if unknown:
        raise ConfigError(f"registry entry {record.get('name')!r}: unknown field(s) {unknown}")
    values = dict(record)
    if values.get("categories") is not None:
        values["categories"] = tuple(str(c) for c in values["categories"])
    values["extra"] = {str(k): str(v) for k, v in (values.get("extra") or {}).items()}
    return Feature(**values)


def register_run_features(run: Any) -> list[str]:
    """Register a bring-your-own-data run's features (from its ``registry.json``).

    ``run`` is a :class:`riskkit.run.Run` or a run folder. A synthetic run has no such file
    and nothing happens. The features stay registered (a later run with the same feature
    names replaces them), so the run's models, reason codes and charts work in this process.
    """
    from .errors import RunError

    folder = Path(getattr(run, "path", run))
    path = folder / REGISTRY_FILE
    if not path.is_file():
        return []
    try:
        record = read_json(path)
        entries = [feature_from_dict(r) for r in record["features"]]
    except (ValueError, KeyError, TypeError, ConfigError) as exc:
        raise RunError(f"{path} is damaged: {exc}") from None
    return F.register(entries)


@contextmanager
def run_features(run: Any) -> Iterator[list[str]]:
    """:func:`register_run_features` for the duration of a ``with`` block only."""
    names = register_run_features(run)
    try:
        yield names
    finally:
        F.unregister(names)


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
        "features": [feature_to_dict(f) for f in prep.registry.values()],
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


# ----------------------------------------------------------------------------- config
def _read_user_config(config_path: str | os.PathLike[str] | None) -> dict[str, Any]:
    if config_path is None:
        return {}
    p = Path(config_path)
    if not p.is_file():
        raise ConfigError(f"config {p} does not exist")
    try:
        user = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"config {p} is not valid YAML{where}: "
                          f"{getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config {p} is not UTF-8 text") from None
    if not isinstance(user, dict):
        raise ConfigError(f"config {p}: expected a mapping of settings at the top level, "
                          f"got {type(user).__name__}")
    return copy.deepcopy(user)


def _ingest_options(section: Any, source: str) -> dict[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"{source}: 'ingest' must be a mapping, got {section!r}")
    problems = []
    for key in section:
        if key not in INGEST_KEYS:
            close = difflib.get_close_matches(str(key), INGEST_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown key 'ingest.{key}'{hint}; expected one of: "
                            f"{', '.join(INGEST_KEYS)}")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    options = dict(section)
    SchemaOptions.build(**{k: v for k, v in options.items() if k not in ("kinds", "directions")})
    return options


def _overlay(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``; nested mappings merge, anything else is replaced."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _overlay(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _byod_defaults_shape() -> dict[str, Any]:
    """The data-independent part of the defaults (enough to validate a user config early)."""
    return {"models": {"oracle": {"enabled": False}}, "policy": {"knockouts": {}},
            "data": {"oot": {"rows": 0}}, "explain": {"splits": ["test"]}}


def _lgbm_params(n_train: int) -> dict[str, Any]:
    """Leaf sizes for the training rows at hand.

    LightGBM's defaults here (200 rows a leaf, 100 a category) suit 100k synthetic
    applicants; on 600 training rows they allow three leaves a tree and hardly any
    categorical split. One leaf per ~2 % of rows (at least 20) keeps leaves big enough for
    a stable bad rate.
    """
    leaf = int(np.clip(n_train // 50, 20, 200))
    return {"min_child_samples": leaf, "min_data_per_group": leaf, "num_leaves": 15,
            "cat_smooth": 10.0}


def _resolve(user: dict[str, Any], source: str, path: Path, dataset: Dataset,
             frame: pd.DataFrame, registry: dict[str, Feature], name: str | None,
             seed: int) -> tuple[dict[str, Any], list[str]]:
    """The run config: BYOD defaults, then the user's config, validated; plus notes."""
    notes: list[str] = []
    lookup = _feature_lookup(dataset, registry)
    n = len(frame)
    n_train = round(float(_overlay(C.DEFAULTS["data"], user.get("data") or {})["split"]["train"]) * n)
    defaults = _overlay(_byod_defaults_shape(), {
        "name": _run_name(path),
        "features": list(registry),
        "models": {"lgbm": {"params": _lgbm_params(n_train)}},
        "evaluate": {"segment": choose_segment(frame, registry)},
    })
    user = copy.deepcopy(user)
    if "features" in user and user["features"] is not None:
        user["features"] = _map_names(user["features"], lookup, "features", source)
    segment = (user.get("evaluate") or {}).get("segment")
    if segment is not None:
        user["evaluate"]["segment"] = _map_names([segment], lookup, "evaluate.segment", source)[0]
    for rule_name, rule in ((user.get("policy") or {}).get("knockouts") or {}).items():
        if isinstance(rule, dict) and "feature" in rule:
            where = f"policy.knockouts.{rule_name}.feature"
            rule["feature"] = _map_names([rule["feature"]], lookup, where, source)[0]
    if (user.get("data") or {}).get("rows") not in (None, n):
        notes.append(f"config data.rows {user['data']['rows']} ignored: the file has {n} rows")
    merged = _overlay(defaults, user)
    merged.setdefault("data", {})["rows"] = n
    chosen = _seed(seed, user.get("seed"), source)
    if name is not None:
        merged["name"] = name
    cfg = C.resolve(merged, source=source, seed=chosen)
    notes.append(f"segment column for performance by segment: {cfg['evaluate']['segment']}")
    notes.append("knock-out rules: " + (", ".join(cfg["policy"]["knockouts"]) or "none"))
    notes.append("oracle model disabled: a data file has no true PD")
    return cfg, notes


def _seed(argument: int, configured: Any, source: str) -> int:
    if configured is None or argument == configured:
        return argument
    if argument == DEFAULT_SEED:
        return configured
    raise ConfigError(f"{source}: seed given twice, {configured!r} in the config and "
                      f"{argument!r} as an argument; drop one")


def _run_name(path: Path) -> str:
    """A folder-friendly run name from the file name (``loans 2024.csv`` -> ``loans_2024``)."""
    stem = "".join("_" if c in "/\\:" or c.isspace() else c for c in path.stem).lstrip("._")
    return stem or "byod"


def _feature_lookup(dataset: Dataset, registry: Mapping[str, Feature]) -> dict[str, str]:
    """Names a config may use for a feature -> the model feature name."""
    lookup = {feat: feat for feat in registry}
    for info in dataset.schema.kept:
        lookup.setdefault(info.name, info.feature)
    return lookup


def _map_names(names: Any, lookup: Mapping[str, str], where: str, source: str) -> list[str]:
    if isinstance(names, str) or not isinstance(names, list | tuple):
        names = [names]
    out, problems = [], []
    for raw in names:
        key = str(raw)
        if key in lookup:
            out.append(lookup[key])
            continue
        close = difflib.get_close_matches(key, list(lookup), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"{where!r} names {key!r}, which is not a feature of the data{hint}")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
    return out


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
