"""The ``fairness`` section: the run's fairness stage against fairlearn's ``MetricFrame``.

Issue 29 cut the fairness stage of a 250k-row run from 9.6 s to a fraction of a second by
computing every group figure from one pass of ``numpy.bincount`` per attribute instead of a
``MetricFrame`` per metric. The reference here is that ``MetricFrame`` computation of the
group tables alone (the code before the speed-up, without the bootstrap intervals), timed in
the same process on the same applicants; riskkit's side includes the intervals, the
knock-out passers and the credit lines. ``tests/test_fairness.py`` checks that both give the
same figures to the last bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count

from riskkit.bench.sizes import SEED, WORLD, BenchSizes, best
from riskkit.core import features as F
from riskkit.evaluate import fairness as FA


def reference_group_metrics(y: np.ndarray, approved: np.ndarray, pd_: np.ndarray,
                            labels: pd.Series, true_pd: np.ndarray) -> pd.DataFrame:
    """The group table computed with fairlearn's MetricFrame, one metric function per figure,
    as the fairness stage did before issue 29.

    Parameters
    ----------
    y, approved, pd_
        Outcome, decision and the model's PD, row by row.
    labels
        The rows' groups (categorical, as :func:`riskkit.evaluate.fairness.group_labels`).
    true_pd
        The true PD of each row.

    Returns
    -------
    pandas.DataFrame
        One row per group in the categories' order: n, approval rate, bad rate among the
        approved, the share of bads and of goods declined, mean PD and mean true PD.
    """
    def mean_where(values: np.ndarray, mask: np.ndarray) -> float:
        return float(np.mean(values[mask])) if mask.any() else np.nan

    def mean_of(y_true: np.ndarray, y_pred: np.ndarray, values: np.ndarray) -> float:
        values = np.asarray(values, dtype=float)
        return float(np.nanmean(values)) if np.isfinite(values).any() else np.nan

    frame = MetricFrame(
        metrics={"n": count,
                 "approval_rate": lambda t, p: float(1.0 - np.mean(p)),
                 "bad_rate_approved": lambda t, p: mean_where(np.asarray(t, float), p == 0),
                 "tpr_decline": lambda t, p: mean_where(np.asarray(p, float), t == 1),
                 "fpr_decline": lambda t, p: mean_where(np.asarray(p, float), t == 0),
                 "mean_pd": mean_of, "mean_true_pd": mean_of},
        y_true=y, y_pred=(~approved).astype(int),
        sensitive_features=pd.Series(labels.astype(str).to_numpy(dtype=object), name="group"),
        sample_params={"mean_pd": {"values": pd_}, "mean_true_pd": {"values": true_pd}})
    return frame.by_group.reindex([str(c) for c in labels.cat.categories])


def fairness_section(sizes: BenchSizes, quiet: bool = True) -> dict[str, Any]:
    """Time :func:`riskkit.evaluate.fairness.split_fairness` against the MetricFrame tables.

    Parameters
    ----------
    sizes
        ``fairness_rows`` applicants of the bench World; ``repeats`` (best of).
    quiet
        Unused (nothing here shows progress); every section takes it.

    Returns
    -------
    dict
        ``rows``, ``attributes``, ``riskkit_s``, ``reference_s`` (best wall seconds) and
        ``ratio`` (riskkit / reference).
    """
    frame = WORLD.generate(sizes.fairness_rows, SEED % 10_000)
    n = len(frame)
    y = frame[F.TARGET].to_numpy(dtype=float)
    pd_ = frame["true_pd"].to_numpy()
    knockout = np.where(frame["age"].to_numpy() > 55, "age_above_maximum", "").astype(object)
    approved = (pd_ < np.quantile(pd_, 0.7)) & (knockout == "")
    attributes = list(FA.SYNTHETIC_ATTRIBUTES)
    line = np.full(n, 1000.0)
    income = frame["monthly_income"].to_numpy()

    def ours(_: None) -> None:
        FA.split_fairness(frame, y, approved, pd_, knockout, attributes, ["age_above_maximum"],
                          credit_line=line, income=income)

    def theirs(_: None) -> None:
        for attr in attributes:
            reference_group_metrics(y, approved, pd_, FA.group_labels(frame[attr], attr),
                                    frame["true_pd"].to_numpy())

    ours_s, _, _ = best(ours, None, sizes.repeats)
    theirs_s, _, _ = best(theirs, None, sizes.repeats)
    return {"rows": n, "attributes": len(attributes), "riskkit_s": ours_s,
            "reference_s": theirs_s, "ratio": ours_s / theirs_s}


def fairness_lines(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The section's line of the report: figure, riskkit, reference, ratio.

    Parameters
    ----------
    r
        :func:`fairness_section`'s result.

    Returns
    -------
    list of tuple
    """
    return [(f"fairness of {r['attributes']} attributes on {r['rows']:,} rows "
             "(intervals included) vs MetricFrame's group tables",
             f"{r['riskkit_s']:.3f} s", f"{r['reference_s']:.3f} s", f"{r['ratio']:.3f}x")]
