"""Grade migration: how the book's accounts move between PD grades from month to month.

Why: a rating system is judged by how its grades move. A stable book keeps most accounts
on the diagonal; a turn shows as mass moving to worse grades, and a default column that
grows. The month-to-month matrices here have the grades of the scale (the run's master
scale, or the month-0 PD deciles) plus an absorbing ``D`` (default, 90+ days past due).

Month ``t``'s matrix counts every account on the book and not yet in default at the start
of month ``t``: its grade at that month's review, and at the next review -- or ``D`` when
it defaulted during month ``t``. Every borrower is re-scored every month, so an account
that leaves the book is still graded the month after: no move is lost to a withdrawal.
Pooled with the cohort estimator (Jafry & Schuermann 2004) the average matrix is the
one-month transition matrix of a Markov chain whose powers give lifetime PDs
(:mod:`~riskkit.lifecycle.monitor.lifetime`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskkit.lifecycle.monitor.book import Book
from riskkit.lifecycle.monitor.transitions import (
    cohort_matrix,
    long_table,
    matrix_frame,
    transition_counts,
)

DEFAULT_LABEL = "D"


@dataclass
class Migration:
    """Monthly counts ``(months - 1, G + 1, G + 1)``, their long table, the pooled matrix."""

    counts: np.ndarray
    by_month: pd.DataFrame
    average: pd.DataFrame
    matrix: np.ndarray
    labels: list[str]

    @property
    def default_state(self) -> int:
        return len(self.labels) - 1


def migration_states(book: Book) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(origin, target, mask)`` as ``(months - 1, n)`` arrays of state codes: grade - 1
    at month ``t`` and at ``t + 1`` (or the default state), for the accounts counted."""
    grades = book.scale.grades
    origin = (book.grade[:-1] - 1).astype(np.int64)
    t = np.arange(book.months - 1)[:, None]
    defaulted = book.default_month[None, :] == t
    target = np.where(defaulted, grades, book.grade[1:] - 1).astype(np.int64)
    mask = book.on_book[:-1] & (book.default_month[None, :] >= t)
    return origin, target, mask


def grade_migration(book: Book, who: np.ndarray | None = None) -> Migration:
    """Migration matrices of the book (or of the borrowers ``who`` selects: a mask of
    length ``n``), per month and pooled.

    Parameters
    ----------
    book : Book
        The panel read as a book.
    who : numpy.ndarray of bool, optional
        The borrowers included (default: all).

    Returns
    -------
    Migration
    """
    origin, target, mask = migration_states(book)
    if who is not None:
        mask = mask & np.asarray(who, dtype=bool)[None, :]
    labels = [*book.scale.labels(), DEFAULT_LABEL]
    states = len(labels)
    counts = transition_counts(origin, target, mask, states)
    matrix = cohort_matrix(counts, absorbing=[states - 1])
    return Migration(counts, long_table(counts, labels),
                     matrix_frame(matrix, labels, counts), matrix, labels)


def moves_between(book: Book, who: np.ndarray, before: np.ndarray, after: np.ndarray
                  ) -> pd.DataFrame:
    """Counts of grade moves of selected borrowers between two months each (e.g. the month
    before a lost line and the month of the loss): one row per (from, to) with a count.

    Parameters
    ----------
    book
        The book.
    who
        Borrower indices (0-based columns of the panel).
    before, after
        The month of the first and of the second grade, per borrower in ``who``.

    Returns
    -------
    pandas.DataFrame
        ``from``, ``to``, ``count``.
    """
    g0 = book.grade[np.asarray(before), np.asarray(who)]
    g1 = book.grade[np.asarray(after), np.asarray(who)]
    frame = pd.DataFrame({"from": g0.astype(int), "to": g1.astype(int)})
    return (frame.value_counts().rename("count").reset_index()
            .sort_values(["from", "to"], ignore_index=True))
