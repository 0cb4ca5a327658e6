"""Vintage curves: the cumulative bad rate of each origination month, by months on book.

Why: the oldest monitoring view of a credit book. Accounts opened in the same month (a
*vintage*) are followed as they age; a vintage whose curve runs above the others, or above
what was expected when it was booked, was underwritten into a worse economy or with a worse
policy. Curves are cumulative ("ever 90+ days past due on the book") with every opened
account in the denominator, closed ones included, so a curve never decreases.

Beside every point: the truth's expectation (the panel's true PDs through the delinquency
ladder, :mod:`~riskkit.lifecycle.monitor.expected`) with its Monte Carlo interval, and the
lender's own expectation (its model's PDs through the same ladder), whose upper Poisson
limit is the band a vintage is monitored against.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from riskkit.lifecycle.monitor.book import Book
from riskkit.lifecycle.monitor.expected import Hazards, expected_defaults

#: Two-sided level of the truth's Monte Carlo interval around each vintage point.
TRUTH_LEVEL = 0.99
#: One-sided false-alarm rate of the lender's band: a 3-sigma Shewhart limit's.
BAND_ALPHA = float(stats.norm.sf(3.0))


def vintage_curves(book: Book, level: float = TRUTH_LEVEL, band_alpha: float = BAND_ALPHA,
                   hazards: Hazards | None = None) -> pd.DataFrame:
    """One row per vintage and month on book that the panel has observed.

    Columns: ``vintage`` (origination month), ``months_on_book`` (0 = the month opened),
    ``month`` (calendar), ``accounts``, ``defaults`` (cumulative, on the book),
    ``bad_rate``, ``truth_expected`` with ``truth_low``/``truth_high`` (the ``level``
    interval), ``lender_expected`` with ``lender_limit`` (the count above which the lender's
    band is exceeded at false-alarm rate ``band_alpha``, as a rate) and ``above_band``.
    ``hazards``: the book's default hazards, when the caller has them already.

    Parameters
    ----------
    book : Book
        The panel read as a book.
    level : float
        Level of the truth's interval.
    band_alpha : float
        The lender's band's false-alarm rate.
    hazards : Hazards, optional
        The book's default hazards, when already computed.

    Returns
    -------
    pandas.DataFrame
    """
    hazards = hazards or Hazards.of(book)
    months = book.months
    origin = book.origination
    counted = book.performing_at_origination
    group = np.where(counted, origin, -1)
    accounts = np.bincount(origin[counted], minlength=months).astype(np.int64)
    default = book.default_month
    hit = counted & (default < months)
    defaults = np.bincount(origin[hit] * months + (default[hit] - origin[hit]),
                           minlength=months * months).reshape(months, months).cumsum(axis=1)
    t = np.arange(months)[:, None]
    at_risk = book.on_book & (t <= default[None, :])
    start = np.minimum(origin, months)
    truth = expected_defaults(book, hazards.truth, at_risk, group, start, months, months)
    lender = expected_defaults(book, hazards.lender, at_risk, group, start, months, months)
    z = float(stats.norm.isf((1.0 - level) / 2.0))
    low, high = truth.band(z, accounts)
    limit = lender.poisson_limit(band_alpha)
    v, m = np.nonzero((np.arange(months)[:, None] + np.arange(months)[None, :] < months)
                      & (accounts[:, None] > 0))
    size = np.maximum(accounts[v], 1)
    table = pd.DataFrame({
        "vintage": v, "months_on_book": m, "month": v + m, "accounts": accounts[v],
        "defaults": defaults[v, m], "bad_rate": defaults[v, m] / size,
        "truth_expected": truth.mean[v, m] / size, "truth_low": low[v, m],
        "truth_high": high[v, m], "lender_expected": lender.mean[v, m] / size,
        "lender_limit": limit[v, m] / size,
    })
    table["above_band"] = table["defaults"].to_numpy() >= limit[v, m]
    table["within_truth"] = ((table["bad_rate"] >= table["truth_low"])
                             & (table["bad_rate"] <= table["truth_high"]))
    return table


def vintage_alarm(table: pd.DataFrame, months: int) -> np.ndarray:
    """Per calendar month: is any vintage's latest point above the lender's band?"""
    alarm = np.zeros(months, dtype=bool)
    months_hit = table.loc[table["above_band"], "month"].to_numpy()
    alarm[np.unique(months_hit)] = True
    return alarm


def pooled_vintages(table: pd.DataFrame, months: int, size: int = 3) -> pd.DataFrame:
    """Vintages pooled by origination period (quarters by default): one curve per period.

    Why: after the month the book opens, each month's vintage is small and its curve is
    noise. A period's point at ``m`` months on book sums the defaults and the accounts of
    its vintages, up to the months on book its youngest vintage has reached, so each pooled
    curve is cumulative (never decreasing) like its members'.

    Columns: ``period`` (first origination month), ``vintages`` ("3-5"), ``months_on_book``,
    ``accounts``, ``defaults``, ``bad_rate``, ``truth_expected``, ``lender_expected``.
    """
    frame = table.assign(period=table["vintage"] // size * size,
                         truth_count=table["truth_expected"] * table["accounts"],
                         lender_count=table["lender_expected"] * table["accounts"])
    frames = []
    for period, rows in frame.groupby("period", sort=True):
        last = min(int(period) + size, months) - 1
        reach = months - 1 - int(rows["vintage"].max())
        kept = rows[rows["months_on_book"] <= reach]
        pooled = kept.groupby("months_on_book", sort=True)[
            ["accounts", "defaults", "truth_count", "lender_count"]].sum().reset_index()
        accounts = pooled["accounts"].to_numpy()
        frames.append(pd.DataFrame({
            "period": int(period), "vintages": f"{int(period)}-{last}",
            "months_on_book": pooled["months_on_book"], "accounts": accounts,
            "defaults": pooled["defaults"], "bad_rate": pooled["defaults"] / accounts,
            "truth_expected": pooled["truth_count"] / accounts,
            "lender_expected": pooled["lender_count"] / accounts}))
    return pd.concat(frames, ignore_index=True)


def compare_vintages(table: pd.DataFrame, early: list[int], late: list[int],
                     months_on_book: int) -> dict[str, float | int | None]:
    """Pooled bad rate (and truth, lender expectations) of two sets of vintages at the same
    months on book: e.g. those booked before and after the lender tightened.

    Parameters
    ----------
    table : pandas.DataFrame
        The monitor's vintage table.
    early, late : list of int
        The origination months of the two sets.
    months_on_book : int
        Months on book at which they are compared.

    Returns
    -------
    dict
        Accounts, bad rate, the truth's and the lender's expectation of each set.
    """
    out: dict[str, float | int | None] = {"months_on_book": months_on_book}
    at = table[table["months_on_book"] == months_on_book]
    for name, vintages in (("early", early), ("late", late)):
        rows = at[at["vintage"].isin(vintages)]
        accounts = int(rows["accounts"].sum())
        out[f"{name}_accounts"] = accounts
        out[f"{name}_vintages"] = len(rows)
        for column in ("bad_rate", "truth_expected", "lender_expected"):
            out[f"{name}_{column}"] = (float((rows[column] * rows["accounts"]).sum() / accounts)
                                       if accounts else None)
    return out
