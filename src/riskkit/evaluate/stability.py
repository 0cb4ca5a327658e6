"""Population stability: PSI of a score and CSI of every feature, between two samples.

Same conventions as :mod:`riskkit.evaluate.metrics` (array-likes matched by position, bad
input a DataError listing every problem). The usual reading: below 0.1 stable, 0.1-0.25
worth a look, above 0.25 shifted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskkit.core.errors import DataError
from riskkit.evaluate.metrics import MetricInput, _check_bins, _to_float

__all__ = ["MISSING", "PSI_EPS", "csi", "psi"]

#: Floor for bin shares in PSI / CSI. A bin that is empty in one sample would make
#: ln(actual/expected) infinite; 1e-4 (0.01 %) is the customary floor in credit-risk practice
#: and keeps one empty bin from dominating while still flagging real shifts loudly.
PSI_EPS = 1e-4
#: Key of the missing-value bin in CSI tables.
MISSING = "<missing>"


def _psi_from_counts(expected: np.ndarray, actual: np.ndarray, eps: float) -> float:
    e = np.maximum(expected / max(expected.sum(), 1.0), eps)
    a = np.maximum(actual / max(actual.sum(), 1.0), eps)
    return float(np.sum((a - e) * np.log(a / e)))


def _numeric_counts(
    expected: np.ndarray, actual: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Counts per quantile bin of ``expected`` plus a final missing-value bin.

    Inner edges are the expected sample's deciles (for ``n_bins=10``), deduplicated, with
    open outer bins ``(-inf, q1]`` and ``(q_last, +inf)`` so out-of-range values in the
    actual sample are counted, not dropped. Bins are right-closed, so a point mass at the
    minimum (e.g. many zero counts) stays in the first bin.
    """
    e_ok, a_ok = expected[~np.isnan(expected)], actual[~np.isnan(actual)]
    if e_ok.size:
        inner = np.unique(np.quantile(e_ok, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
    else:
        inner = np.array([])
    k = inner.size + 1
    ce = np.bincount(np.searchsorted(inner, e_ok, side="left"), minlength=k)
    ca = np.bincount(np.searchsorted(inner, a_ok, side="left"), minlength=k)
    ce = np.append(ce, expected.size - e_ok.size)
    ca = np.append(ca, actual.size - a_ok.size)
    return ce.astype(float), ca.astype(float)


def psi(
    expected: MetricInput, actual: MetricInput, n_bins: int = 10, eps: float = PSI_EPS
) -> float:
    """Population stability index of ``actual`` against ``expected`` (e.g. train vs. OOT).

    ``sum((a_i - e_i) * ln(a_i / e_i))`` over bins cut at the expected sample's quantiles,
    with a missing-value bin and a floor of ``eps`` on every share (see ``PSI_EPS``).
    Always >= 0 and exactly 0 for identical samples. Usual reading: < 0.1 stable,
    0.1-0.25 worth a look, > 0.25 shifted.

    Parameters
    ----------
    expected : array-like
        The reference sample (bins are cut at its quantiles).
    actual : array-like
        The sample compared with it.
    n_bins : int
        Number of quantile bins.
    eps : float
        Floor on every share.

    Returns
    -------
    float
    """
    _check_bins(n_bins)
    e, a = _to_float(expected), _to_float(actual)
    problems = [f"{n} is empty" for n, v in (("expected", e), ("actual", a)) if v.size == 0]
    if problems:
        raise DataError("psi input", problems)
    return _psi_from_counts(*_numeric_counts(e, a, n_bins), eps)


def _is_categorical(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or not pd.api.types.is_numeric_dtype(dtype)
    )


def _categorical_counts(expected: pd.Series, actual: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    e = expected.astype(object).where(expected.notna(), MISSING).astype(str).value_counts()
    a = actual.astype(object).where(actual.notna(), MISSING).astype(str).value_counts()
    keys = sorted(set(e.index) | set(a.index))
    return (
        e.reindex(keys, fill_value=0).to_numpy(dtype=float),
        a.reindex(keys, fill_value=0).to_numpy(dtype=float),
    )


def csi(
    train_frame: pd.DataFrame,
    other_frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    n_bins: int = 10,
    eps: float = PSI_EPS,
) -> pd.Series:
    """Characteristic stability index: PSI of each feature, train vs. another sample.

    Numeric columns use :func:`psi` (quantile bins of the training column plus a missing
    bin); categorical, string and boolean columns compare category shares directly, with
    missing values as their own category and categories unseen in training counted against
    the ``eps`` floor. ``columns=None`` means every column the two frames share.

    Parameters
    ----------
    train_frame : pandas.DataFrame
        The reference sample (bins are cut on it).
    other_frame : pandas.DataFrame
        The sample compared with it.
    columns : sequence of str, optional
        The features; None: every column both frames share.
    n_bins : int
        Quantile bins of a numeric column.
    eps : float
        Floor on every share.

    Returns
    -------
    pandas.Series
        CSI by column.
    """
    _check_bins(n_bins)
    if columns is None:
        columns = [c for c in train_frame.columns if c in other_frame.columns]
    problems = [
        f"column {c!r} is missing from the {which} frame"
        for c in columns
        for which, frame in (("train", train_frame), ("other", other_frame))
        if c not in frame.columns
    ]
    if problems:
        raise DataError("csi input", problems)
    values = {}
    for col in columns:
        tr, ot = train_frame[col], other_frame[col]
        if _is_categorical(tr) or _is_categorical(ot):
            counts = _categorical_counts(tr, ot)
        else:
            counts = _numeric_counts(_to_float(tr), _to_float(ot), n_bins)
        values[col] = _psi_from_counts(*counts, eps)
    return pd.Series(values, name="csi", dtype=float)
