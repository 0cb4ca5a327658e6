"""What the lifecycle panel says: who borrowed once, repaid on time and lost the line, and why.

* :func:`borrowed_once_then_ineligible` -- the cohort and the causes of each lost line;
* :func:`storyline` -- one persona's scripted months with the lender's reasons
  (:mod:`riskkit.lifecycle.story`);
* :func:`selection_bias_experiment` -- what a lender learns from its own approved borrowers
  only, against what everyone's outcomes would teach;
* :func:`lifecycle_figures` -- the charts (:mod:`riskkit.charts.lifecycle`);
* :func:`run_simulation` -- everything ``riskkit simulate`` writes.

Causes of a lost line, in log-odds so that they are comparable. For a borrower whose line
went from positive (month ``L - 1``) to zero (month ``L``), the model's log-odds moved by
``sum_j (phi_j(L) - phi_j(L - 1))`` (the base value cancels) and the lender's cut-off moved
by ``tau = logit(cutoff(L - 1)) - logit(cutoff(L))`` (positive when it tightened). The drop
of the borrower's margin below the cut-off is exactly ``sum_g delta_g + tau``, with
``delta_g`` the change summed over a registry feature group. Causes are the *positive
parts* -- ``max(delta_g, 0)`` and ``max(tau, 0)`` -- divided by their sum: what pushed the
borrower out, ignoring what pulled the other way, so the shares are non-negative and sum to
1 for every borrower (the margin fell, so at least one part is positive). A line lost to
a knock-out rule is attributed wholly to the group of the rule's feature. The cohort's
causes are the mean of its members' shares: the share of lost lines each cause explains.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit.charts import export_all
from riskkit.charts.lifecycle import lifecycle_figures as figures
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import write_json, write_parquet
from riskkit.core.mathx import ratio_logit
from riskkit.core.memory import release_freed_memory
from riskkit.core.parquet_stream import RowSource, streamed_parquet
from riskkit.evaluate import auc
from riskkit.explain import approved_reference, contributions
from riskkit.lifecycle.simulation import (
    PANEL_FILE,
    SUMMARY_FILE,
    Panel,
    default_lender,
    simulate,
    simulate_from_run,
)
from riskkit.lifecycle.story import Storyline, persona_frame, storyline
from riskkit.models import make_model
from riskkit.policy import DEFAULT_KNOCKOUTS
from riskkit.synth import World
from riskkit.synth.personas import persona as make_persona

log = logging.getLogger(__name__)

LENDER_CAUSE = "lender_tightening"
COHORT_FILE = "cohort.parquet"

__all__ = ["LENDER_CAUSE", "Cohort", "Storyline", "borrowed_once_then_ineligible",
           "cause_names", "lifecycle_figures", "run_simulation", "selection_bias_experiment",
           "storyline"]


def cause_names() -> list[str]:
    """Feature groups that hold a model feature (registry order), then the lender's move."""
    groups = [g for g in F.GROUPS if any(F.get(n).group == g for n in F.MODEL_FEATURES)]
    return [*groups, LENDER_CAUSE]


@dataclass
class Cohort:
    """The borrowers who borrowed once, repaid on time and lost their line."""

    members: pd.DataFrame
    summary: dict[str, Any]
    flow: dict[str, int] = field(default_factory=dict)



def _knockout_group(name: str, policy: Any) -> str:

    rules = {r.name: r for r in (*DEFAULT_KNOCKOUTS, *getattr(policy, "knockouts", ()))}
    rule = rules.get(name)
    group = F.get(rule.feature).group if rule is not None else "profile"
    return group if group in cause_names() else "profile"


def borrowed_once_then_ineligible(panel: Panel, horizon: int = 3, model: Any = None,
                                  policy: Any = None) -> Cohort:
    """Borrowers who drew on the line exactly once, repaid on time, then lost the line.

    The draw is in month ``d``, the on-time repayment in ``d + 1``; the line is lost at
    the first review ``L`` in ``d + 1 .. d + 1 + horizon`` that gives no line (the review of
    the repayment month itself is included: the borrower repays that month and finds the
    line at zero). Borrowers whose repayment falls after the panel's last month are left
    out of both the cohort and the denominator (one-time borrowers who repaid on time).
    """
    model = model if model is not None else panel.model
    policy = policy if policy is not None else panel.policy
    if model is None:
        raise ValueError("the panel carries no model: pass the lender's model")
    T, n = panel.months, panel.borrowers
    if len(panel.frame) != T * n:
        raise ValueError(f"the panel has {len(panel.frame)} rows, expected {T} x {n}")
    drawn = panel.matrix("drawn") > 0
    line = panel.matrix("credit_line")
    once = drawn.sum(axis=0) == 1
    d = drawn.argmax(axis=0)
    r = d + 1
    cols = np.arange(n)
    observed = once & (r < T)
    repaid = panel.matrix("repaid")[np.minimum(r, T - 1), cols]
    on_time = observed & repaid
    months = np.arange(T)[:, None]
    window = (months > d) & (months <= r + horizon) & (line <= 0)
    lost = on_time & window.any(axis=0)
    loss = window.argmax(axis=0)
    who = np.flatnonzero(lost)
    after_rows, before_rows = loss[who] * n + who, (loss[who] - 1) * n + who
    frame = panel.frame
    members = pd.DataFrame({
        "borrower_id": frame["borrower_id"].to_numpy()[after_rows],
        "draw_month": d[who], "repay_month": r[who], "loss_month": loss[who],
        "knockout": frame["knockout"].iloc[after_rows].astype(str).to_numpy(),
    })
    causes = cause_names()
    deltas = np.zeros((len(who), len(causes)))
    if len(who):
        # riskkit's TreeSHAP for LightGBM (same values to rounding, ~70x LightGBM's own)
        before = contributions(model, frame.iloc[before_rows])[0]
        after = contributions(model, frame.iloc[after_rows])[0]
        change = after.to_numpy() - before.to_numpy()
        for j, name in enumerate(before.columns):
            deltas[:, causes.index(F.get(name).group)] += change[:, j]
        cut = frame["cutoff"].to_numpy(dtype=float)
        deltas[:, -1] = ratio_logit(cut[before_rows]) - ratio_logit(cut[after_rows])
    positive = np.maximum(deltas, 0.0)
    total = positive.sum(axis=1, keepdims=True)
    shares = np.divide(positive, total, out=np.zeros_like(positive), where=total > 0)
    for i, knock in enumerate(members["knockout"]):
        if knock:
            shares[i] = 0.0
            shares[i, causes.index(_knockout_group(knock, policy))] = 1.0
    for j, name in enumerate(causes):
        members[f"delta_{name}"] = deltas[:, j]
        members[f"share_{name}"] = shares[:, j]
    denominator = int(on_time.sum())
    summary = {
        "count": len(who), "denominator": denominator,
        "share": len(who) / denominator if denominator else None, "horizon": horizon,
        "causes": {name: float(shares[:, j].mean()) if len(who) else 0.0
                   for j, name in enumerate(causes)},
        "knockout_share": float((members["knockout"] != "").mean()) if len(who) else 0.0,
        "months_to_loss": {str(k): int(v) for k, v in
                           (members["loss_month"] - members["repay_month"]).value_counts()
                           .sort_index().items()},
    }
    flow = {"approved": int((line > 0).any(axis=0).sum()),
            "borrowed_once": int((observed & (line > 0).any(axis=0)).sum()),
            "repaid_on_time": denominator, "lost_line": len(who)}
    return Cohort(members, summary, flow)


def selection_bias_experiment(data: Panel | pd.DataFrame, model: str = "lgbm", seed: int = 0,
                              lender: tuple[Any, Any] | None = None,
                              test_share: float = 0.5, *,
                              world: World | None = None) -> pd.DataFrame:
    """A model trained only on approved borrowers vs one trained on everyone, both scored on
    everyone (held-out rows): AUC overall and in the rejected region, and calibration in the
    large there (mean predicted PD minus the observed bad rate).

    From a panel: month-0 borrowers and the lender's month-0 decisions; each gets a 12-month
    outcome drawn from its true PD (the outcome everyone would have had -- only a simulation
    knows the rejected borrowers' outcomes). From a population frame: its ``default_12m``,
    and decisions by ``lender`` (default: :func:`riskkit.lifecycle.simulation.default_lender`
    of ``world``, which is then required: the frame's world).
    """

    if isinstance(data, Panel):
        return selection_bias_month0(data.frame[data.frame["month"] == 0], model, seed,
                                     test_share)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7_002,)))
    rows = data.reset_index(drop=True)
    if lender is None and world is None:
        raise ConfigError("selection_bias_experiment on a population frame needs its lender "
                          "or the World it came from (for the default lender)")
    fitted, policy = lender or default_lender(world, seed)
    approved = policy.decide(rows, fitted.predict_pd(rows))["decision"].to_numpy() == "approved"
    y = rows[F.TARGET].to_numpy().astype(int)
    return _selection_fits(rows, approved, y, model, seed, test_share, rng)


def selection_bias_month0(rows: pd.DataFrame, model: str = "lgbm", seed: int = 0,
                          test_share: float = 0.5) -> pd.DataFrame:
    """:func:`selection_bias_experiment` from a panel's month-0 rows alone.

    Why separately: the month-0 rows are final once the first simulated month is over, so
    :func:`run_simulation` fits these models beside the remaining months.

    Parameters
    ----------
    rows
        The panel rows of month 0 (the features, ``decision`` and ``true_pd``).
    model, seed, test_share
        As for :func:`selection_bias_experiment`.

    Returns
    -------
    pandas.DataFrame
        One row per training population (``approved_only``, ``everyone``).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7_002,)))
    rows = rows.reset_index(drop=True)
    approved = rows["decision"].astype(str).to_numpy() == "approved"
    y = (rng.random(len(rows)) < rows["true_pd"].to_numpy(dtype=float)).astype(int)
    return _selection_fits(rows, approved, y, model, seed, test_share, rng)


def _selection_fits(rows: pd.DataFrame, approved: np.ndarray, y: np.ndarray, model: str,
                    seed: int, test_share: float, rng: np.random.Generator) -> pd.DataFrame:
    test = rng.random(len(rows)) < test_share
    out = []
    for name, train in (("approved_only", ~test & approved), ("everyone", ~test)):
        idx = rng.permutation(np.flatnonzero(train))
        cut = int(0.8 * len(idx))
        fit_rows, valid_rows = idx[:cut], idx[cut:]
        params = {"seed": seed, "num_threads": 1} if model == "lgbm" else {}
        m = make_model(model, **params).fit(rows.iloc[fit_rows], y[fit_rows],
                                            X_valid=rows.iloc[valid_rows], y_valid=y[valid_rows])
        p = m.predict_pd(rows.iloc[np.flatnonzero(test)])
        yt, rejected = y[test], ~approved[test]
        out.append({
            "model": name, "train_rows": int(train.sum()),
            "train_bad_rate": float(y[train].mean()),
            "auc_all": auc(yt, p), "auc_rejected": _safe_auc(auc, yt[rejected], p[rejected]),
            "observed_bad_rate_rejected": float(yt[rejected].mean()),
            "predicted_bad_rate_rejected": float(p[rejected].mean()),
            "calibration_gap_rejected": float(p[rejected].mean() - yt[rejected].mean()),
            "calibration_gap_approved": float(p[~rejected].mean() - yt[~rejected].mean()),
        })
    return pd.DataFrame(out).set_index("model")


def _safe_auc(auc: Any, y: np.ndarray, p: np.ndarray) -> float | None:
    return auc(y, p) if len(np.unique(y)) == 2 else None


def _selection_then_release(rows: pd.DataFrame, seed: int) -> pd.DataFrame:
    """:func:`selection_bias_month0`, then give what its fits freed back to the system (its
    thread's heap would otherwise stay in the simulation's peak memory)."""
    out = selection_bias_month0(rows, seed=seed)
    release_freed_memory()
    return out


def lifecycle_figures(panel: Panel, summary: dict[str, Any],
                      story: Storyline | None) -> dict[str, Any]:
    """Every lifecycle chart as a Figure, by file name (see :mod:`riskkit.charts.lifecycle`)."""

    return figures(panel, summary, story)


def run_simulation(out_dir: str | os.PathLike[str], borrowers: int, months: int, seed: int,
                   run: Any = None,
                   downturn_from: int | None = None, quiet: bool = False, *,
                   world: World | None = None, persona: str = "zhang_san",
                   horizon: int = 3) -> dict[str, Any]:
    """Simulate, analyse and write everything ``riskkit simulate`` promises; return the summary.

    Writes ``panel.parquet``, ``summary.json``, ``cohort.parquet`` and ``figures/*.{png,svg,
    pdf}`` under ``out_dir``. The persona's storyline runs with the simulation's lender and
    its month-by-month cut-offs, so it happens inside the same economy. ``run`` is a loaded
    run whose deployed model and policy are the lender, in the run's world; without a run,
    ``world`` (required then) and a lender fitted here.
    """
    out = Path(out_dir)
    if (run is None) == (world is None):
        raise ConfigError("give a run (its world comes with it) or a world, not both or neither")
    world = run.world if run is not None else world
    if downturn_from is not None:
        world = world.with_downturn(int(downturn_from))
    # before any work: an unknown persona is an error listing the known ones, never another
    # borrower's story told under the name that was asked for
    subject = persona_frame(persona, lambda name: make_persona(name, world))
    # While the months run, two jobs use the second core: panel.parquet is encoded row
    # group by row group as its rows become final, and the selection-bias models (LightGBM,
    # one thread, no GIL while it fits) are fitted once month 0 is over. Neither changes what
    # the simulation computes, so the files are those of running everything in sequence.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="selection") as pool:
        started: list[Future[pd.DataFrame]] = []
        with streamed_parquet(out / PANEL_FILE, borrowers * months) as stream:

            def sink(done: int, rows: RowSource) -> None:
                stream.rows_done(done, rows)
                if not started and done >= borrowers:
                    started.append(pool.submit(_selection_then_release, rows(0, borrowers),
                                               seed))

            if run is not None:
                panel = simulate_from_run(run, borrowers, months, seed, downturn_from, quiet,
                                          sink=sink)
            else:
                panel = simulate(borrowers, months, seed, quiet=quiet, world=world, sink=sink)
            release_freed_memory()  # the months' scratch arrays, before the cohort's own
            # the last row groups are still being encoded: the cohort is explained meanwhile
            cohort = borrowed_once_then_ineligible(panel, horizon)
            month0 = panel.frame.iloc[: panel.borrowers]  # month-major: month 0 comes first
            reference = approved_reference(month0, month0["decision"].astype(str))
            story = storyline(subject, max(2, min(months, 6)), panel.model, panel.policy,
                              seed, world=world, cutoffs=panel.summary["cutoff_by_month"],
                              reference=reference)
            story.persona = persona
            summary = {**panel.summary,
                       "borrowed_once_then_ineligible": cohort.summary, "cohort_flow": cohort.flow,
                       "storyline": story.to_dict()}
            scale = run.master_scale() if run is not None and hasattr(run, "master_scale") \
                else None
            if scale is not None:  # the run's grades, for `riskkit monitor`'s migrations
                summary["master_scale"] = scale
            paths = [out / PANEL_FILE, write_parquet(out / COHORT_FILE, cohort.members)]
            figures = lifecycle_figures(panel, summary, story)
        selection = started[0].result()
    # The panel's rows are in panel.parquet and the charts need only the summary and the
    # story: let go of the rows before drawing, so the charts do not add to the peak memory.
    del panel, month0
    started.clear()
    release_freed_memory()
    # every helper thread is done: the charts may be drawn by a forked process too
    paths.extend(export_all(figures, out / "figures"))
    summary["selection_bias"] = selection.reset_index().to_dict(orient="records")
    paths.append(write_json(out / SUMMARY_FILE, summary))
    for path in paths:
        log.info("wrote %s", path)
    return summary
