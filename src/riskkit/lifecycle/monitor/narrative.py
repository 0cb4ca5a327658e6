"""The comparisons notebook 11 tells its story with, computed from the monitoring tables.

Why here and not in the notebook: each is a few lines of selection and pooling that must be
right for any seed and size (which months count as quiet, which vintages as tightened, how
a cohort's grade moves compare with the book's), so they are tested code; the notebook
turns their numbers into sentences with :mod:`~riskkit.lifecycle.monitor.words`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit.lifecycle.monitor.expected import ROLL_MONTHS
from riskkit.lifecycle.monitor.lifetime import reference_cohort
from riskkit.lifecycle.monitor.migration import moves_between
from riskkit.lifecycle.monitor.tables import Monitoring
from riskkit.lifecycle.monitor.transitions import matrix_frame
from riskkit.lifecycle.monitor.vintages import compare_vintages

#: Months on book at which vintages are compared (less when the panel is shorter).
COMPARE_AT = 6
#: The true PD's horizon: a 12-month probability of default.
PD_MONTHS = 12


def quiet_year(result: Monitoring, months: int = 12) -> dict[str, Any]:
    """The book before anything changed: its first ``months`` months (or until the
    downturn), as the figures a risk manager reads first."""
    end = min(months, result.book.months)
    if result.downturn_from is not None:
        end = min(end, result.downturn_from)
    stab = result.stability.iloc[:end]
    stages = result.stages.iloc[:end]
    chart = result.roll_30.iloc[:end]
    return {
        "months": end,
        "accounts_first": int(stab["accounts"].iloc[0]),
        "accounts_last": int(stab["accounts"].iloc[-1]),
        "approval_first": float(stab["approval_rate"].iloc[0]),
        "approval_last": float(stab["approval_rate"].iloc[-1]),
        "utilisation_mean": float(stab["utilisation"].mean()),
        "psi_score_max": float(stab["psi_score"].max()),
        "csi_max": float(stab["csi_max"].max()),
        "csi_max_feature": str(stab.loc[stab["csi_max"].idxmax(), "csi_max_feature"]),
        "roll_to_30_mean": float(chart["rolled"].sum() / max(int(chart["at_risk"].sum()), 1)),
        "stage_2_last": float(stages["stage_2"].iloc[-1]),
        "true_stage_2_last": float(stages["true_stage_2"].iloc[-1]),
        "cutoff": float(stab["cutoff"].iloc[0]),
    }


def tightened_months(result: Monitoring) -> list[int]:
    """Months whose review ran at a cut-off below month 0's (the lender had tightened), from
    the downturn on when there is one (a tightening before it answered a false alarm)."""
    cutoff = result.stability["cutoff"].to_numpy()
    months = np.flatnonzero(cutoff < cutoff[0] * (1 - 1e-6))
    if result.downturn_from is not None:
        months = months[months >= result.downturn_from]
    return [int(t) for t in months]


def vintage_comparison(result: Monitoring, at: int = COMPARE_AT) -> dict[str, Any] | None:
    """Accounts opened in the tightened months against those opened before the downturn
    (or before the first tightening), pooled, at the same months on book. ``None`` when the
    lender never tightened or no tightened vintage is old enough to compare."""
    tight = tightened_months(result)
    if not tight:
        return None
    first = tight[0] if result.downturn_from is None else result.downturn_from
    months_on_book = min(at, result.book.months - 1 - tight[0])
    if months_on_book < 0:
        return None
    table = result.vintages
    out = compare_vintages(table, list(range(first)), tight, months_on_book)
    if not out["late_accounts"] or not out["early_accounts"]:
        return None
    return {**out, "tightened_months": tight, "first_tightened": tight[0]}


def cohort_moves(result: Monitoring, members: pd.DataFrame) -> dict[str, Any] | None:
    """Where the borrowed-once cohort sits in the migration matrix: each member's grade at
    the review before the lost line and at the review that cut it.

    Parameters
    ----------
    result
        The book's monitoring.
    members
        The cohort (:func:`riskkit.lifecycle.analysis.borrowed_once_then_ineligible`'s
        ``members``: ``borrower_id`` and ``loss_month``).

    Returns
    -------
    dict or None
        ``moves`` (counts by from and to grade), ``matrix`` (their row shares as a square
        frame), the share that moved to a worse grade, the mean jump, the share landing in
        the top grade, and ``book_worse``: the share of the book's own month-to-month moves
        (pooled, non-default) that went to a worse grade.
    """
    if members.empty:
        return None
    who = members["borrower_id"].to_numpy() - 1
    loss = members["loss_month"].to_numpy()
    moves = moves_between(result.book, who, loss - 1, loss)
    grades = result.book.scale.grades
    counts = np.zeros((grades, grades))
    np.add.at(counts, (moves["from"] - 1, moves["to"] - 1), moves["count"])
    total = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, total, out=np.full(counts.shape, np.nan), where=total > 0)
    jump = np.repeat((moves["to"] - moves["from"]).to_numpy(), moves["count"].to_numpy())
    pooled = result.migration.counts.sum(axis=0)[:grades, :grades]
    upper = np.triu(np.ones((grades, grades), bool), k=1)
    return {
        "moves": moves,
        "matrix": matrix_frame(shares, result.book.scale.labels(), counts),
        "members": len(who),
        "worse": float((jump > 0).mean()),
        "mean_jump": float(jump.mean()),
        "top_grade": float((moves.loc[moves["to"] == grades, "count"].sum()) / len(who)),
        "book_worse": float(pooled[upper].sum() / max(pooled.sum(), 1)),
        "from_median": float(np.median(np.repeat(moves["from"].to_numpy(),
                                                 moves["count"].to_numpy()))),
    }


def lifetime_comparison(result: Monitoring) -> dict[str, Any]:
    """The whole book's lifetime PD at the longest horizon by every estimator, whether
    every grade lay within its interval of the truth, and the book's defaults over the true
    PD's own horizon beside the mean true PD.

    Why the last: the true PD is the generator's 12-month probability of default, while a
    default here is 90+ days past due, which a new delinquency reaches only after
    ``ROLL_MONTHS`` months without a cure (``roll_to_default = (1 - cure_prob) ** 3``), so
    the book's defaults run far below its true PDs; the truth's expectation
    (:mod:`~riskkit.lifecycle.monitor.expected`) follows that ladder, the PD does not.
    ``pd_horizon`` is 12 months, or the panel's longest horizon when it is shorter.
    """
    life = result.lifetime
    horizon = int(life.table["horizon"].max())
    rows = life.at(horizon)
    book = rows.loc["all"]
    grades = rows.drop(index="all")
    grades = grades[grades["accounts"] > 0]
    year = life.at(PD_MONTHS).loc["all"]
    members = reference_cohort(result.book, life.reference_month)
    true_pd = result.book.true_pd[life.reference_month][members]
    cure = float(result.book.behaviour.cure_prob)
    return {
        "horizon": horizon,
        **{k: float(book[k]) for k in ("cohort", "kaplan_meier", "aalen_johansen", "markov",
                                       "truth", "truth_low", "truth_high", "truth_on_book")},
        "within": {str(g): bool(ok) for g, ok in grades["within"].items()},
        "within_on_book": {str(g): bool(ok) for g, ok in grades["within_on_book"].items()},
        "reference_month": life.reference_month,
        "pd_horizon": min(PD_MONTHS, horizon),
        "cohort_pd_horizon": float(year["cohort"]),
        "truth_pd_horizon": float(year["truth"]),
        "mean_true_pd": float(true_pd.mean()) if true_pd.size else float("nan"),
        "cure_prob": cure,
        "roll_months": ROLL_MONTHS,
        "roll_to_default": (1.0 - cure) ** ROLL_MONTHS,
    }
