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
# # 06 · Policy and drift: choosing a cut-off, and keeping it through a downturn
#
# A score only becomes a decision through a **cut-off**: approve when the predicted PD is at
# or below it. This notebook first lays out the menu a lender chooses the cut-off from
# (approval rate against bad rate, volume and expected loss), then sends the deployed model
# and policy into a **downturn**: a later cohort of applicants with more income shocks,
# lower incomes, more financial strain, and a rise in risk that no applicant feature shows.
#
# Three things move in a downturn and each needs its own check: the *population* (PSI of the
# score, CSI of each feature), the *calibration* (do predicted PDs still match bad rates?)
# and the *book* (who gets approved at the old cut-off, and how they repay). The last
# section is the lender's answer: re-choosing the cut-off.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"

# %%
from IPython.display import Markdown, display

import riskkit
import riskkit.experiment
from riskkit import charts
from riskkit.core.features import TARGET
from riskkit.experiment.stages import fairness_all
from riskkit.policy import drift
from riskkit.reporting.in_notebook import publisher, setup

lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed


# %%
model = run.model(run.deployed_model_name)
policy = run.policy()
train, valid, test = run.data("train"), run.data("valid"), run.data("test")
display(Markdown(
    f"Deployed: **{run.deployed_model_name}** with a PD cut-off of **{policy.cutoff:.2%}**, "
    f"chosen on the validation split to approve {policy.cutoff_target:.0%} of the applicants "
    "who pass the knock-out rules (currently overdue, more than eight lending platforms, "
    "age outside 20–55)."))

# %% [markdown]
# ## 1 · The cut-off menu
#
# For each approval-rate target the cut-off is chosen on the validation split and applied
# to the test applicants, as it would be in production. *approval_rate* counts every
# applicant, knock-outs included, so it sits below the target. Credit lines grow with
# income and shrink with PD; *expected_loss* is the model's PD × line × loss given default
# (75 %), *true_expected_loss* the same with the true PD, *realised_loss* with the outcomes.

# %%
menu = drift.cutoff_table(policy, model, test, fit_frame=valid)
menu.style.format({"cutoff_pd": "{:.2%}", "approval_rate": "{:.1%}", "knockout_rate": "{:.1%}",
                   "mean_pd_approved": "{:.2%}", "bad_rate_approved": "{:.2%}",
                   "total_line": "{:,.0f}", "expected_loss": "{:,.0f}",
                   "realised_loss": "{:,.0f}", "true_expected_loss": "{:,.0f}"})

# %% [markdown]
# The strategy curve draws the same trade-off for every cut-off at once: each step to the
# right approves more applicants and lets in riskier ones. The marked point is the
# deployed policy.

# %%
approval = run.metrics["policy"]["approval_rate"]
show(charts.plot_strategy_curve({run.deployed_model_name: (test[TARGET], model.predict_pd(test))},
                                approval_rate=approval, lang=lang), "strategy_curve_test")

# %% [markdown]
# ## 2 · A downturn cohort
#
# The same lender, a year later: a new cohort of applicants drawn from the *downturn*
# scenario (2.5 × the income shocks, 8 % lower incomes, more financial strain, and a macro
# shift of +0.25 in every applicant's true log-odds), scored by the model fitted in normal
# times.

# %%
downturn = drift.downturn_cohort(run.world, run.config["seed"], len(test))
samples = {"baseline (test)": test, "downturn": downturn}
display(Markdown(
    f"{len(downturn):,} downturn applicants: bad rate **{downturn[TARGET].mean():.2%}** "
    f"(baseline test: {test[TARGET].mean():.2%}); mean true PD "
    f"{downturn['true_pd'].mean():.2%} (baseline {test['true_pd'].mean():.2%})."))

# %% [markdown]
# ### Population stability: PSI of the score, CSI of each feature
#
# Both samples against the training sample. Below 0.1 is stable, 0.1–0.25 worth a look,
# above 0.25 a shift that calls for a model review.

# %%
score_psi, csi = drift.stability(model, train, samples)
score_psi.round(4)

# %%
fig = charts.plot_psi(csi["downturn"], lang=lang)
fig.axes[0].set_title(f"{fig.axes[0].get_title()}: downturn vs. training")
show(fig, "csi_downturn")

# %%
csi.head(8).round(4)

# %%
top = csi["downturn"].head(3)
display(Markdown(
    "Most shifted: " + ", ".join(f"**{charts.label(name, lang)}** ({value:.2f})"
                                 for name, value in top.items())
    + f". Largest CSI on the baseline test sample: {csi['baseline (test)'].max():.3f}."))

# %% [markdown]
# The features that move are the ones the scenario pushes: income volatility (more income
# shocks) and what financial strain drives (applications, platforms, loans, debt). The
# baseline test sample is drawn from the training world, so its small values are the noise
# level of this sample size: a PSI well above it is drift.

# %% [markdown]
# ### Calibration drift
#
# The downturn's riskier features do raise the model's PDs, but not by enough: the macro
# shift is in no feature, so no model fitted in normal times can see it. Ranking (AUC) and
# calibration (bad rate over mean PD) are separate questions; a lender that books expected
# loss from these PDs under-provisions even while the ranking holds.

# %%
calibration = drift.calibration_drift(model, samples)
down = calibration.loc["downturn"]
display(Markdown(
    f"Downturn: mean predicted PD **{down['mean_pd']:.2%}** against a bad rate of "
    f"**{down['bad_rate']:.2%}** (true PD {down['mean_true_pd']:.2%}); AUC "
    f"{calibration.loc['baseline (test)', 'auc']:.3f} → {down['auc']:.3f}."))
calibration.round(4)

# %%
show(charts.plot_reliability({name: (frame[TARGET], model.predict_pd(frame))
                              for name, frame in samples.items()}, lang=lang),
     "reliability_drift")

# %% [markdown]
# ## 3 · The book at the old cut-off, and the lender's tightening
#
# At the old PD cut-off fewer downturn applicants are approved (their features are worse),
# but the approved ones default more often (the part of the downturn the features miss).
# Two ways to re-choose the cut-off on downturn applicants (`Policy.fit`):
#
# * keep the **approval-rate target**: the same share approved, a higher cut-off, more
#   bads;
# * restore the **baseline bad rate among the approved**: the usual tightening, fewer
#   approvals. It reads the downturn outcomes, which a lender learns from early
#   delinquency months later: this row is where the tightening should end up.
#
# On the chart the four books are the numbered diamonds (numbers as in the table). They sit
# close to, not exactly on, their curves: a curve ranks every applicant by PD, a book also
# applies the knock-out rules.

# %%
book = drift.policy_under_drift(policy, model, test, downturn)
book.index = [f"{i} · {name}" for i, name in enumerate(book.index, start=1)]  # chart keys
book.style.format({"cutoff_pd": "{:.2%}", "approval_rate": "{:.1%}", "knockout_rate": "{:.1%}",
                   "mean_pd_approved": "{:.2%}", "bad_rate_approved": "{:.2%}",
                   "total_line": "{:,.0f}", "expected_loss": "{:,.0f}",
                   "realised_loss": "{:,.0f}", "true_expected_loss": "{:,.0f}"})

# %%
fig = charts.plot_strategy_curve({name: (frame[TARGET], model.predict_pd(frame))
                                  for name, frame in samples.items()}, lang=lang)
ax = fig.axes[0]
for key, (_, row) in enumerate(book.iterrows(), start=1):  # numbered as in the table
    at = (row["approval_rate"], row["bad_rate_approved"])
    ax.plot(*at, marker="D", color="black")
    ax.annotate(str(key), at, xytext=(4, 4), textcoords="offset points", fontweight="bold")
show(fig, "strategy_curve_drift")

# %%
old, tight = book.iloc[1], book.iloc[3]
display(Markdown(
    f"At the old cut-off the downturn book approves **{old['approval_rate']:.1%}** with a bad "
    f"rate of **{old['bad_rate_approved']:.2%}** (baseline {book.iloc[0]['bad_rate_approved']:.2%}). "
    f"Restoring the baseline bad rate takes a cut-off of **{tight['cutoff_pd']:.2%}** (from "
    f"{policy.cutoff:.2%}) and approves **{tight['approval_rate']:.1%}**: the price of the "
    f"downturn in volume, {old['approval_rate'] - tight['approval_rate']:.1%} of applicants, "
    f"and in credit lines, {1 - tight['total_line'] / old['total_line']:.0%} of the book."))

# %% [markdown]
# ## 4 · Who is approved: the policy by group
#
# The same decisions by gender, age band, occupation and city tier
# (`riskkit.evaluate.fairness`): approval rate, bad rate among the approved, the share of
# bads and of goods declined, and the model's mean PD against the true one. The adverse
# impact ratio is the lowest group's approval rate over the highest, for the policy as a
# whole and among applicants who pass the knock-out rules (the diamonds: the model's part),
# each with a 95 % bootstrap interval; an attribute is flagged only when the whole interval
# lies below four fifths (the dashed marks). Age is not a model feature, yet the product's
# age limits are knock-out rules: their share of all declines is the first thing a
# fair-lending review asks about, and the passers' ratio says what the model adds.

# %%
decisions = run.decisions()
fair_splits = {s: run.data(s) for s in ("test", "oot") if (decisions["split"] == s).any()}
fairness, fair_table = fairness_all(run.config, policy, fair_splits, decisions)
show(charts.plot_approval_by_group(fair_table, "test", lang=lang), "fairness_approval")

# %%
entry = fairness["splits"]["test"]
display(Markdown(
    "Adverse impact ratio on test: " + ", ".join(
        f"**{charts.label(a, lang)}** {r:.2f} [{i['policy']['low'] or 0:.2f}, "
        f"{i['policy']['high'] or 0:.2f}] ({i['policy']['status']}; among knock-out passers "
        f"{i['passers']['status']})"
        for a, r in entry["adverse_impact_ratio"].items() if r is not None
        for i in [entry["adverse_impact"][a]])
    + ". Share of declines by knock-out rule: " + ", ".join(
        f"{rule} {share:.1%}" for rule, share in entry["knockout_share"].items()) + "."))
fair_table[fair_table["split"] == "test"].round(4)

# %% [markdown]
# ## Reading
#
# * Choose a cut-off from the menu, not from the score alone: the bad rate climbs slowly at
#   first and steeply in the last approval points, and expected loss follows the credit
#   lines, which grow with approvals.
# * In a downturn the PSI and CSI say *that* the population moved; the calibration table says
#   *how much* the PDs are now short; only the outcomes say how far to tighten. Watching the
#   first two monthly and recalibrating the PD (an intercept shift is often enough) lets a
#   lender tighten before the losses arrive.
# * Look at the book by group as well as in total: the age knock-outs and an occupation's
#   volatile income decline whole groups at rates the four-fifths rule flags. Whether that
#   is a justified business necessity (the truth says these groups are riskier) or a
#   proxy to remove is a review's question; the table gives it the numbers.
# * Re-choosing the cut-off trades volume for risk; the cut-off menu on downturn applicants
#   is the same table as in section 1, and the decision is the same kind of decision.
