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
from riskkit.core.narrative import Narrative, fmt
from riskkit.evaluate.impact import FLAGGED, NOT_FLAGGED
from riskkit.experiment.stages import fairness_all
from riskkit.policy import drift
from riskkit.reporting.in_notebook import publisher, setup
from riskkit.reporting.narration import as_table, publish_claims  # as_table: no Series repr
from riskkit.synth.scenarios import get_scenario

lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed
say = Narrative()  # every direction word below is chosen by the numbers it describes


# %%
model = run.model(run.deployed_model_name)
policy = run.policy()
train, valid, test = run.data("train"), run.data("valid"), run.data("test")
rules = {r.name: f"{charts.label(r.feature, lang)} {r.op.replace('>=', '≥').replace('<=', '≤')} "
                 f"{r.value:g}" for r in policy.knockouts}  # each knock-out rule as the policy has it
display(Markdown(
    f"Deployed: **{run.deployed_model_name}** with a PD cut-off of **{policy.cutoff:.2%}**, "
    f"chosen on the validation split to approve {policy.cutoff_target:.0%} of the applicants "
    "who pass the knock-out rules (" + "; ".join(rules.values()) + ")."))

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
fig = charts.plot_strategy_curve({run.deployed_model_name: (test[TARGET], model.predict_pd(test))},
                                 approval_rate=approval, lang=lang)
charts.retitle(fig.axes[0], "test applicants, deployed policy marked", sep=" — ")
show(fig, "strategy_curve_test")

# %% [markdown]
# ## 2 · A downturn cohort
#
# The same lender, a year later: a new cohort of applicants drawn from the *downturn*
# scenario (more income shocks, lower incomes, more financial strain, and a macro shift in
# every applicant's true log-odds; its settings are printed below), scored by the model
# fitted in normal times.

# %%
downturn = drift.downturn_cohort(run.world, run.config["seed"], len(test))
samples = {"baseline (test)": test, "downturn": downturn}
calibration = say.table(drift.calibration_drift(model, samples), "calibration")
base, down = calibration.loc["baseline (test)"], calibration.loc["downturn"]
scenario = get_scenario("downturn")
display(Markdown(
    f"The downturn scenario: {scenario.shock_multiplier:g} × the income shocks, incomes × "
    f"{scenario.income_multiplier:g}, financial strain +{scenario.strain_shift:g}, and "
    f"+{scenario.macro_logit:g} on every applicant's true log-odds. "
    f"{len(downturn):,} downturn applicants. From the baseline test sample to the downturn "
    "the bad rate " + say.change(base["bad_rate"], down["bad_rate"], decimals=2, table="calibration")
    + " and the mean true PD "
    + say.change(base["mean_true_pd"], down["mean_true_pd"], decimals=2, table="calibration")
    + "."))
calibration[["count", "bad_rate", "mean_true_pd"]].round(4)

# %% [markdown]
# ### Population stability: PSI of the score, CSI of each feature
#
# Both samples against the training sample. Below 0.1 is stable, 0.1–0.25 worth a look,
# above 0.25 a shift that calls for a model review.

# %%
score_psi, csi = drift.stability(model, train, samples)
say.table(csi, "csi")
as_table(score_psi.round(4), "score PSI")

# %%
fig = charts.plot_psi(csi["downturn"], lang=lang)
charts.retitle(fig.axes[0], "downturn applicants against the training sample", sep=" — ")
show(fig, "csi_downturn")

# %%
csi.head(8).round(4)

# %%
top = csi["downturn"].nlargest(3)  # the sentence names the largest: do not rely on the order
noise = csi["baseline (test)"].max()  # the baseline sample is the training world's: noise
display(Markdown(
    "Most shifted in the downturn: " + ", ".join(f"**{charts.label(name, lang)}** ({value:.2f})"
                                                 for name, value in top.items())
    + f". The largest of these, {top.iloc[0]:.3f}, is "
    + say.ratio(top.iloc[0], noise, table="csi")
    + f" the largest CSI on the baseline test sample ({noise:.3f}), which is drawn from the "
    "training world: its values are the noise level of this sample size."))

# %% [markdown]
# The scenario pushes income volatility (more income shocks) and what financial strain
# drives (applications, platforms, loans, debt); the list above says which features moved
# most in this run. A CSI well above the baseline sample's noise level is drift.

# %% [markdown]
# ### Calibration drift
#
# The downturn's features move the model's PDs; the macro shift is in no feature, so no
# model fitted in normal times can see that part. Ranking (AUC) and calibration (bad rate
# over mean PD) are separate questions: a lender that books expected loss from PDs below
# the bad rate under-provisions, whatever the ranking does. The sentence under the table
# says which way each moved here.

# %%
display(Markdown(
    "From the baseline test sample to the downturn the model's mean PD "
    + say.change(base["mean_pd"], down["mean_pd"], decimals=2, table="calibration")
    + ". In the downturn it " + say.gap(down["mean_pd"], down["bad_rate"], what="the bad rate",
                                        table="calibration")
    + " (on the baseline sample it " + say.gap(base["mean_pd"], base["bad_rate"],
                                               what="the bad rate", table="calibration")
    + "); its ranking, the AUC, " + say.change(base["auc"], down["auc"], unit="", decimals=3,
                                               table="calibration") + "."))
calibration.round(4)

# %%
show(charts.plot_reliability({name: (frame[TARGET], model.predict_pd(frame))
                              for name, frame in samples.items()}, lang=lang),
     "reliability_drift")

# %% [markdown]
# ## 3 · The book at the old cut-off, and the lender's tightening
#
# At the old PD cut-off the downturn's worse features move the approval rate, and the part
# of the downturn the features miss moves the bad rate among the approved; the sentence
# under the chart says which way each moved in this run. Two ways to re-choose the cut-off
# on downturn applicants (`Policy.fit`):
#
# * keep the **approval-rate target**: the same share approved, whatever that does to the
#   cut-off and the bads;
# * restore the **baseline bad rate among the approved**: the usual tightening when the
#   bad rate has risen (with the policy's confidence margin, the bad rate's upper bound
#   must meet the target, which a small sample may never allow). It reads the downturn
#   outcomes, which a lender learns from early delinquency months later: this row is where
#   the re-chosen cut-off should end up.
#
# On the chart the four books are the numbered diamonds (numbers as in the table). They sit
# close to, not exactly on, their curves: a curve ranks every applicant by PD, a book also
# applies the knock-out rules.

# %%
book = say.table(drift.policy_under_drift(policy, model, test, downturn), "book")
book.index = [f"{i} · {name}" for i, name in enumerate(book.index, start=1)]  # chart keys
book.style.format({"cutoff_pd": "{:.2%}", "approval_rate": "{:.1%}", "knockout_rate": "{:.1%}",
                   "mean_pd_approved": "{:.2%}", "bad_rate_approved": "{:.2%}",
                   "total_line": "{:,.0f}", "expected_loss": "{:,.0f}",
                   "realised_loss": "{:,.0f}", "true_expected_loss": "{:,.0f}"})

# %%
fig = charts.plot_strategy_curve({name: (frame[TARGET], model.predict_pd(frame))
                                  for name, frame in samples.items()}, lang=lang)
ax = fig.axes[0]
charts.retitle(ax, "baseline test against downturn applicants, the four books numbered", sep=" — ")
for key, (_, row) in enumerate(book.iterrows(), start=1):  # numbered as in the table
    at = (row["approval_rate"], row["bad_rate_approved"])
    ax.plot(*at, marker="D", color="black")
    ax.annotate(str(key), at, xytext=(4, 4), textcoords="offset points", fontweight="bold")
show(fig, "strategy_curve_drift")

# %%
before, old, volume, tight = (book.iloc[i] for i in range(4))
display(Markdown(
    "At the deployed cut-off, from the baseline book to the downturn's, the approval rate "
    + say.change(before["approval_rate"], old["approval_rate"], table="book")
    + " and the bad rate among the approved "
    + say.change(before["bad_rate_approved"], old["bad_rate_approved"], decimals=2, table="book")
    + ". Keeping the approval-rate target, the cut-off "
    + say.change(old["cutoff_pd"], volume["cutoff_pd"], decimals=2, table="book")
    + f" ({fmt(volume['approval_rate'])} approved, bad rate "
    f"{fmt(volume['bad_rate_approved'], decimals=2)}). Re-chosen for the baseline bad rate of "
    f"{fmt(before['bad_rate_approved'], decimals=2)}, the cut-off "
    + say.change(old["cutoff_pd"], tight["cutoff_pd"], decimals=2, table="book")
    + ", the approval rate " + say.change(old["approval_rate"], tight["approval_rate"], table="book")
    + f" (bad rate {fmt(tight['bad_rate_approved'], decimals=2)}) and the credit lines of the book "
    + say.change(old["total_line"], tight["total_line"], unit="CNY", decimals=0, table="book")
    + say.pick(tight["approval_rate"], 0.0, ("", "", (
        f": on {len(downturn):,} applicants no cut-off keeps the bad rate among the approved "
        + (f"(its {policy.cutoff_confidence:.0%} upper bound) " if policy.cutoff_confidence else "")
        + "at the target, so the re-chosen cut-off approves nobody")), unit="%", decimals=1,
               table="book")
    + "."))

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
entry, verdicts = fairness["splits"]["test"], (NOT_FLAGGED, FLAGGED, NOT_FLAGGED)
on_test = say.table(fair_table[fair_table["split"] == "test"], "fairness")


def four_fifths(impact):
    """The four-fifths verdict from the interval (flagged when it lies below 0.8), recorded."""
    if impact.get("low") is None:
        return impact["status"]
    return say.interval(impact["low"], impact["high"], 0.8, verdicts, table="fairness")


def bounds(impact):
    """The interval as printed, "[n/a]" when it was not measured (never "[0.00, 0.00]")."""
    low, high = impact.get("low"), impact.get("high")
    return "[n/a]" if low is None or high is None else f"[{low:.2f}, {high:.2f}]"


display(Markdown(
    "Adverse impact ratio on test: " + ", ".join(
        f"**{charts.label(a, lang)}** {r:.2f} {bounds(i['policy'])} "
        f"({four_fifths(i['policy'])}; among knock-out "
        f"passers {four_fifths(i['passers'])})"
        for a, r in entry["adverse_impact_ratio"].items() if r is not None
        for i in [entry["adverse_impact"][a]])
    + ". Share of declines by knock-out rule: " + "; ".join(
        f"{rules.get(rule, rule)}: {share:.1%}" for rule, share in entry["knockout_share"].items())
    + "."))
on_test.round(4)

# %% [markdown]
# ## Reading
#
# * Choose a cut-off from the menu, not from the score alone: it shows what each further
#   approval point costs in bad rate and expected loss, and expected loss follows the
#   credit lines, which grow with approvals.
# * In a downturn the PSI and CSI say *that* the population moved; the calibration table says
#   *how far* the PDs are from the bad rate; only the outcomes say how far to re-choose the
#   cut-off. Watching the first two monthly and recalibrating the PD (an intercept shift is
#   often enough) lets a lender act before the losses arrive.
# * Look at the book by group as well as in total: section 4 says which attributes the
#   four-fifths rule flags in this run, for the policy and among knock-out passers (the
#   model's part). Whether a flag is a justified business necessity (the group table's true
#   PDs say whether the group is riskier) or a proxy to remove is a review's question; the
#   table gives it the numbers.
# * Re-choosing the cut-off trades volume for risk; the cut-off menu on downturn applicants
#   is the same table as in section 1, and the decision is the same kind of decision.

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
