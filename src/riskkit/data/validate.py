"""Checks of a frame before a model sees it: a synthetic population, a frame to score.

* :func:`validate_population` checks a synthetic population against the feature registry.
* :func:`check_scoring_frame` makes a frame exactly what a trained model expects (columns,
  order, dtypes, category levels), or says why it cannot.
* :func:`unseen_to_missing` is the one rule for a category the model never saw in training,
  used by every scoring path (this module, :meth:`riskkit.data.schema.InferredSchema.transform`,
  the models' own input check): the value becomes missing, and a :class:`ScoringWarning`
  names the column, the values and how many rows. Missing is what every model already
  handles (the scorecard's missing bin, LightGBM's missing branch); guessing a level would
  mis-score silently, and refusing would make one new product code stop a whole batch.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from riskkit.core.errors import DataError, RiskkitError
from riskkit.core.features import ID_COLUMN, MODEL_FEATURES, REGISTRY, TARGET
from riskkit.data.values import (
    MISSING_TOKENS,
    as_text,
    examples,
    handle_infinity,
    missing_columns_problem,
    name_list,
    parse_numbers,
    row_list,
    text_in_numeric_problem,
)

__all__ = ["ScoringWarning", "check_scoring_frame", "unseen_to_missing", "validate_population"]


class ScoringWarning(UserWarning):
    """A scoring frame was changed to fit the model (e.g. unseen categories set missing)."""


def validate_population(
    frame: pd.DataFrame, required: Sequence[str] | None = None, source: str = "population"
) -> None:
    """Check a synthetic population against the feature registry; raise every problem at once.

    ``required`` defaults to what models need: the model features and the target. Every
    registry feature that is present is checked (dtype, integral counts, no missing counts
    or categories, ``Feature.lower``/``upper``, ``Feature.categories``); the target must be
    0/1 without gaps; the applicant id, when present, must be unique.
    """
    need = list(required) if required is not None else [*MODEL_FEATURES, TARGET]
    problems: list[str] = []
    absent = [c for c in need if c not in frame.columns]
    if absent:
        problems.append(missing_columns_problem(absent, frame.columns))
    for name, feature in REGISTRY.items():
        if name not in frame.columns:
            continue
        s = frame[name].reset_index(drop=True)
        if feature.is_categorical:
            text = as_text(s, ())
            problems += _check_missing(name, text)
            allowed = set(feature.categories or ())
            bad = text.notna() & ~text.isin(allowed)
            if bad.any():
                problems.append(
                    f"column {name!r}: unknown categories {examples(text, bad)}; "
                    f"allowed: {', '.join(sorted(allowed))}"
                )
            continue
        if ptypes.is_bool_dtype(s.dtype) or not ptypes.is_numeric_dtype(s.dtype):
            problems.append(f"column {name!r}: expected numbers, found dtype {s.dtype} ({examples(as_text(s, ()), s.notna(), 3)})")
            continue
        v = s.astype("float64")
        inf = np.isinf(v)
        if inf.any():
            problems.append(f"column {name!r}: infinite values at {row_list(inf)}")
        if feature.dtype == "int":
            problems += _check_missing(name, v)
            frac = v.notna() & ~inf & (v != np.round(v))
            if frac.any():
                problems.append(f"column {name!r}: expected whole numbers, found {examples(v, frac)}")
        finite = v.where(~inf)
        if feature.lower is not None and (finite < feature.lower).any():
            low = finite < feature.lower
            problems.append(f"column {name!r}: {int(low.sum())} values below {feature.lower:g}: {examples(v, low)}")
        if feature.upper is not None and (finite > feature.upper).any():
            high = finite > feature.upper
            problems.append(f"column {name!r}: {int(high.sum())} values above {feature.upper:g}: {examples(v, high)}")
    if TARGET in frame.columns:
        t = frame[TARGET].reset_index(drop=True)
        problems += _check_missing(TARGET, t)
        bad = t.notna() & ~t.isin([0, 1])
        if bad.any():
            problems.append(f"column {TARGET!r}: expected 0 or 1, found {examples(t, bad)}")
    if ID_COLUMN in frame.columns:
        dup = frame[ID_COLUMN].reset_index(drop=True).duplicated(keep=False)
        if dup.any():
            problems.append(f"column {ID_COLUMN!r}: duplicate ids at {row_list(dup)}")
    if problems:
        raise DataError(source, problems)


def _check_missing(name: str, s: pd.Series) -> list[str]:
    miss = s.isna()
    return [f"column {name!r}: {int(miss.sum())} missing values at {row_list(miss)}"] if miss.any() else []


def check_scoring_frame(
    frame: pd.DataFrame,
    feature_names: Sequence[str],
    categorical_levels: Mapping[str, Sequence[str]],
    numeric: Sequence[str],
    source: str = "frame",
) -> pd.DataFrame:
    """Make a frame exactly what a trained model expects, or say why it cannot be.

    * missing feature columns: error naming them (with close matches);
    * extra columns: ignored, with a note (a scoring file often carries ids and dates);
    * numeric columns: ints and booleans become float; numbers written as text are parsed
      as in training (missing tokens, thousands separators, percentages); other text is an
      error that shows the values; infinities become missing with a note;
    * categorical columns: the result is a ``pd.Categorical`` with exactly the training
      levels; a category unseen in training becomes missing, with a note and a
      :class:`ScoringWarning`, because guessing a level would mis-score silently.

    Returns the columns in ``feature_names`` order, index kept; notes are in
    ``result.attrs["notes"]``.
    """
    unspecified = [f for f in feature_names if f not in categorical_levels and f not in numeric]
    if unspecified:
        raise RiskkitError(f"model spec: feature(s) {name_list(unspecified)} neither numeric nor categorical")
    problems: list[str] = []
    notes: list[str] = []
    absent = [f for f in feature_names if f not in frame.columns]
    if absent:
        problems.append(missing_columns_problem(absent, frame.columns))
    extra = [str(c) for c in frame.columns if c not in set(feature_names)]
    if extra:
        notes.append(f"ignored {len(extra)} column(s) the model does not use: {name_list(extra)}")
    out: dict[str, pd.Series] = {}
    for name in feature_names:
        if name not in frame.columns:
            continue
        s = frame[name].reset_index(drop=True)
        if name in categorical_levels:
            # compare as text ("1" from a CSV matches level 1), return the training objects:
            # LightGBM re-applies its stored categories and a 1 vs "1" mismatch would be NaN
            levels = list(categorical_levels[name])
            codes, note = unseen_to_missing(name, s, levels, source)
            notes += [note] if note else []
            out[name] = pd.Series(pd.Categorical(codes, categories=levels))
            continue
        if ptypes.is_datetime64_any_dtype(s.dtype):
            problems.append(f"column {name!r}: expected numbers, found dates (dtype {s.dtype})")
            continue
        values, bad, _ = parse_numbers(s, MISSING_TOKENS)
        if bad.any():
            problems.append(text_in_numeric_problem(name, as_text(s), bad))
            continue
        values, note, _ = handle_infinity(name, values, "missing")
        notes += [note] if note else []
        out[name] = values
    if problems:
        raise DataError(source, problems)
    result = pd.DataFrame(out, columns=list(feature_names), index=pd.RangeIndex(len(frame)))
    result.index = frame.index
    result.attrs["notes"] = notes
    return result


def unseen_to_missing(name: str, values: pd.Series, levels: Sequence[object],
                      source: str = "frame") -> tuple[pd.Series, str]:
    """Values mapped onto the training ``levels`` (compared as text), unseen ones missing.

    Returns ``(objects of levels or NaN, note)``; the note (empty when nothing was unseen)
    names the column, the count and up to five values, and is also raised as a
    :class:`ScoringWarning` so that a caller who ignores notes still sees it.
    """
    lookup = dict(zip(as_text(pd.Series(list(levels), dtype=object)), levels, strict=True))
    text = as_text(values.reset_index(drop=True))
    unseen = text.notna() & ~text.isin(list(lookup))
    note = ""
    if unseen.any():
        counts = text[unseen].value_counts()
        said = ", ".join(f"{v!r} ({c} rows)" for v, c in counts.head(5).items())
        more = f" and {len(counts) - 5} more" if len(counts) > 5 else ""
        note = (f"{name!r}: {int(unseen.sum())} values of categories unseen in training set to "
                f"missing: {said}{more}")
        warnings.warn(f"{source}: {note}", ScoringWarning, stacklevel=3)
    return text.mask(unseen).map(lookup).astype(object), note
