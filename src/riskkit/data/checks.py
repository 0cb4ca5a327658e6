"""Checks on a user's file that catch answers which would be silently wrong.

* **riskkit's own output columns** (:func:`riskkit_columns`): a population made by
  ``riskkit generate`` or a ``decisions.parquet`` fed back to ``riskkit fit`` carries the
  truth (``true_pd``, ``true_logit``, ``true_contrib__*``) and earlier models' outputs
  (``pd_lgbm``, ``decision``, ``credit_line``, ``score``, ``knockout`` ...). They are the
  answer, not evidence, and are never features.
* **probable leakage** (:func:`leaking_features`): a feature that on its own separates good
  from bad almost perfectly on the training rows (AUC >= ``leakage_auc``, 0.99 by default)
  is a copy of the target or an outcome recorded after the decision; no real credit feature
  comes close (bureau scores reach 0.7-0.8).
* **duplicate rows** (:func:`duplicate_groups`): rows equal in every column but the target
  share a group, so that the split keeps every copy on one side; a repeat in train and
  test would be scored on what the model memorised.
* **impossible values** (:func:`impossible_values`): a negative age or count, an age above
  120. They are kept (the file is the analyst's) but said as a warning naming the column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from riskkit.core.features import CONTRIB_PREFIX, TRUTH_COLUMNS
from riskkit.data.schema import InferredSchema
from riskkit.data.values import row_list

__all__ = ["OUTPUT_COLUMNS", "duplicate_groups", "impossible_values", "leaking_features",
           "riskkit_columns", "single_feature_auc"]

#: Columns riskkit writes into populations and decisions (besides ``true_contrib__*`` and ``pd_*``).
OUTPUT_COLUMNS: tuple[str, ...] = (*TRUTH_COLUMNS, "base_logit", "decision", "credit_line",
                                   "score", "knockout", "split")
#: Names that only ever mean riskkit's own columns, so they are dropped on their own.
_ALWAYS = frozenset({*TRUTH_COLUMNS, "base_logit"})
_PD_COLUMN = re.compile(r"pd_(lgbm|scorecard|oracle|[a-z0-9_]+)$")
_AGE = re.compile(r"(^|[_\s.-])age($|[_\s.-])|^age|年龄|年纪|岁", re.IGNORECASE)
_NON_NEGATIVE = re.compile(
    r"count|(^|_)n_|num_|_num$|amount|income|salary|balance|duration|months|days|years|limit"
    r"|次数|数量|笔数|个数|金额|收入|工资|余额|期限|月数|天数|年数|额度|期数",
    re.IGNORECASE,
)
_MAX_AGE = 120


def riskkit_columns(columns: Iterable[object]) -> list[str]:
    """The columns of a file that riskkit itself wrote (rules: module docstring).

    ``true_pd``, ``true_logit``, ``base_logit`` and ``true_contrib__*`` always count. ``pd_*``,
    ``decision``, ``credit_line``, ``score``, ``knockout`` and ``split`` count once the file
    carries any of those truth columns or a ``pd_<model>`` column, so that a bureau ``score``
    in an analyst's own extract is kept.
    """
    names = [str(c) for c in columns]
    truth = [n for n in names if n in _ALWAYS or n.startswith(CONTRIB_PREFIX)]
    pds = [n for n in names if _PD_COLUMN.fullmatch(n)]
    if not truth and not pds:
        return []
    return [n for n in names if n in truth or n in pds or n in OUTPUT_COLUMNS]


def single_feature_auc(values: pd.Series, y: np.ndarray) -> float:
    """How well one feature alone ranks bads above goods (0.5 to 1, direction-free).

    Numbers are ranked as they are, with missing values tried both below and above every
    number; a categorical is ranked by each level's bad rate (missing as a level), which is
    the best any model can do with it.
    """
    y = np.asarray(y, dtype=float)
    n_bad = y.sum()
    if n_bad == 0 or n_bad == len(y):
        return 0.5
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        key = values.astype(object).where(values.notna(), "\0missing").astype(str).to_numpy()
        rates = pd.Series(y).groupby(key).transform("mean").to_numpy()
        candidates = [rates]
    else:
        x = values.to_numpy(dtype=float, na_value=np.nan)
        finite = x[np.isfinite(x)]
        if finite.size == 0:
            return 0.5
        low, high = finite.min() - 1.0, finite.max() + 1.0
        candidates = [np.where(np.isfinite(x), x, low), np.where(np.isfinite(x), x, high)]
    best = 0.5
    for score in candidates:
        ranks = rankdata(score)
        auc = (ranks[y == 1].sum() - n_bad * (n_bad + 1) / 2) / (n_bad * (len(y) - n_bad))
        best = max(best, auc, 1.0 - auc)
    return float(best)


def leaking_features(frame: pd.DataFrame, y: np.ndarray, features: Sequence[str],
                     threshold: float) -> dict[str, float]:
    """Features whose single-feature AUC on ``frame`` (the training rows) is >= ``threshold``."""
    out = {}
    for name in features:
        auc = single_feature_auc(frame[name].reset_index(drop=True), y)
        if auc >= threshold:
            out[name] = auc
    return out


def duplicate_groups(raw: pd.DataFrame, target: str, y: np.ndarray) -> tuple[np.ndarray, str]:
    """A group number per row (equal rows, target aside, share one) and a warning or ``""``."""
    columns = [c for c in raw.columns if c != target]
    if not columns:
        return np.arange(len(raw)), ""
    hashes = pd.util.hash_pandas_object(raw[columns].astype(str), index=False).to_numpy()
    groups, _ = pd.factorize(hashes)
    sizes = np.bincount(groups)
    repeats = pd.Series(groups).duplicated().to_numpy()
    if not repeats.any():
        return groups, ""
    n_groups = int((sizes > 1).sum())
    conflicting = pd.Series(y).groupby(groups).nunique()
    n_conflict = int((conflicting > 1).sum())
    said = (f"{int(repeats.sum())} rows repeat another row in every column but the target "
            f"({row_list(repeats)}; {n_groups} distinct rows repeated)")
    if n_conflict:
        said += f", {n_conflict} of them with different outcomes"
    return groups, (said + "; kept, with every copy in the same split so that no repeat "
                    "is trained on and then tested")


def impossible_values(schema: InferredSchema, frame: pd.DataFrame) -> list[str]:
    """Warnings for values a column's name rules out (negative ages or counts, ages > 120)."""
    out = []
    for info in schema.kept:
        if info.role != "numeric":
            continue
        v = frame[info.feature].reset_index(drop=True).to_numpy(dtype=float, na_value=np.nan)
        is_age = bool(_AGE.search(info.name))
        if not is_age and not _NON_NEGATIVE.search(info.name):
            continue
        what = "an age" if is_age else "a count or amount"
        negative = v < 0
        if negative.any():
            out.append(f"column {info.name!r}: {int(negative.sum())} negative values "
                       f"({row_list(negative)}), impossible for {what}; kept as they are: fix "
                       "them at the source or declare them missing (missing_values)")
        if is_age and (old := v > _MAX_AGE).any():
            out.append(f"column {info.name!r}: {int(old.sum())} values above {_MAX_AGE} "
                       f"({row_list(old)}), impossible for an age; kept as they are")
    return out
