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
# # 05 · Borrowed once, then ineligible
#
# A complaint every app-based lender knows: *"I borrowed once, repaid on time, and the app
# cut my credit line to zero."* It sounds like a punishment for good behaviour. It is
# usually a side effect of how credit lines are run:
#
# * the lender **re-scores every borrower every month** and recomputes the line;
# * **borrowing moves the very features it scores**: the draw itself is an application, a
#   loan and (the first time) a new platform; a borrower short of cash often applies
#   elsewhere in the same month, and each of those applications is an inquiry too;
# * those features **age out** on fixed windows (30 and 90 days, 6 and 12 months), so the
#   damage is temporary, but the line is gone the month it happens;
# * and the lender **tightens its cut-off** when its loans go bad faster than predicted,
#   which removes lines from borrowers whose own risk did not change at all.
#
# This notebook runs a month-by-month simulation of the product with the run's deployed
# model and policy as the lender, finds the cohort the complaint is about, attributes each
# lost line to its causes, follows Zhang San (张三) month by month, and ends with what the
# lender's data cannot tell it: how wrong a model fitted only on approved borrowers is about
# the applicants it turns away.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"
borrowers = 5_000
months = 12
downturn_from = None  # a month from which the economy turns (None: no downturn)

# %%
import pandas as pd
from IPython.display import Markdown, display

import riskkit
import riskkit.experiment
from riskkit import explain as X
from riskkit.charts import lifecycle as LC
from riskkit.lifecycle import analysis as LA
from riskkit.lifecycle.simulation import simulate
from riskkit.reporting.in_notebook import publisher, setup

# %%
text_lang = lang  # reasons in the storyline: HTML shows Chinese even where charts cannot
lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed


def cause_label(name):
    """A cause of a lost line in words: a feature group, or the lender's tightening."""
    return LC.CAUSE_LABELS.get(name) or riskkit.core.features.GROUPS[name][text_lang]


# %% [markdown]
# ## The simulation
#
# `borrowers` applicants drawn from the same synthetic world as the run, followed for
# `months` months. Each month the lender (the run's deployed model and policy) reviews
# every borrower and sets a line or none; incomes move; last month's loans fall due and go
# overdue with their *true* probability; borrowers in need draw on the line, or apply here
# and elsewhere when it is gone; every feature is recomputed from the borrower's monthly
# history. The lender watches overdue events on its own loans and tightens the cut-off
# when they run significantly above what its model predicted.

# %%
model, policy = run.model(run.deployed_model_name), run.policy()
panel = simulate(borrowers, months, seed, model=model, policy=policy, downturn_from=downturn_from,
                 world=run.world)
cohort = LA.borrowed_once_then_ineligible(panel)
by_month = pd.DataFrame(panel.summary["by_month"]).set_index("month")
display(Markdown(
    f"{borrowers:,} borrowers × {months} months, lender: **{run.deployed_model_name}** with a "
    f"PD cut-off of {policy.cutoff:.2%}; "
    + ("no downturn. " if downturn_from is None else f"downturn from month {downturn_from}. ")
    + f"Approval rate {by_month['approval_rate'].iloc[0]:.0%} in month 0, "
    f"{by_month['approval_rate'].iloc[-1]:.0%} in month {months - 1}; {by_month['draw_rate'].mean():.0%} "
    "of borrowers draw on the line in an average month."))

# %% [markdown]
# ## The cohort: borrowed once, repaid on time, lost the line
#
# A borrower is in the cohort when they drew on the line exactly once, repaid on time the
# next month, and found the line at zero at a review within three months after the
# repayment (the review of the repayment month included). The share is taken over everyone
# who borrowed exactly once and repaid on time (borrowers whose repayment falls after the
# last month are left out of both).

# %%
summary = cohort.summary
display(Markdown(
    f"**{summary['count']:,}** of the {summary['denominator']:,} one-time borrowers who repaid on "
    f"time lost their line: **{summary['share'] or 0:.0%}**. "
    f"{summary['knockout_share']:.0%} of them to a knock-out rule, the rest to the score."))
show(LC.cohort_flow(cohort.flow), "cohort_flow")

# %%
pd.Series(summary["months_to_loss"], name="borrowers").rename_axis(
    "months from the on-time repayment to the lost line").to_frame().transpose()

# %% [markdown]
# ### Why the lines were lost
#
# For each member, the month the line went to zero is compared with the month before: the
# model's log-odds moved by the sum of the changes of every feature's contribution (grouped
# by the registry's feature groups), and the lender's cut-off moved too. The positive parts
# of these moves are what pushed the borrower out; their shares sum to one per borrower,
# and the chart shows the mean over the cohort. A line lost to a knock-out rule is charged
# wholly to the group of the rule's feature.

# %%
causes = pd.Series(summary["causes"], name="share of lost lines").sort_values(ascending=False)
show(LC.cause_shares(summary["causes"]), "lost_line_causes")
causes.rename(index=cause_label).to_frame().style.format("{:.1%}")

# %%
top = causes.index[0]
own = causes.drop(LA.LENDER_CAUSE).sum()
display(Markdown(
    f"The largest cause is **{cause_label(top)}** "
    f"({causes.iloc[0]:.0%}). The borrowers' own features explain {own:.0%} of the lost lines, "
    f"the lender's tightening {causes[LA.LENDER_CAUSE]:.0%}. Borrowing frequency and "
    "multi-platform borrowing are what the single draw itself (and the applications around "
    "it) changes: they age out, so these borrowers become eligible again without doing "
    "anything (unless the lender has tightened meanwhile), but not in the month they need "
    "the line."))

# %% [markdown]
# ## Zhang San, month by month
#
# The simulation shows *that* it happens; a storyline shows *how*, for one person whose
# actions are fixed. Zhang San starts before his story (no recent applications, no loan
# yet), is approved, borrows 50 CNY once, applies on other platforms in the same month (as
# his persona story says), repays on time, and re-applies here if the line is gone. What
# those actions do to his features comes from the simulation's own monthly update, and the
# lender's cut-off is the simulated lender's, month by month. His income is held steady so
# the story isolates what borrowing does.

# %%
valid = run.data("valid")
reference = X.approved_reference(valid, policy.decide(valid, model.predict_pd(valid)))
story = LA.storyline("zhang_san", months, model, policy, seed, world=run.world,
                     cutoffs=panel.summary["cutoff_by_month"], reference=reference,
                     downturn_from=downturn_from, lang=text_lang)
table = story.table.assign(changes=story.table["changes"].map("; ".join))
table[["month", "action", "decision", "credit_line", "pd", "cutoff", "applications_30d",
       "applications_90d", "active_platforms", "loans_12m", "changes"]].style.format(
    {"credit_line": "{:,.0f}", "pd": "{:.2%}", "cutoff": "{:.2%}"}).hide(axis="index")

# %%
show(LC.persona_line(story), "zhang_san_credit_line")
show(LC.persona_pd(story), "zhang_san_pd")

# %% [markdown]
# The reasons the lender would give him each month (its top three risk-raising features,
# quoting his value and the median approved applicant); what moved his score since the
# month before is the last column of the table above.

# %%
display(Markdown("```text\n" + story.text() + "\n```"))

# %%
lost, borrowed = story.lost_line_month, story.borrowed_month
lines = story.table["credit_line"].to_numpy()
back = next((m for m in range(lost + 1, len(lines)) if lines[m] > 0), None) if lost is not None else None
display(Markdown(
    "He never borrows: the lender gives him no line to draw on." if borrowed is None else
    f"He borrows in month {borrowed} and repays on time in month {borrowed + 1}; "
    + (f"**his line is cut to zero in month {lost}**"
       + (", the month he repays: the review reads the applications around his loan before "
          "the repayment counts for anything." if lost == borrowed + 1 else ".")
       + (f" It comes back in month {back}, as those applications age out." if back else
          " It does not come back within the story.") if lost is not None else
       f"with this run's model his line survives, but it goes from {lines[borrowed]:,.0f} CNY "
       f"down to **{lines[borrowed:].min():,.0f} CNY** ({lines[borrowed:].min() / lines[borrowed] - 1:+.0%}) "
       "while the applications around his one loan are on his record. A slightly stricter "
       "model or lender takes all of it.")))

# %%
first, last = story.table.iloc[0], story.table.iloc[-1]
if last["credit_line"] <= 0 and last["pd"] <= first["cutoff"] and last["cutoff"] < first["cutoff"]:
    display(Markdown(
        f"By month {last['month']} his own PD ({last['pd']:.2%}) is back below the cut-off he was "
        f"first approved at ({first['cutoff']:.2%}): what keeps him out now is the lender, whose "
        f"cut-off has moved to {last['cutoff']:.2%}."))

# %% [markdown]
# ## The lender's tightening
#
# The lender compares overdue events on its own loans over the last three months with what
# its model predicted. When there are significantly more (a one-sided 99 % Poisson alert),
# it estimates the odds shift its model misses and lowers the cut-off by it; the shift is
# held while outcomes stay at or above prediction and halves each month they fall below
# it. In a quiet economy a false alarm comes about once in a hundred months; in a downturn
# the alert fires because the model really is too optimistic (the downturn raises every
# borrower's true risk in a way no feature shows). Every tightening takes lines from
# borrowers whose own risk did not move.

# %%
show(LC.approval_and_cutoff(panel.summary), "approval_and_cutoff")
by_month[["downturn", "cutoff", "approval_rate", "observed_overdue_here", "expected_overdue_here",
          "mean_true_pd_approved"]].style.format(
    {"cutoff": "{:.2%}", "approval_rate": "{:.1%}", "expected_overdue_here": "{:.1f}",
     "mean_true_pd_approved": "{:.2%}"})

# %% [markdown]
# The same borrowers in the other economy: with a downturn from mid-period when this
# notebook runs without one, without a downturn when it runs with one. The difference in
# the cohort is what the economy and the lender's reaction to it add to the complaint.

# %%
other = months // 2 if downturn_from is None else None
contrast = LA.borrowed_once_then_ineligible(
    simulate(borrowers, months, seed, model=model, policy=policy, downturn_from=other,
             world=run.world))
label = {None: "no downturn"} | {m: f"downturn from month {m}" for m in (downturn_from, other)
                                 if m is not None}
pd.DataFrame({label[m]: {"cohort": c.summary["count"], "one-time on-time borrowers":
                         c.summary["denominator"], "share who lost the line": c.summary["share"],
                         "lender's tightening (share of causes)": c.summary["causes"][LA.LENDER_CAUSE]}
              for m, c in ((downturn_from, cohort), (other, contrast))}).T.style.format(
    {"cohort": "{:,.0f}", "one-time on-time borrowers": "{:,.0f}", "share who lost the line": "{:.1%}",
     "lender's tightening (share of causes)": "{:.1%}"})

# %% [markdown]
# ## Selection bias: what the lender's own data can teach it
#
# A lender only sees outcomes for the borrowers it approved. A model refitted on them alone
# has never seen a rejected applicant repay or default, so it knows least where the
# decisions are made. The simulation knows everyone's outcome. Both models are fitted on
# half of the month-0 borrowers (one on the approved only, one on everyone) and scored on
# the other half, where the *rejected region* (the applicants the lender turned away) is
# what matters.

# %%
selection = LA.selection_bias_experiment(panel, seed=seed)
selection.T.style.format("{:.3f}", na_rep="n/a").format("{:,.0f}", subset=pd.IndexSlice[["train_rows"], :])

# %%
only, everyone = selection.loc["approved_only"], selection.loc["everyone"]
display(Markdown(
    f"Among the rejected, the observed bad rate is **{only['observed_bad_rate_rejected']:.1%}**. "
    f"The model fitted on approved borrowers only predicts **{only['predicted_bad_rate_rejected']:.1%}** "
    f"for them (AUC there {only['auc_rejected'] or float('nan'):.3f}), the model fitted on "
    f"everyone {everyone['predicted_bad_rate_rejected']:.1%} (AUC {everyone['auc_rejected'] or float('nan'):.3f}). "
    "A lender that retrains on its own book alone would think the applicants it turns away "
    "far safer than they are: its model has never seen the risk that got them rejected."))

# %% [markdown]
# ## Reading
#
# * Losing a line after one on-time repayment is mostly the product working as designed:
#   the draw and the applications around it are exactly what the model has learnt to read
#   as risk, and they are recorded before the repayment is.
# * The features that cause it age out, so the borrower becomes eligible again by waiting;
#   the reason codes say *which* features, but not *when* they expire. A lender could say
#   both, or score a repaid loan as the good news it is.
# * The lender's tightening is the part the borrower cannot influence at all; in a downturn
#   it grows, and it is concentrated on borrowers near the cut-off.
# * The lender cannot measure any of this from its own book alone: outcomes exist only for
#   the approved, and a model refitted on them is blind exactly where it decides.
