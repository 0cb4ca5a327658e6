"""The lender that learns only from its own book: retraining inside the lifecycle simulation.

Every ``retrain_every`` months the lender refits its model on the outcomes of the
borrowers it approved (the borrower-months of the last ``window`` months, at most
``max_rows`` of them), with or without a reject-inference method, and re-sets its cut-off
to the policy's approval rate among this window's applicants passing the knock-outs. The
simulation itself (:func:`riskkit.lifecycle.simulation.simulate`) is unchanged; the
retraining is its month-end hook.

What the lender "observes": each approved borrower-month gets a 12-month default outcome
drawn from its true PD at the review (the target the model predicts; the same device as
:func:`riskkit.lifecycle.analysis.selection_bias_experiment`), known ``outcome_lag`` months
later (default 0: known at once, which favours the lender -- real outcomes take a year).
Denied borrower-months have no outcome. The draws use their own random stream, so the
simulated economy is the same with and without retraining.

Month by month, on that month's applicants (every borrower reviewed): ``auc_all`` against
the drawn outcomes, the rejects' PD bias (their mean model PD minus their mean true PD),
the approval rate and the approved book's true bad rate (mean true PD of the approved).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit import evaluate as ev
from riskkit.charts import export
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.mathx import ratio_logit
from riskkit.lifecycle.simulation import Lender, Panel, default_lender, simulate
from riskkit.models import CreditModel
from riskkit.rejectinf.figures import loop_figures
from riskkit.rejectinf.methods import METHODS, fit_method
from riskkit.rejectinf.sample import AcceptedSample, Incumbent, IncumbentSpec, LenderView
from riskkit.synth import World

log = logging.getLogger(__name__)

#: Random-stream index of the loop's outcome draws (the lifecycle uses 7_001 and 7_002).
OUTCOME_STREAM = 7_014
#: Every fifth borrower (by id) validates the refit (early stopping, calibration).
VALID_MODULUS = 5
NEVER = "never_retrained"


@dataclass(frozen=True)
class MonthView:
    """What the month-end hook sees: the lender (mutable) and this month's review."""

    month: int
    lender: Lender
    frame: pd.DataFrame
    decision: pd.DataFrame
    pd: np.ndarray
    true_pd: np.ndarray


@dataclass
class Retrainer:
    """The month-end hook: keeps the window of reviews and refits every ``every`` months.

    Parameters
    ----------
    every : int
        Retrain after every ``every`` months (after months ``every - 1``, ``2 every - 1``...).
    method : str or None
        A reject-inference method of :data:`riskkit.rejectinf.METHODS`; None or
        ``"accepted_only"`` refits on the approved only.
    seed : int
        Seeds the outcome draws and every refit.
    window, max_rows, outcome_lag : int
        Months of reviews to learn from, the most borrower-months per refit (a seeded
        subsample), and how many months an outcome takes to become known.
    """

    every: int | None
    method: str | None
    seed: int
    window: int = 12
    max_rows: int = 60_000
    outcome_lag: int = 0
    params: dict[str, Any] | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    history: list[tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list)
    version: int = 0

    def __call__(self, month: int, lender: Lender, frame: pd.DataFrame, decision: pd.DataFrame,
                 pd_: np.ndarray, true_pd: np.ndarray) -> None:
        """The simulation's ``on_month`` hook (see :func:`~riskkit.lifecycle.simulation.simulate`)."""
        view = MonthView(month, lender, frame, decision, pd_, true_pd)
        t = view.month
        y = (np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(
            OUTCOME_STREAM, t))).random(len(view.pd)) < view.true_pd).astype(np.int64)
        approved = view.decision["decision"].to_numpy() == "approved"
        self.rows.append(_month_row(t, view, y, approved, self.version))
        self.history.append((view.frame.copy(), approved, view.pd.copy(), y))
        self.history = self.history[-(self.window + self.outcome_lag):]
        if self.every and (t + 1) % self.every == 0:
            known = self.history[: len(self.history) - self.outcome_lag] if self.outcome_lag \
                else self.history
            if known:
                self._retrain(view, known)
                self.rows[-1]["retrained"] = True

    def _retrain(self, view: MonthView, known: list[Any]) -> None:
        lender = view.lender
        frame = pd.concat([k[0] for k in known], ignore_index=True)
        approved = np.concatenate([k[1] for k in known])
        score = np.concatenate([k[2] for k in known])
        y = np.concatenate([k[3] for k in known])
        frame[F.ID_COLUMN] = np.tile(np.arange(1, len(known[0][0]) + 1), len(known))
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(
            OUTCOME_STREAM, 10_000 + view.month)))
        if len(frame) > self.max_rows:
            keep = np.sort(rng.choice(len(frame), self.max_rows, replace=False))
            frame, approved, score, y = (frame.iloc[keep].reset_index(drop=True),
                                         approved[keep], score[keep], y[keep])
        model = refit(lender.model, frame, approved, score, y, self.method, self.seed,
                      self.params)
        policy = lender.policy.fit(frame, model.predict_pd(frame))
        lender.model, lender.policy = model, policy
        lender.base_cutoff = lender.cutoff = float(policy.cutoff)
        lender.shift = 0.0
        self.version += 1
        log.info("month %d: refit on %d borrower-months (%d approved), cut-off %.4f",
                 view.month, len(frame), int(approved.sum()), lender.cutoff)



def refit(current: CreditModel, frame: pd.DataFrame, approved: np.ndarray, score: np.ndarray,
          y: np.ndarray, method: str | None, seed: int,
          params: dict[str, Any] | None = None) -> CreditModel:
    """Refit a model of ``current``'s kind on the approved outcomes (and the method's inference).

    The reviews are split by borrower (every fifth id validates); the current model is
    the "incumbent" whose score selected the approved. Returns the new fitted model.
    """
    kind = getattr(current, "name", "lgbm")
    valid = (frame[F.ID_COLUMN].to_numpy() % VALID_MODULUS) == 0
    views = []
    for part in (~valid, valid):
        yy = np.where(approved[part], y[part], -1)
        views.append(LenderView(frame.loc[part].reset_index(drop=True), approved[part],
                                ratio_logit(score[part]), yy))
    rate = float(np.clip(approved.mean(), 0.01, 0.99))
    spec = IncumbentSpec(model=kind if kind in ("scorecard", "lgbm") else "lgbm",
                         acceptance_rate=rate)
    sample = AcceptedSample(Incumbent(current, 1.0, spec), views[0], views[1], frame.iloc[:0])
    base = fit_method("accepted_only", sample, kind, base=None, seed=seed).model
    if method in (None, "accepted_only"):
        return base
    return fit_method(method, sample, kind, base=base, seed=seed,
                      params=(params or {}).get(method)).model


def _month_row(t: int, view: MonthView, y: np.ndarray, approved: np.ndarray,
               version: int) -> dict[str, Any]:
    p, true = np.asarray(view.pd, dtype=float), np.asarray(view.true_pd, dtype=float)
    denied = ~approved
    return {
        "month": t, "model_version": version, "retrained": False,
        "cutoff": float(view.lender.cutoff),
        "auc_all": ev.auc(y, p) if len(np.unique(y)) == 2 else None,
        "approval_rate": float(approved.mean()),
        "reject_pred_pd": float(p[denied].mean()) if denied.any() else None,
        "reject_true_pd": float(true[denied].mean()) if denied.any() else None,
        "reject_pd_bias": float(p[denied].mean() - true[denied].mean()) if denied.any() else None,
        "book_true_bad_rate": float(true[approved].mean()) if approved.any() else None,
        "book_pred_pd": float(p[approved].mean()) if approved.any() else None,
    }


def simulate_retraining(borrowers: int, months: int, seed: int, retrain_every: int | None,
                        method: str | None = None, *, world: World, model: Any = None,
                        policy: Any = None, downturn_from: int | None = None,
                        quiet: bool = True, **loop: Any) -> tuple[Panel, pd.DataFrame]:
    """One lifecycle simulation whose lender retrains every ``retrain_every`` months.

    Parameters
    ----------
    borrowers, months, seed : int
        As :func:`riskkit.lifecycle.simulation.simulate`.
    retrain_every : int or None
        None: the lender never retrains (the reference).
    method : str or None
        Reject-inference method used at each refit (None: approved only).
    world : World
        The borrowers' world (its truth gives their outcomes).
    model, policy : optional
        The starting lender (default: the simulation's default lender of ``world`` for
        ``seed``).
    downturn_from : int, optional
        As in the simulation.
    quiet : bool
        No progress bar.
    **loop
        ``window``, ``max_rows``, ``outcome_lag``, ``params`` of :class:`Retrainer`.

    Returns
    -------
    panel : Panel
    by_month : DataFrame
        One row per month: ``auc_all``, ``reject_pd_bias``, ``approval_rate``,
        ``book_true_bad_rate`` and more.
    """
    if retrain_every is not None and (not isinstance(retrain_every, int) or retrain_every < 1):
        raise ConfigError(f"retrain_every must be a whole number >= 1, got {retrain_every!r}")
    if method is not None and method not in METHODS:
        raise ConfigError(f"--reject-inference: unknown method {method!r}; expected one of "
                          f"{', '.join(METHODS)}")
    if model is None:
        model, policy = default_lender(world, seed)
    hook = Retrainer(retrain_every, method, seed, **loop)
    panel = simulate(borrowers, months, seed, model=model, policy=policy,
                     downturn_from=downturn_from, quiet=quiet, world=world, on_month=hook)
    return panel, pd.DataFrame(hook.rows)


def run_retraining(out_dir: str | os.PathLike[str], borrowers: int, months: int, seed: int,
                   retrain_every: int, method: str | None = None, *, world: World,
                   downturn_from: int | None = None, quiet: bool = False,
                   **loop: Any) -> dict[str, Any]:
    """``riskkit simulate --retrain-every K [--reject-inference METHOD]``: write and summarise.

    Runs the lender that never retrains, the one that retrains on its approved only, and
    (given ``method``) the one that retrains with reject inference, on the same economy.
    Writes ``panel.parquet`` (of the last variant), ``summary.json`` (the simulation's
    summary plus ``retraining``: the settings and ``by_month`` per variant) and
    ``figures/retrain_*`` under ``out_dir``; returns the summary.
    """
    out = Path(out_dir)
    variants = [(NEVER, None, None), ("accepted_only", retrain_every, None)]
    if method not in (None, "accepted_only"):
        variants.append((method, retrain_every, method))
    by_month: dict[str, pd.DataFrame] = {}
    panel: Panel | None = None
    for name, every, chosen in variants:
        panel, frame = simulate_retraining(borrowers, months, seed, every, chosen, world=world,
                                           downturn_from=downturn_from, quiet=quiet, **loop)
        by_month[name] = frame
        log.info("%s: mean AUC %.4f, rejects' PD bias %+.4f", name, frame["auc_all"].mean(),
                 frame["reject_pd_bias"].mean())
    if panel is None:  # unreachable: there are always two variants
        raise ConfigError("no simulation was run")
    summary = {**panel.summary, "retraining": {
        "retrain_every": retrain_every, "method": method, "variants": list(by_month),
        "outcome_lag": loop.get("outcome_lag", 0), "window": loop.get("window", 12),
        "by_month": {name: frame.to_dict(orient="list") for name, frame in by_month.items()},
    }}
    panel.summary = summary
    paths = panel.write(out)
    for name, fig in loop_figures(by_month).items():
        paths.extend(export(fig, name, out / "figures"))
    for path in paths[2:]:
        log.info("wrote %s", path)
    return summary


def _mean(values: list[float | None]) -> float:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else float("nan")


def retraining_lines(summary: dict[str, Any], out_dir: str | os.PathLike[str]) -> list[str]:
    """What ``riskkit simulate --retrain-every K`` prints: per variant the mean over the
    months (months without a figure left out) and the last month, from
    :func:`run_retraining`'s summary."""
    block = summary["retraining"]
    lines = [f"{summary['borrowers']:,} borrowers x {summary['months']} months, retraining "
             f"every {block['retrain_every']} months -> {out_dir}",
             f"  {'variant':<18} {'AUC all':>8} {'rejects PD bias':>16} {'approval':>9} "
             f"{'book true bad':>14}   (mean over months; last month)"]
    for name in block["variants"]:
        rows = block["by_month"][name]
        mean = {k: _mean(rows[k]) for k in ("auc_all", "reject_pd_bias", "approval_rate",
                                            "book_true_bad_rate")}
        lines.append(f"  {name:<18} {mean['auc_all']:>8.4f} {mean['reject_pd_bias']:>+16.4f} "
                     f"{mean['approval_rate']:>9.1%} {mean['book_true_bad_rate']:>14.2%}   "
                     f"last: AUC {rows['auc_all'][-1]:.4f}, "
                     f"bias {rows['reject_pd_bias'][-1]:+.4f}")
    return lines
