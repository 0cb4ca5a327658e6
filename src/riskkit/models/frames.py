"""Model input frames: the target checked, categoricals on recorded levels, numbers as floats.

Every model prepares its rows here, so a missing column, a non-numeric value or an unknown
level reads the same whatever model is scored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit.core import features as F
from riskkit.core.errors import DataError
from riskkit.core.registry import Registry
from riskkit.data.validate import unseen_to_missing


def check_target(y: Any, n_rows: int, what: str = "y") -> np.ndarray:
    """A 0/1 integer target of the right length, or a DataError that says what is wrong."""
    arr = np.asarray(y)
    problems = []
    if arr.ndim != 1:
        problems.append(f"{what} must be one-dimensional, got shape {arr.shape}")
    elif len(arr) != n_rows:
        problems.append(f"{what} has {len(arr)} rows but X has {n_rows}")
    else:
        values = pd.unique(pd.Series(arr))
        if not set(values.tolist()) <= {0, 1}:
            problems.append(f"{what} must hold only 0 and 1, found {sorted(map(str, values))[:5]}")
    if problems:
        raise DataError(what, problems)
    return arr.astype(np.int64)


def check_weight(weight: Any, n_rows: int, what: str) -> np.ndarray | None:
    """None, or one finite non-negative float per row with a positive total (else DataError)."""
    if weight is None:
        return None
    arr = np.asarray(weight, dtype=float)
    problems = []
    if arr.ndim != 1 or len(arr) != n_rows:
        problems.append(f"{what} must hold one weight per row ({n_rows}), got shape {arr.shape}")
    elif not np.isfinite(arr).all() or (arr < 0).any() or arr.sum() <= 0:
        problems.append(f"{what} must be finite, non-negative and not all zero")
    if problems:
        raise DataError(what, problems)
    return arr


def category_levels(features: tuple[str, ...], X: pd.DataFrame,
                    registry: Registry = F.SYNTHETIC) -> dict[str, list[str]]:
    """Levels of each categorical model feature: the registry's list, else those seen in X.

    Parameters
    ----------
    features:
        Model feature names.
    X:
        Training rows (levels of a categorical the registry does not list come from here).
    registry:
        Where the features are described.

    Returns
    -------
    dict
        Feature name to its ordered levels, for categoricals only.
    """
    levels: dict[str, list[str]] = {}
    for name in features:
        feat = registry.get_feature(name)
        if not feat.is_categorical:
            continue
        if feat.categories:
            levels[name] = list(feat.categories)
        else:
            levels[name] = sorted(map(str, pd.Series(X[name]).dropna().unique()))
    return levels


def prepare_frame(X: pd.DataFrame, features: tuple[str, ...],
                  levels: dict[str, list[str]], source: str = "X") -> pd.DataFrame:
    """A new frame with only ``features``: floats, and categoricals on the recorded levels.

    Every problem (missing column, non-numeric values) is collected and raised together in
    one DataError; a category level unseen at fit time becomes missing with a
    :class:`~riskkit.data.validate.ScoringWarning` (:func:`~riskkit.data.validate.unseen_to_missing`),
    the one rule for unseen categories in every scoring path.
    """
    if not isinstance(X, pd.DataFrame):
        raise DataError(source, [f"expected a pandas DataFrame, got {type(X).__name__}"])
    problems: list[str] = []
    missing = [name for name in features if name not in X.columns]
    if missing:
        problems.append(f"missing model feature columns {missing}")
    out: dict[str, Any] = {}
    for name in features:
        if name in missing:
            continue
        col = X[name]
        if name in levels:
            coded, unknown = _on_levels(col, levels[name])
            if unknown:
                values, _ = unseen_to_missing(name, col, levels[name], source)
                coded = pd.Categorical(values, categories=levels[name])
            out[name] = coded
        else:
            try:
                out[name] = pd.to_numeric(col, errors="raise").to_numpy(dtype=float,
                                                                        na_value=np.nan)
            except (ValueError, TypeError):
                problems.append(f"column {name!r} must be numeric, got dtype {col.dtype}")
    if problems:
        raise DataError(source, problems)
    return pd.DataFrame(out, index=X.index, columns=list(features))


def _on_levels(col: pd.Series, levels: list[str]) -> tuple[pd.Categorical, list[str]]:
    """``col`` as a Categorical on ``levels`` (values compared as strings), and the sorted
    unknown levels it holds.

    A ``category`` column is re-coded through its categories (a look-up per category, not
    per row: the lifecycle scores 100,000 rows a month); any other column value by value.
    Both give the same codes.
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        position = {level: i for i, level in enumerate(levels)}
        names = [str(c) for c in col.cat.categories]
        lookup = np.array([position.get(c, -1) for c in names] + [-1], dtype=np.int64)
        used = np.unique(codes[codes >= 0])
        unknown = sorted({names[k] for k in used if lookup[k] < 0})
        return pd.Categorical.from_codes(lookup[codes], categories=levels), unknown
    values = col.astype(object)
    present = values[values.notna()]
    unknown = sorted(set(map(str, present)) - set(levels))
    if unknown:
        return pd.Categorical([]), unknown
    return pd.Categorical(values.where(values.isna(), values.map(str)), categories=levels), []
