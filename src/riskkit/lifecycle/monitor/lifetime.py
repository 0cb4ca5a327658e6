"""Lifetime PD: the cumulative probability of default over 1..H months, by grade.

Why: provisioning needs PDs over the life of an exposure, not only the next twelve months
(IFRS 9 5.5.3 and B5.5.17: lifetime expected credit losses once credit risk has increased
significantly; CECL: lifetime from day one). The book at a reference month (every account
on the book and not in default then, graded by its PD at that review) is followed for
every month the panel has after it, and its cumulative PD estimated four ways:

* **cohort** -- the share that defaulted within ``h`` months (Basel's cohort method). The
  panel follows every borrower to the end, like a credit bureau, so this counts defaults
  after an account left the book too: the borrower's PD, with complete follow-up.
* **Kaplan-Meier** (Kaplan & Meier 1958, "Nonparametric estimation from incomplete
  observations", *JASA* 53(282)) with the default on the book as the event and leaving the
  book as *censoring*: what a lender that loses sight of closed accounts estimates for the
  borrower's PD. It assumes leaving says nothing about risk; here the lender closes lines
  whose PD rose, so it is biased low, and the cohort column shows by how much.
* **Aalen-Johansen** (Aalen & Johansen 1978, "An empirical transition matrix for
  non-homogeneous Markov chains based on censored observations", *Scand. J. Statist.*
  5(3)) with leaving the book as a *competing risk*: the probability of defaulting *while
  on the book*, the quantity a provision for this book needs (a closed account cannot
  default on it). This is the estimator to use; with no censoring but the panel's end it
  equals the cohort share of on-book defaults, which a test checks.
* **Markov chain** -- powers of the pooled one-month migration matrix (cohort estimator,
  Jafry & Schuermann 2004), the default column of ``P^h``.

Both survival estimators (:mod:`~riskkit.lifecycle.monitor.survival`, NumPy; there is why
not lifelines) are fitted on counts (one row per grade, month and outcome, with weights),
so a book of any size takes milliseconds. Ties: a default in month ``h`` and an exit at the
end of month ``h`` share the time ``h``; the exit was at risk during month ``h``, and the
product limit counts it so (a censoring or a competing exit at ``h`` is at risk at ``h``).

Beside them, the **truth's expectation**: the panel's true PDs through the delinquency
ladder (:mod:`~riskkit.lifecycle.monitor.expected`), with its Monte Carlo interval, for
the borrower's PD (all months) and for the book's (months on the book).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from riskkit.lifecycle.monitor.book import DEFAULT_DAYS, Book
from riskkit.lifecycle.monitor.expected import default_hazard, expected_defaults
from riskkit.lifecycle.monitor.migration import Migration
from riskkit.lifecycle.monitor.survival import CENSORED, product_limit
from riskkit.lifecycle.monitor.transitions import markov_term_structure

#: Two-sided level of the truth's Monte Carlo interval, simultaneous over the grades
#: (Bonferroni), so that "every grade within its interval" is a 99 % statement.
LEVEL = 0.99
ALL = "all"
#: Outcome codes: still on the book at the panel's end (:data:`~.survival.CENSORED`), a
#: default on the book, leaving the book (censoring for Kaplan-Meier, a competing risk for
#: Aalen-Johansen).
DEFAULT, LEFT = 1, 2


@dataclass
class LifetimePD:
    """The term structures (long table: one row per grade and horizon) and their setting."""

    table: pd.DataFrame
    reference_month: int
    level: float
    z: float

    def at(self, horizon: int) -> pd.DataFrame:
        """One row per grade at ``horizon`` months (the last one if the panel is shorter)."""
        h = min(horizon, int(self.table["horizon"].max()))
        return self.table[self.table["horizon"] == h].set_index("grade")


def interval_z(groups: int, level: float = LEVEL) -> float:
    """Two-sided normal quantile for ``level`` held simultaneously over ``groups``."""
    return float(stats.norm.isf((1.0 - level) / (2.0 * max(groups, 1))))


def reference_cohort(book: Book, month: int) -> np.ndarray:
    """Accounts on the book at ``month``, not defaulted on it before, not in default now."""
    return (book.on_book[month] & (book.default_month >= month)
            & (book.dpd_start[month] <= DEFAULT_DAYS))


def lifetime_pd(book: Book, migration: Migration, reference_month: int = 0,
                level: float = LEVEL, truth_hazard: np.ndarray | None = None) -> LifetimePD:
    """Cumulative PD by grade (and ``"all"``) over 1..H months from ``reference_month``.

    Columns: ``grade``, ``horizon``, ``accounts``, ``defaults`` (complete follow-up),
    ``cohort``, ``kaplan_meier``, ``aalen_johansen``, ``markov``, ``truth`` with
    ``truth_low``/``truth_high`` and ``within`` (cohort inside the interval),
    ``truth_on_book`` with its interval and ``within_on_book`` (Aalen-Johansen inside it).
    ``truth_hazard``: :func:`~.expected.default_hazard` of the true PDs, if already known.

    Parameters
    ----------
    book : Book
        The panel read as a book.
    migration : Migration
        Its grade migrations (for the Markov estimate).
    reference_month : int
        The month the cohort is taken at.
    level : float
        Level of the truth's Monte Carlo interval.
    truth_hazard : numpy.ndarray, optional
        The true PDs' default hazard, when already computed.

    Returns
    -------
    LifetimePD
    """
    s = int(reference_month)
    if not 0 <= s < book.months:
        raise ValueError(f"reference_month must be a month of the panel (0..{book.months - 1}), "
                         f"got {reference_month!r}")
    horizon = book.months - s
    grades = book.scale.grades
    members = reference_cohort(book, s)
    grade = np.where(members, book.grade[s].astype(np.int64) - 1, -1)
    start = np.full(book.borrowers, s)
    t = np.arange(book.months)[:, None]
    full = book.default_after(s)
    on_book = book.default_month
    q = default_hazard(book, book.true_pd) if truth_hazard is None else truth_hazard
    risk_full = (t >= s) & (t <= full[None, :])
    risk_book = book.on_book & (t >= s) & (t <= on_book[None, :])
    z = interval_z(grades, level)
    frames = []
    for label, groups, group in ((ALL, 1, np.where(members, 0, -1)), (None, grades, grade)):
        accounts = np.bincount(group[group >= 0], minlength=groups)
        truth = expected_defaults(book, q, risk_full, group, start, groups, horizon)
        truth_book = expected_defaults(book, q, risk_book, group, start, groups, horizon)
        observed = _cumulative(group, full - s, groups, horizon)
        observed_book = _cumulative(group, on_book - s, groups, horizon)
        low, high = truth.band(z, accounts)
        low_b, high_b = truth_book.band(z, accounts)
        markov = _markov(migration, group, grade, horizon, groups)
        for g in range(groups):
            n = max(int(accounts[g]), 1)
            rows = pd.DataFrame({
                "grade": label or str(g + 1), "horizon": np.arange(1, horizon + 1),
                "accounts": int(accounts[g]), "defaults": observed[g],
                "cohort": observed[g] / n, "cohort_on_book": observed_book[g] / n,
                "truth": truth.mean[g] / n, "truth_low": low[g], "truth_high": high[g],
                "truth_on_book": truth_book.mean[g] / n, "truth_on_book_low": low_b[g],
                "truth_on_book_high": high_b[g], "markov": markov[g],
            })
            km, aj = _survival(book, group == g, s, horizon)
            rows["kaplan_meier"], rows["aalen_johansen"] = km, aj
            frames.append(rows)
    table = pd.concat(frames, ignore_index=True)
    table["within"] = (table["cohort"] >= table["truth_low"]) & (
        table["cohort"] <= table["truth_high"])
    table["within_on_book"] = (table["aalen_johansen"] >= table["truth_on_book_low"]) & (
        table["aalen_johansen"] <= table["truth_on_book_high"])
    table.loc[table["accounts"] == 0, ["within", "within_on_book"]] = False
    return LifetimePD(table, s, level, z)


def _cumulative(group: np.ndarray, since: np.ndarray, groups: int, horizon: int) -> np.ndarray:
    """``(groups, horizon)`` cumulative counts of events ``since`` months after the start."""
    hit = (group >= 0) & (since >= 0) & (since < horizon)
    counts = np.bincount(group[hit] * horizon + since[hit], minlength=groups * horizon)
    return counts.reshape(groups, horizon).cumsum(axis=1)


def _markov(migration: Migration, group: np.ndarray, grade: np.ndarray, horizon: int,
            groups: int) -> np.ndarray:
    """Markov PDs per group: a grade's own row, or the group's grade mix of rows."""
    by_grade = markov_term_structure(migration.matrix, horizon, migration.default_state)
    grades = migration.default_state
    mix = np.zeros((groups, grades))
    np.add.at(mix, (group[group >= 0], grade[group >= 0]), 1.0)
    mix /= np.maximum(mix.sum(axis=1, keepdims=True), 1.0)
    return mix @ by_grade[:grades]


def _survival(book: Book, members: np.ndarray, start: int, horizon: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier and Aalen-Johansen cumulative PDs of the reference cohort's ``members``:
    a default in month ``start + k`` at time ``k + 1``, leaving the book at the start of
    month ``start + k`` at time ``k``, still on the book at the end censored at ``horizon``."""
    if not members.any():
        return np.full(horizon, np.nan), np.full(horizon, np.nan)
    default = book.default_month[members] - start
    left = book.exit[members] - start
    time = np.where(default < horizon, default + 1, np.minimum(left, horizon))
    event = np.where(default < horizon, DEFAULT, np.where(left < horizon, LEFT, CENSORED))
    frame = pd.DataFrame({"time": time, "event": event}).value_counts().rename(
        "weight").reset_index()
    return survival_pd(frame["time"].to_numpy(), frame["event"].to_numpy(),
                       frame["weight"].to_numpy(), horizon)


def survival_pd(time: np.ndarray, event: np.ndarray, weight: np.ndarray, horizon: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative PD at ``1..horizon`` by Kaplan-Meier (leaving censored) and by
    Aalen-Johansen (leaving a competing risk), by :func:`~.survival.product_limit`.

    Parameters
    ----------
    time
        Whole months to the event (or to censoring).
    event
        :data:`DEFAULT`, :data:`LEFT` (left the book) or :data:`CENSORED` (end of data).
    weight
        How many accounts each row stands for (rows may be aggregated counts).
    horizon
        Longest horizon, in months.

    Returns
    -------
    tuple of numpy.ndarray
        ``(kaplan_meier, aalen_johansen)``, each of length ``horizon``.
    """
    event = np.asarray(event)
    times = np.arange(1, horizon + 1, dtype=float)
    default_only = np.where(event == DEFAULT, DEFAULT, CENSORED)
    km = 1.0 - product_limit(time, default_only, weight).survival_at(times)
    aj = product_limit(time, event, weight).incidence_at(times, DEFAULT)
    return km, aj
