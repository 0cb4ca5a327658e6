"""Bring-your-own-data: an analyst's file turned into a model-ready dataset, without leakage.

``riskkit fit --data FILE --target COL`` must either work on a real warehouse extract
(Chinese column names, GBK/GB18030 bytes, ``;`` or tab delimiters, ``NULL`` and ``-999``
for missing, a target coded ``Y``/``N`` or ``违约``/``正常``) or say exactly what is wrong,
all problems at once, so an analyst fixes the file in one go.

Two steps, so that nothing fitted sees validation or test rows:

:func:`read_dataset`
    reads the file (:mod:`riskkit.data.read`), drops riskkit's own output columns
    (:func:`riskkit.data.checks.riskkit_columns`), maps the target (:mod:`riskkit.data.target`),
    decides what each column *is* on the whole file (:func:`riskkit.data.infer.infer`: types
    only) and groups duplicate rows; every problem is raised at once.
:func:`fit_dataset`
    given the training rows, learns everything fitted from them only: levels and rare-level
    grouping, date references, sentinels (:func:`riskkit.data.infer.fit_on_rows`), the
    features' risk directions (:func:`registry_for`, which the scorecard's bin trends and
    LightGBM's monotone constraints follow), and the leakage check; the other rows are
    cleaned as new data to score would be.

:func:`load_dataset` does both with every row as training rows: for looking at a file, not
for measuring a model on it.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from riskkit.core.errors import ConfigError, DataError
from riskkit.core.features import Direction, Feature
from riskkit.data.checks import (
    duplicate_groups,
    impossible_values,
    leaking_features,
    riskkit_columns,
)
from riskkit.data.infer import fit_on_rows, infer, infer_schema
from riskkit.data.read import HEADER_HINT, read_raw, read_table
from riskkit.data.schema import ColumnInfo, InferredSchema, SchemaOptions
from riskkit.data.target import map_target, map_target_problems
from riskkit.data.validate import ScoringWarning
from riskkit.data.values import name_list, safe_name, safe_names
from riskkit.texts import Words

__all__ = [
    "Dataset",
    "InferredSchema",
    "RawData",
    "fit_dataset",
    "infer_schema",
    "load_dataset",
    "map_target",
    "read_dataset",
    "read_table",
    "registry_for",
    "safe_name",
    "safe_names",
]

KINDS: tuple[str, ...] = ("actionable", "time_decaying", "immutable")
DIRECTIONS: tuple[str, ...] = ("increasing", "decreasing", "none")
DATA = Words("data")
_P_DIRECTION = 0.01
_MIN_ROWS_DIRECTION = 30


# --------------------------------------------------------------------------- registry


def registry_for(
    frame: pd.DataFrame,
    target: str | np.ndarray | pd.Series,
    schema: InferredSchema,
    kinds: Mapping[str, str] | None = None,
    directions: Mapping[str, str] | None = None,
    rows: np.ndarray | None = None,
) -> dict[str, Feature]:
    """Registry entries for the features of an unknown extract, keyed by model feature name.

    ``frame`` is the cleaned model frame (``schema.frame``); ``target`` the name of a 0/1
    column in it or the outcomes themselves. Direction is learned: the sign of the
    Spearman correlation with the target when a normal approximation (z = rho * sqrt(n - 1))
    gives p < 0.01 and at least 30 rows have a value, else ``"none"``; categoricals are
    always ``"none"``. The smallest and largest value (``extra["train_min"/"train_max"]``)
    bound what recourse may propose. Kind is ``"actionable"`` and group ``"data"``. ``kinds`` and
    ``directions`` override by feature or original column name. ``rows`` (positions) limits
    what directions are learned from to the training rows; default every row.
    """
    y = np.asarray(frame[target] if isinstance(target, str) else target, dtype="float64")
    if rows is not None:
        frame, y = frame.iloc[np.asarray(rows)], y[np.asarray(rows)]
    kind_of, p1 = _overrides(kinds, schema, "kinds", KINDS)
    direction_of, p2 = _overrides(directions, schema, "directions", DIRECTIONS)
    if p1 or p2:
        raise ConfigError("; ".join(p1 + p2))
    out: dict[str, Feature] = {}
    for info in schema.kept:
        out[info.feature] = _feature(info, frame[info.feature], y, kind_of, direction_of)
    return out


def _feature(
    info: ColumnInfo, values: pd.Series, y: np.ndarray, kind_of: dict[str, str], direction_of: dict[str, str]
) -> Feature:
    display = info.name.replace("{", "{{").replace("}", "}}")
    extra = {"source_column": info.name, "role": info.role}
    if info.role == "categorical":
        direction = "none"
        reason = "reason_category"
        fmt = "{}"
    else:
        x = values.to_numpy(dtype="float64")
        direction, rho, p = spearman_direction(x, y)
        extra |= {"spearman_rho": f"{rho:.4f}", "p_value": f"{p:.3g}"}
        if np.isfinite(x).any():  # the range recourse may move within (training rows only)
            extra |= {"train_min": repr(float(np.nanmin(x))), "train_max": repr(float(np.nanmax(x)))}
        reason = "reason"
        typical = np.nanmedian(np.abs(x)) if np.isfinite(x).any() else 0.0
        fmt = "{:,.0f}" if info.dtype == "int" or typical >= 100 else "{:,.2f}"
    direction = direction_of.get(info.feature, direction)
    label_en = label_zh = info.name
    if info.role == "date":
        label_en, label_zh = DATA.pair("date_label", name=info.name, reference=info.reference)
        extra["reference_date"] = str(info.reference)
    return Feature(
        name=info.feature,
        dtype=info.dtype or "float",
        unit="days" if info.role == "date" else "",
        description_en=info.name,
        description_zh=info.name,
        direction=direction,  # type: ignore[arg-type]
        kind=kind_of.get(info.feature, "actionable"),  # type: ignore[arg-type]
        group="data",
        reason_en=DATA.template(reason, "en").replace("{feature}", display),
        reason_zh=DATA.template(reason, "zh").replace("{feature}", display),
        fmt=fmt,
        categories=info.levels if info.role == "categorical" else None,
        step=1.0 if info.dtype == "int" else 0.0,
        label_en=label_en,
        label_zh=label_zh,
        extra=extra,
    )


def spearman_direction(x: np.ndarray, y: np.ndarray, alpha: float = _P_DIRECTION) -> tuple[Direction, float, float]:
    """``(direction, rho, two-sided p)`` of Spearman's rho between a feature and 0/1 outcomes.

    Hand-written rather than ``scipy.stats.spearmanr`` so that missing values are dropped
    pairwise and constant inputs give "none" instead of a warning and NaN; the normal
    approximation is accurate for the row counts (>= 30) where it is used.
    """
    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < _MIN_ROWS_DIRECTION or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return "none", 0.0, 1.0
    rx, ry = rankdata(x[ok]), rankdata(y[ok])
    rho = float(np.corrcoef(rx, ry)[0, 1])
    p = math.erfc(abs(rho) * math.sqrt(n - 1) / math.sqrt(2))
    if p >= alpha:
        return "none", rho, p
    return ("increasing" if rho > 0 else "decreasing"), rho, p


def _overrides(
    given: Mapping[str, str] | None, schema: InferredSchema, what: str, allowed: tuple[str, ...]
) -> tuple[dict[str, str], list[str]]:
    """Resolve ``{feature or column name: value}`` to feature names, collecting problems."""
    out: dict[str, str] = {}
    problems: list[str] = []
    by_name = {c.name: c.feature for c in schema.kept} | {c.feature: c.feature for c in schema.kept}
    for key, value in (given or {}).items():
        if key not in by_name:
            close = difflib.get_close_matches(str(key), list(by_name), n=3, cutoff=0.5)
            hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
            problems.append(f"{what} names {key!r}, which is not a model feature{hint}")
        elif value not in allowed:
            problems.append(f"{what}[{key!r}] is {value!r}; expected one of {', '.join(allowed)}")
        else:
            out[by_name[key]] = value
    return out, problems


# --------------------------------------------------------------------------- dataset


@dataclass
class RawData:
    """A file read and checked, nothing fitted yet (:func:`read_dataset`).

    ``raw`` is the table as read, riskkit's own output columns removed; ``structure`` what
    each column is (types from the whole file; its levels and references are refitted on
    the training rows by :func:`fit_dataset`); ``groups`` a duplicate-group number per row.
    """

    raw: pd.DataFrame
    y: np.ndarray
    target_mapping: dict[str, int]
    structure: InferredSchema
    groups: np.ndarray
    notes: list[str]
    warnings: list[str]
    source: Path
    target: str
    kinds: Mapping[str, str] | None = None
    directions: Mapping[str, str] | None = None
    read: dict[str, object] = field(default_factory=dict)


@dataclass
class Dataset:
    """A bring-your-own-data extract, ready to model.

    ``frame`` holds the cleaned features of every row, named by :func:`safe_name`; ``y`` the
    0/1 target (1 = bad); ``registry`` a :class:`~riskkit.core.features.Feature` per column of
    ``frame``; ``schema`` how every input column was treated (``schema.transform`` repeats
    it on data to score). Everything fitted comes from ``train_rows``. ``warnings`` are what
    an analyst must read (probable leakage, duplicates, impossible values, dropped columns),
    ``notes`` everything decided.
    """

    frame: pd.DataFrame
    y: np.ndarray
    registry: dict[str, Feature]
    notes: list[str]
    source: Path
    target: str
    target_mapping: dict[str, int]
    schema: InferredSchema
    read: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    groups: np.ndarray | None = None
    train_rows: np.ndarray | None = None
    leakage: dict[str, float] = field(default_factory=dict)

    @property
    def display_names(self) -> dict[str, str]:
        """Model feature name -> column name as written in the file."""
        return self.schema.display_names


def read_dataset(
    path: str | Path,
    target: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    bad_label: object = None,
    header: bool = True,
    **options: object,
) -> RawData:
    """Read and check a data file, reporting every problem at once; nothing is fitted.

    ``options`` are :class:`~riskkit.data.schema.SchemaOptions` fields (``id_columns``,
    ``exclude``, ``categorical``, ``as_of``, ``sentinels``, ``missing_values``,
    ``leakage_auc`` ...) plus ``kinds`` and ``directions`` for :func:`registry_for`. File-level
    problems (missing, empty, undecodable, malformed, not a table) stop at once; everything
    else (duplicate columns, target, text in numeric columns, bad dates, values beyond
    float32, unknown names in options, nothing left to model) is collected into one
    ``DataError``.
    """
    source, target = Path(path), target.strip()
    kinds = cast("Mapping[str, str] | None", options.pop("kinds", None))
    directions = cast("Mapping[str, str] | None", options.pop("directions", None))
    opts = SchemaOptions.build(**options)
    raw, problems = read_raw(source, encoding, delimiter, header)
    notes = list(raw.attrs.get("notes", []))
    said: list[str] = []
    ours = [c for c in riskkit_columns(raw.columns) if c != target]
    if ours:
        raw = raw.drop(columns=ours)
        said.append(f"excluded {len(ours)} column(s) that riskkit itself writes (the synthetic "
                    f"truth and earlier models' outputs), never features: {name_list(ours)}")
    structure, schema_problems = infer(raw, target, opts)
    if target not in raw.columns and raw.attrs.get("riskkit_read", {}).get("header_looks_like_data"):
        schema_problems = [p + f"; {HEADER_HINT}" if p.startswith("target column") else p
                           for p in schema_problems]
    problems += schema_problems
    y, mapping = None, {}
    if target in raw.columns:
        y, mapping, target_problems = map_target_problems(raw[target], bad_label)
        problems += target_problems
    _, p1 = _overrides(kinds, structure, "kinds", KINDS)
    _, p2 = _overrides(directions, structure, "directions", DIRECTIONS)
    problems += p1 + p2
    if not structure.features and not schema_problems:
        why = "; ".join(c.note for c in structure.columns.values() if c.note) or "the file has only the target"
        problems.append(f"no usable feature columns: {why}")
    if problems or y is None:
        raise DataError(str(source), problems)
    said += [c.note for c in structure.columns.values() if c.warning]
    groups, duplicates = duplicate_groups(raw, target, y)
    said += [duplicates] if duplicates else []
    bad = next(k for k, v in mapping.items() if v == 1)
    notes.append(f"target {target!r}: {bad!r} is bad (1); {int(y.sum())} bad of {len(y)} rows")
    return RawData(raw=raw, y=y, target_mapping=mapping, structure=structure, groups=groups,
                   notes=notes, warnings=said, source=source, target=target, kinds=kinds,
                   directions=directions, read=dict(raw.attrs.get("riskkit_read", {})))


def fit_dataset(data: RawData, train_rows: np.ndarray | None = None) -> Dataset:
    """Learn every fitted part of the dataset from ``train_rows`` (positions; default all).

    Levels, grouping, date references and sentinels (:func:`~riskkit.data.infer.fit_on_rows`),
    risk directions (:func:`registry_for`) and the leakage check read the training rows
    only; every row is then cleaned by those rules. A feature whose single-feature AUC on the
    training rows reaches ``leakage_auc`` is excluded and named as probable leakage.
    """
    rows = np.arange(len(data.y)) if train_rows is None else np.sort(np.asarray(train_rows))
    opts = data.structure.options
    notes, said = list(data.notes), list(data.warnings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScoringWarning)
        schema = fit_on_rows(data.structure, data.raw, rows)
    unseen = [str(w.message).split(": ", 1)[-1] for w in caught if issubclass(w.category, ScoringWarning)]
    notes += [f"{u} (levels seen only outside the training rows)" for u in unseen]
    frame = schema.frame
    leaks = leaking_features(frame.iloc[rows], data.y[rows], schema.features, float(opts.leakage_auc))
    for info in schema.kept:
        if info.feature in leaks:
            info.note = (f"{info.name!r} excluded as probable leakage: on its own it separates good "
                         f"from bad with AUC {leaks[info.feature]:.3f} on the training rows (a copy "
                         "of the target, or an outcome recorded after the decision); if it is a "
                         "real predictor, raise ingest.leakage_auc")
            info.role, info.feature, info.warning = "excluded", "", True
            said.append(info.note)
    frame = frame.drop(columns=list(leaks))
    if not schema.features:
        raise DataError(str(data.source), ["no usable feature columns left: " + "; ".join(
            c.note for c in schema.columns.values() if c.note)])
    schema.frame = frame
    said += impossible_values(schema, frame)
    registry = registry_for(frame, data.y, schema, data.kinds, data.directions, rows=rows)
    notes += schema.notes
    return Dataset(frame=frame, y=data.y, registry=registry, notes=notes, source=data.source,
                   target=data.target, target_mapping=data.target_mapping, schema=schema,
                   read=data.read, warnings=said, groups=data.groups, train_rows=rows,
                   leakage=leaks)


def load_dataset(
    path: str | Path,
    target: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    bad_label: object = None,
    header: bool = True,
    **options: object,
) -> Dataset:
    """:func:`read_dataset` then :func:`fit_dataset` on every row (no split: for a look at a
    file; ``riskkit fit`` fits on its training rows only)."""
    return fit_dataset(read_dataset(path, target, encoding=encoding, delimiter=delimiter,
                                    bad_label=bad_label, header=header, **options))
