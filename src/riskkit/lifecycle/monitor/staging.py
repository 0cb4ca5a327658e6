"""IFRS 9 staging of the book, month by month, by the lender's grades and by the truth.

The rule (IFRS 9 *Financial Instruments*, section 5.5):

* **stage 3** -- credit-impaired: the account has defaulted on the book (more than 90 days
  past due, the definition IFRS 9 B5.5.37 allows to align with the internal one). It stays
  in stage 3 while it is on the book: a cure back needs evidence the simulation does not
  model (EBA/GL/2016/07 asks for a probation period at least); a defaulted account leaves
  the book only once nothing is owed (it is then closed).
* **stage 2** -- a significant increase in credit risk since initial recognition (5.5.3):
  the lifetime PD of the account's grade now is more than ``1 + threshold`` times the
  lifetime PD of its grade at origination (a *relative* change, as B5.5.17 and B5.5.9
  ask), or the account is more than 30 days past due (the rebuttable presumption of 5.5.11).
* **stage 1** -- everything else.

The lender's lifetime PDs are the Markov term structure of its own grade migrations
(:mod:`~riskkit.lifecycle.monitor.migration`); the truth's stage 2 uses each account's true
PD instead, as a lifetime PD under a constant hazard ``1 - (1 - PD)^(H / 12)``, so the
chart can show how much of the increase in risk the lender's grades see.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit.lifecycle.monitor.book import Book
from riskkit.lifecycle.monitor.migration import Migration
from riskkit.lifecycle.monitor.transitions import markov_term_structure

#: Stage 2 when lifetime PD more than doubled since origination (a relative increase of 100 %).
SICR_THRESHOLD = 1.0
#: Horizon of the lifetime PD compared, in months.
LIFETIME_MONTHS = 36
#: Days past due from which an account is in stage 2 whatever its PD (IFRS 9 5.5.11).
BACKSTOP_DAYS = 30


def grade_lifetime_pd(migration: Migration, months: int = LIFETIME_MONTHS) -> np.ndarray:
    """Lifetime PD of every grade over ``months`` months (Markov chain of the migrations)."""
    curve = markov_term_structure(migration.matrix, months, migration.default_state)
    return curve[: migration.default_state, -1]


def stages(book: Book, migration: Migration, threshold: float = SICR_THRESHOLD,
           months: int = LIFETIME_MONTHS) -> tuple[np.ndarray, np.ndarray]:
    """``(lender, truth)`` stage (1, 2, 3; 0 off the book) of every account and month.

    Parameters
    ----------
    book, migration
        The book and its grade migrations (the lender's lifetime PDs come from them).
    threshold
        Relative increase of lifetime PD since origination that counts as significant.
    months
        The lifetime horizon compared, in months.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lender, truth)``, each (months, accounts).
    """
    if not threshold > 0:
        raise ValueError(f"threshold must be a relative increase > 0, got {threshold!r}")
    lifetime = grade_lifetime_pd(migration, months)
    cols = np.arange(book.borrowers)
    opened = np.minimum(book.origination, book.months - 1)
    now = lifetime[book.grade - 1]
    then = lifetime[book.grade[opened, cols] - 1][None, :]
    lender_sicr = now > (1.0 + threshold) * then
    true_pd = book.true_pd.astype(float)
    true_now = 1.0 - (1.0 - true_pd) ** (months / 12.0)
    true_then = true_now[opened, cols][None, :]
    truth_sicr = true_now > (1.0 + threshold) * true_then
    t = np.arange(book.months)[:, None]
    impaired = book.default_month[None, :] < t
    backstop = book.dpd_start > BACKSTOP_DAYS
    out = []
    for sicr in (lender_sicr, truth_sicr):
        stage = np.where(impaired, 3, np.where(sicr | backstop, 2, 1)).astype(np.int8)
        out.append(np.where(book.on_book, stage, 0).astype(np.int8))
    return out[0], out[1]


def stage_shares(book: Book, migration: Migration, threshold: float = SICR_THRESHOLD,
                 months: int = LIFETIME_MONTHS) -> pd.DataFrame:
    """Per month: accounts staged and the share in each stage, by the lender's rule and by
    the truth's (``stage_1`` .. ``stage_3``, ``true_stage_1`` .. ``true_stage_3``).

    Parameters
    ----------
    book, migration
        The book and its grade migrations.
    threshold : float
        Relative increase of lifetime PD since origination that counts as significant.
    months : int
        The lifetime horizon compared.

    Returns
    -------
    pandas.DataFrame
    """
    lender, truth = stages(book, migration, threshold, months)
    frame = pd.DataFrame({"month": np.arange(book.months),
                          "accounts": (lender > 0).sum(axis=1)})
    total = np.maximum(frame["accounts"].to_numpy(), 1)
    for prefix, stage in (("", lender), ("true_", truth)):
        for k in (1, 2, 3):
            frame[f"{prefix}stage_{k}"] = (stage == k).sum(axis=1) / total
    return frame
