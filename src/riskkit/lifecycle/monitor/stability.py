"""The population month by month: PSI of the score, CSI of every feature, approval, usage.

Why: the cheapest signal a lender has is that the applicants it scores no longer look like
the ones the model was built on. The population stability index of the score and the
characteristic stability index of each feature compare every month's reviewed borrowers
with month 0's, in month 0's deciles (Siddiqi, *Credit Risk Scorecards*, 2006, chapter 8:
below 0.1 stable, 0.1 to 0.25 worth a look, above 0.25 shifted). Beside each PSI is the
truth it stands for: the PSI of the *true* PD and the change of the mean true PD, so a
shift that moved nobody's risk and a shift of risk no feature shows are told apart.

The bins, the missing-value bin and the share floor are those of
:func:`riskkit.evaluate.psi` and :func:`riskkit.evaluate.csi` (a test checks equality);
they are computed here for every month at once, with one ``searchsorted`` and one
``bincount`` per feature over the ``(months, borrowers)`` array, because calling those
functions month by month re-bins month 0 every time (36 x 20 calls for a 36-month book).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit.evaluate import PSI_EPS
from riskkit.lifecycle.monitor.book import Book

#: The usual PSI / CSI reading: below the first stable, above the second shifted.
PSI_THRESHOLDS: tuple[float, float] = (0.1, 0.25)
BINS = 10


def psi_from_counts(counts: np.ndarray, eps: float = PSI_EPS) -> np.ndarray:
    """PSI of every row of ``(months, bins)`` counts against row 0:
    ``sum((a - e) ln(a / e))`` over bins, shares floored at ``eps``."""
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    shares = np.maximum(shares, eps)
    e = shares[0]
    return ((shares - e) * np.log(shares / e)).sum(axis=1)


def binned_counts(values: np.ndarray, categorical: bool = False, bins: int = BINS
                  ) -> np.ndarray:
    """``(months, k)`` counts of a ``(months, n)`` array in month 0's bins.

    Numeric: month 0's inner deciles (deduplicated), right-closed, open outer bins, and a
    last bin for missing values. Categorical (integer codes, ``-1`` missing): one bin per
    code seen in any month, the missing code included.
    """
    months = values.shape[0]
    if categorical:
        codes = values.astype(np.int64)
        codes -= codes.min()
        k = int(codes.max()) + 1
    else:
        first = np.asarray(values[0], dtype=float)
        ok = first[~np.isnan(first)]
        inner = (np.unique(np.quantile(ok, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
                 if ok.size else np.array([]))
        k = inner.size + 2
        codes = _bin_codes(values, inner)
        if np.issubdtype(values.dtype, np.floating):
            codes[np.isnan(values)] = k - 1  # NaN is above no edge: code 0 until here
    counts = np.zeros((months, k))
    for t in range(months):  # one bincount a month: no (months, n) index array
        counts[t] = np.bincount(codes[t], minlength=k)
    return counts


def _bin_codes(values: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """``searchsorted(inner, values, side="left")`` (the number of edges below each value)
    as int8, without a float64 copy of the array.

    Integer features (counts, months, flags) have few distinct values: their codes come
    from a lookup table over the range. Float features are compared with each of the (at
    most nine) edges in turn, which is several times faster than a binary search per value;
    float32 values are compared with the edges rounded *down* to float32, which counts the
    same edges (for a float32 ``x``, ``x > e`` if and only if ``x`` exceeds the largest
    float32 not above ``e``).
    """
    if np.issubdtype(values.dtype, np.integer):
        low, high = int(values.min()), int(values.max())
        if high - low <= 1_000_000:
            table = np.searchsorted(inner, np.arange(low, high + 1), side="left")
            return table.astype(np.int8)[values.astype(np.int64) - low]
    edges = inner
    if values.dtype == np.float32:
        edges = inner.astype(np.float32)
        above = edges.astype(float) > inner
        edges[above] = np.nextafter(edges[above], np.float32(-np.inf))
    codes = np.zeros(values.shape, dtype=np.int8)
    for edge in edges:
        codes += values > edge
    return codes


def stability_by_month(book: Book) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(by_month, csi)``: one row per month of the population's and the book's figures,
    and the CSI of every model feature by month (long: ``month``, ``feature``, ``csi``).

    ``by_month`` columns: ``psi_score`` (the model PD), ``psi_true_pd``, ``csi_max`` and
    ``csi_max_feature``, ``mean_pd`` / ``mean_true_pd`` (everyone reviewed) and their
    change since month 0, ``approval_rate``, ``cutoff``, ``accounts`` (on the book),
    ``new_accounts``, ``utilisation`` (drawn over granted lines, among borrowers with a
    line), ``mean_pd_approved`` / ``mean_true_pd_approved``.

    Parameters
    ----------
    book : Book
        The simulation's book (:func:`~riskkit.lifecycle.monitor.read_book`), with its
        month-0 reference population.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(by_month, csi)`` as above.
    """
    months = book.months
    month = np.arange(months)
    csi = {name: psi_from_counts(binned_counts(values, name in book.categories))
           for name, values in book.features.items()}
    csi_frame = pd.DataFrame(csi, index=pd.Index(month, name="month"))
    long = csi_frame.reset_index().melt(id_vars="month", var_name="feature", value_name="csi")
    approved = book.line > 0
    n_approved = approved.sum(axis=1)
    lines = np.where(approved, book.line, 0.0).sum(axis=1)
    drawn = np.where(approved, book.drawn, 0.0).sum(axis=1)
    mean_pd = book.pd.mean(axis=1, dtype=float)
    mean_true = book.true_pd.mean(axis=1, dtype=float)
    out = pd.DataFrame({
        "month": month,
        "psi_score": psi_from_counts(binned_counts(book.pd)),
        "psi_true_pd": psi_from_counts(binned_counts(book.true_pd)),
        "csi_max": csi_frame.max(axis=1).to_numpy() if csi else np.nan,
        "csi_max_feature": csi_frame.idxmax(axis=1).to_numpy() if csi else None,
        "mean_pd": mean_pd, "mean_true_pd": mean_true,
        "mean_pd_change": mean_pd - mean_pd[0], "mean_true_pd_change": mean_true - mean_true[0],
        "approval_rate": approved.mean(axis=1),
        "cutoff": book.cutoff,
        "accounts": book.on_book.sum(axis=1),
        "new_accounts": np.bincount(book.origination[book.origination < months],
                                    minlength=months),
        "utilisation": np.divide(drawn, lines, out=np.full(months, np.nan), where=lines > 0),
        "mean_pd_approved": _masked_mean(book.pd, approved, n_approved),
        "mean_true_pd_approved": _masked_mean(book.true_pd, approved, n_approved),
    })
    return out, long


def _masked_mean(values: np.ndarray, mask: np.ndarray, count: np.ndarray) -> np.ndarray:
    total = np.where(mask, values, 0.0).sum(axis=1, dtype=float)
    return np.divide(total, count, out=np.full(len(count), np.nan), where=count > 0)
