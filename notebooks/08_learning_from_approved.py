# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Learning only from those you approved
#
# A lender sees outcomes only for the applicants it approved, and it trains its next model
# on them. The applicants it turned away never show whether they would have repaid, so a
# model fitted on the approved alone learns from the safer half of the population and is
# asked to score everyone. Credit teams correct for this with **reject inference**:
# reweighting the accepted, labelling the rejects (hard cut-off, fuzzy, parcelling,
# extrapolation), letting a model label them in rounds (self-learning) or modelling the
# selection itself (Heckman's selection model). On real data nobody can say which one works:
# the rejects' outcomes are never observed. riskkit's world knows them, so every method can
# be graded against the truth.
#
# The notebook builds the lender's situation (an older, weaker incumbent scorecard accepts
# half of today's applicants), runs every method with a logistic regression, a scorecard and
# a LightGBM, under an incumbent that chose on its recorded score only (missing at random)
# and one that also used private information (missing not at random), grades them on
# held-out applicants whose outcomes and true PDs are known, sets the `rejectkit` package's
# methods beside them when it is installed, and then follows a lender that keeps retraining
# on its own book for two years.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"
acceptance_rate = 0.5
borrowers = None  # borrowers in the retraining loop (None: a quarter of rows)
months = 24
retrain_every = 3
loop_method = "parcelling"

# %%
import importlib.util

import pandas as pd
from IPython.display import Markdown, display

import riskkit.experiment
from riskkit.core.narrative import Narrative
from riskkit.rejectinf import run_studies
from riskkit.rejectinf import figures as RF
from riskkit.rejectinf.loop import NEVER, simulate_retraining
from riskkit.reporting.in_notebook import publisher, setup
from riskkit.reporting.narration import publish_claims

lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed
say = Narrative()  # every direction word below is chosen by the numbers it describes

# %% [markdown]
# ## The accepted sample
#
# The incumbent is a scorecard on seven features, fitted on an earlier cohort. Its cut-off
# accepts `acceptance_rate` of today's applicants (the run's train and validation splits,
# as the lender sees them: every applicant's features and incumbent score, outcomes for the
# accepted only). The run's test split is the held-out sample everyone is graded on, with
# the outcome and the true PD of every applicant, rejects included.

# %%
section = {
    "incumbent": {"model": "scorecard", "rows": max(2_000, rows // 5),
                  "features": ["monthly_income", "income_volatility", "applications_90d",
                               "overdue_count_24m", "max_dpd_24m", "debt_to_income",
                               "credit_history_months"]},
    "acceptance_rate": acceptance_rate,
    "selection": ["mar", "mnar"],
    "peer": importlib.util.find_spec("rejectkit") is not None,  # the bench extra
}
studies = run_studies(run.data("train"), run.data("valid"), run.data("test"), section, seed,
                      world=run.world)
study = studies["mar"]
table = say.table(study.table(), "methods")
metrics = study.metrics()
acc = metrics["methods"]["accepted_only"]
full = metrics["reference"]["full_information"]["lgbm"]
display(Markdown(
    f"The incumbent accepts {study.sample.train.accepted.mean():.0%} of the applicants. Its "
    f"rejects really default at **{acc['true_bad_rate_rejects']:.1%}** (mean true PD); a "
    f"LightGBM fitted on the accepted only predicts **{acc['pred_bad_rate_rejects']:.1%}** "
    f"for them: it "
    + say.gap(acc["pred_bad_rate_rejects"], acc["true_bad_rate_rejects"], what="their PD",
              table="methods")
    + ". Over all applicants, "
    + say.compare("its AUC", acc["auc_all"], "that of the same model fitted on everyone's "
                  "outcomes", full["auc_all"], decimals=3)
    + ", which no lender has."))

# %% [markdown]
# ## Every method against the truth
#
# One row per selection, model and method. `pred_bad_rate_rejects` against
# `true_bad_rate_rejects` is the bias the methods exist to correct (`reject_abs_error` the
# gap); `auc_all` and `auc_rejects` are the ranking over everyone and over the rejects
# alone; `approval_rate` and `bad_rate_approved` are the result of deploying the model at
# the incumbent's acceptance rate; `fidelity_top3` is how often the model's top three
# reasons for a denial are the true top three. Rows of model `rejectkit` are the peer
# package's methods on the same accepted sample, graded the same way.

# %%
both = pd.concat([s.table() for s in studies.values()], ignore_index=True)
columns = ["selection", "model", "method", "auc_all", "auc_rejects", "pred_bad_rate_rejects",
           "true_bad_rate_rejects", "reject_abs_error", "ece_all", "approval_rate",
           "bad_rate_approved", "fidelity_top3"]
columns = [c for c in columns if c in both.columns]
both[columns].style.format({c: "{:.3f}" for c in columns[3:]}).hide(axis="index")

# %%
for name, fig in RF.study_figures(table, study.primary).items():
    show(fig, name)

# %%
best = min((m for m in metrics["methods"] if m != "accepted_only"),
           key=lambda m: abs(metrics["methods"][m]["reject_bias"]))
entry = metrics["methods"][best]
display(Markdown(
    f"Closest to the truth for the rejects: **{best}**, predicting "
    f"{entry['pred_bad_rate_rejects']:.1%} against {entry['true_bad_rate_rejects']:.1%} "
    f"(accepted only: {acc['pred_bad_rate_rejects']:.1%}), with an AUC over all applicants of "
    f"{entry['auc_all']:.3f}. Each method stands on an assumption the lender cannot check "
    "(see `riskkit.rejectinf.methods`): reweighting needs every applicant to have *some* "
    "chance of acceptance, which a hard cut-off denies; fuzzy and hard cut-off trust the "
    "accepted-only model's PDs for the rejects, which is the bias itself; parcelling and "
    "extrapolation add the analyst's judgement of how much worse the rejects are."))

# %% [markdown]
# ## Missing at random, missing not at random
#
# The literature's main finding is that reject inference matters least when the incumbent
# chose on information the lender recorded (MAR): a well-specified model of the accepted
# already carries to the rejects. When the incumbent also acted on something the new model
# never sees (MNAR: here a private signal correlated with the outcome), methods that assume
# MAR stay biased and a selection model can help if its assumptions hold. Each setting's
# finding, in words built from its numbers, beside what the literature predicts:

# %%
for sel, s in studies.items():
    summary = s.metrics()["summary"]
    display(Markdown(f"**{sel.upper()}.** {summary['sentence']} *{summary['literature']}*"))

# %% [markdown]
# ## The lender that learns from its own book
#
# Now the loop. Borrowers are re-scored every month by the lifecycle simulation; every
# `retrain_every` months the lender refits its model on the outcomes of the borrowers it
# approved over the last year and re-sets its cut-off to the same approval rate. Three
# lenders live in the same economy: one that never retrains, one that retrains on the
# approved only, and one that retrains with reject inference (`loop_method`).

# %%
n_loop = borrowers or max(1_000, rows // 4)
loops = {name: simulate_retraining(n_loop, months, seed, every, method, world=run.world)[1]
         for name, every, method in ((NEVER, None, None), ("accepted_only", retrain_every, None),
                                     (loop_method, retrain_every, loop_method))}
for name, fig in RF.loop_figures(loops).items():
    show(fig, name)

# %%
last = say.table(pd.DataFrame({name: frame.iloc[-1] for name, frame in loops.items()}).loc[
    ["auc_all", "reject_pd_bias", "approval_rate", "book_true_bad_rate"]], "loop")
bias = last.loc["reject_pd_bias"]  # the model's mean PD for its rejects minus their true PD
display(Markdown(
    f"After {months} months the lender retraining on its approved only has an AUC of "
    f"{last.loc['auc_all', 'accepted_only']:.3f} on all applicants and "
    + say.gap(bias["accepted_only"], 0.0, what="its rejects' PD", table="loop")
    + f"; the one retraining with {loop_method} has an AUC of "
    f"{last.loc['auc_all', loop_method]:.3f} and "
    + say.gap(bias[loop_method], 0.0, what="its rejects' PD", table="loop")
    + ". On AUC, "
    + say.compare(loop_method, last.loc["auc_all", loop_method], "the accepted-only lender",
                  last.loc["auc_all", "accepted_only"], decimals=3, table="loop")
    + "."))
last.style.format("{:.4f}")

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
