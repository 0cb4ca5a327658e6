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
# # 11 · Monitoring the book
#
# A lender that runs a credit-line book does not read a panel of borrower-months. Every
# month it reads a handful of standard views: **vintage curves** (the cumulative bad rate
# of each origination month as it ages), **roll rates** between days-past-due buckets,
# **grade migration**, the **stability** of the score and its features against the
# development month, and, for provisioning, **lifetime PDs** by grade and the **IFRS 9
# stages** they imply. Each is a signal with its own delay and its own false alarms.
#
# A simulation can do what no monitoring tool can: put each view beside the truth that
# produced it, and say *when* each signal noticed a change, because it knows the month the
# world changed. This notebook follows the same borrowers twice: in a quiet economy, and
# with a downturn from month `downturn_from` (more income shocks, lower incomes, more
# strain, and a rise in every borrower's true risk that no feature shows). Until the
# downturn the two books are identical, month for month.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"
borrowers = None  # borrowers simulated (None: as many as rows)
months = 36
downturn_from = 12

# %%
import pandas as pd
from IPython.display import Markdown, display

import riskkit.experiment
from riskkit import charts
from riskkit.charts import monitoring as MC
from riskkit.core.narrative import Narrative
from riskkit.lifecycle import analysis as LA
from riskkit.lifecycle import monitor as M
from riskkit.lifecycle.monitor import narrative as N
from riskkit.lifecycle.monitor import words as W
from riskkit.lifecycle.simulation import simulate
from riskkit.reporting.in_notebook import publisher, setup
from riskkit.reporting.narration import numbers_table, publish_claims

lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed
say = Narrative()  # every direction word below is chosen by the numbers it describes


def of_book(fig, book):
    """The figure with its book named in the title: two books share every chart type."""
    charts.retitle(fig.axes[0], f"{book} book", sep=" — ")
    return fig

borrowers = borrowers or rows

# %% [markdown]
# ## The two books
#
# The lender is the run's deployed model and policy. It reviews every borrower every month,
# grants a line or none, and tightens its cut-off when overdue loans run significantly
# above what its model predicted. An account is **opened** at the first review that grants
# a line and **closed** at the first later review that finds no line, nothing owed and no
# open delinquency. A **default** is more than 90 days past due (the Basel backstop).
#
# Both books live in the run's world (its shape, dials and bad rate) without its calendar:
# a drift of the economy, under which the run drew its out-of-time cohort, would be a slow
# downturn of its own, and here the downturn from `downturn_from` is the only change.

# %%
model, policy = run.model(run.deployed_model_name), run.policy()
world = run.world.without_calendar()
panels = {name: simulate(borrowers, months, seed, model=model, policy=policy,
                         downturn_from=start, world=world)
          for name, start in (("quiet", None), ("downturn", downturn_from))}
books = {name: M.monitor_book(M.Book.from_panel(p.frame, p.summary))
         for name, p in panels.items()}
quiet, turn = books["quiet"], books["downturn"]
display(Markdown(
    f"{borrowers:,} borrowers × {months} months of {panels['quiet'].summary['world_label']}, "
    f"lender **{run.deployed_model_name}** at a PD "
    f"cut-off of {policy.cutoff:.2%}; grades: {turn.book.scale.name}. "
    f"{int(turn.book.performing_at_origination.sum()):,} accounts opened in the downturn "
    f"book, {int(quiet.book.performing_at_origination.sum()):,} in the quiet one."
    + ("" if world == run.world else f" The run's own world is {run.world.label()}.")))

# %% [markdown]
# ## The book in a quiet year
#
# The first twelve months (the same in both books). The score's PSI and each feature's CSI
# compare every month's reviewed borrowers with month 0's; 0.1 is "worth a look", 0.25
# "shifted".

# %%
year = N.quiet_year(turn, 12)
figures = say.table(numbers_table(year, "first months"), "quiet_year")
display(Markdown(
    f"Over the first {year['months']} months the number of open accounts "
    + say.change(year["accounts_first"], year["accounts_last"], unit="", decimals=0,
                 table="quiet_year")
    + "; the approval rate "
    + say.change(year["approval_first"], year["approval_last"], table="quiet_year")
    + f", and borrowers used "
    f"{W.share(year['utilisation_mean'])} of their lines on average. The score's PSI peaked "
    f"at {year['psi_score_max']:.3f}; the largest CSI was {year['csi_max']:.2f} "
    f"(`{year['csi_max_feature']}`). Of the accounts below 30 days past due, "
    f"{W.share(year['roll_to_30_mean'], 2)} rolled past 30 in an average month. "
    f"By month {year['months'] - 1}, {W.share(year['stage_2_last'])} of the book was in "
    f"IFRS 9 stage 2 by the lender's grades and {W.share(year['true_stage_2_last'])} by the "
    "true PDs."))
show(of_book(MC.plot_roll_rates(quiet.rolls.average), "quiet"), "quiet_roll_rates")
figures

# %% [markdown]
# ## When did monitoring notice?
#
# Six signals, each dated by the last month of data it uses: the score's PSI over 0.1 and
# over 0.25; a feature's CSI over 0.25; a vintage whose defaults exceed the band the
# lender's own PDs imply; the roll rate to 30+ days past due above its Shewhart p-chart
# limit (3 sigma, centre line from the months before the downturn); and the lender's own
# recalibration alert. The quiet book, with no downturn at all, counts each signal's false
# alarms over the whole period.

# %%
table = turn.detection[["signal", "description", "detection_month", "lag", "false_alarms"]]
table = table.merge(quiet.detection[["signal", "false_alarms"]].rename(
    columns={"false_alarms": "alarms_in_the_quiet_book"}), on="signal")
display(Markdown(W.first_signal_sentence(turn.detection.to_dict(orient="records"),
                                         downturn_from)))
table.set_index("signal")

# %%
say.table(table.assign(downturn_from=downturn_from), "detection")


def fired(row):
    """When a signal fired against the downturn's start, recorded; or that it never did."""
    if pd.isna(row["detection_month"]):
        return W.describe_lag(None, downturn_from)
    month = int(row["detection_month"])
    return say.pick(month, downturn_from, W.lag_words(month, downturn_from), decimals=0,
                    table="detection")


display(Markdown("; ".join(
    f"{row['description']} {fired(row)} "
    f"({W.describe_false_alarms(int(row['false_alarms']))}; in alarm for "
    f"{W.months(int(row['alarms_in_the_quiet_book']))} of the quiet book)"
    for _, row in table.iterrows()) + "."))
show(MC.plot_psi_by_month(turn.stability, downturn_from=downturn_from), "psi_by_month")
show(MC.plot_control_chart(turn.roll_30, downturn_from), "roll_to_30_p_chart")

# %% [markdown]
# The PSI of the *true* PD (dashed) is what a perfect score's PSI would be: it shows how much
# of the downturn a population-stability check can see at all. The part of the downturn
# that is a rise in risk no feature shows moves no PSI.

# %% [markdown]
# ## The vintages of the tightened months
#
# The vintages opened before and after any tightening of the cut-off, pooled at the same
# months on book, with what the truth expected for each (the panel's true PDs run through
# the same delinquency ladder).

# %%
vintages = N.vintage_comparison(turn)
show(MC.plot_vintage_fan(turn.tables()["vintages_by_period"], downturn_from), "vintage_fan")
pooled = say.table(numbers_table(vintages or {}, "vintages"), "vintages")
display(Markdown(
    "The lender never tightened its cut-off, so no vintage was opened under a tighter one."
    if vintages is None else
    f"The lender tightened from month {vintages['first_tightened']} on, so the accounts "
    "opened after it passed a stricter test than those opened before. "
    f"At {vintages['months_on_book']} months on book, the {vintages['late_accounts']:,} "
    f"accounts opened in tightened months had defaulted at {W.share(vintages['late_bad_rate'], 2)}, "
    + say.pick(vintages["late_bad_rate"], vintages["early_bad_rate"], W.compare_words(),
               unit="%", decimals=2, table="vintages") + " the "
    f"{W.share(vintages['early_bad_rate'], 2)} of the {vintages['early_accounts']:,} opened "
    f"before; the truth expected {W.share(vintages['late_truth_expected'], 2)} and "
    f"{W.share(vintages['early_truth_expected'], 2)}: by the truth the tightened vintages were "
    + say.pick(vintages["late_truth_expected"], vintages["early_truth_expected"], W.risk_words(),
               unit="%", decimals=2, table="vintages") + " the earlier ones."))
pooled

# %% [markdown]
# ## Where the borrowed-once cohort sits in the migration matrix
#
# The borrowers notebook 05 is about: they drew on the line once, repaid on time, and found
# the line at zero within three months. Here is the grade each of them had at the review
# before the line was cut and at the review that cut it, against the book's own
# month-to-month migration.

# %%
cohort = LA.borrowed_once_then_ineligible(panels["downturn"])
moves = N.cohort_moves(turn, cohort.members)
show(of_book(MC.plot_migration(turn.migration.average), "downturn"), "migration")
display(Markdown(
    "No borrower lost the line after one on-time repayment in this book." if moves is None else
    f"{moves['members']:,} borrowers lost the line after one on-time repayment. In the month "
    f"they lost it, {W.share(moves['worse'])} of them moved to a worse grade (by "
    f"{moves['mean_jump']:+.1f} grades on average, from a median grade of "
    f"{moves['from_median']:.0f}) and {W.share(moves['top_grade'])} landed in the top grade; "
    f"of the book's own month-to-month moves, {W.share(moves['book_worse'])} went to a worse "
    "grade."))
if moves is not None:
    show(MC.plot_transition_heatmap(moves["matrix"], "The borrowed-once cohort: grade before "
                                    "and at the lost line", "Grade at the review that cut "
                                    "the line", "Grade at the review before"), "cohort_moves")

# %% [markdown]
# ## Lifetime PD by grade
#
# The book at month 0, graded by its PD then, followed for every month the panel has:
# the **cohort** method (every borrower followed, as the simulation can), **Kaplan-Meier**
# with closed accounts censored (what a lender that loses sight of them would estimate),
# **Aalen-Johansen** with closing as a competing risk (the PD *on the book*, what a
# provision needs), and the **Markov chain** of the month-to-month migrations. The truth's
# expectation carries a 99 % Monte Carlo interval, simultaneous over the grades.

# %%
life = N.lifetime_comparison(turn)
lifetime = say.table(numbers_table(life, "whole book"), "lifetime")
show(of_book(MC.plot_lifetime_by_grade(turn.lifetime.table), "downturn"), "lifetime_pd_by_grade")
show(of_book(MC.plot_lifetime_methods(turn.lifetime.table), "downturn"), "lifetime_pd_methods")
display(Markdown(
    "A default here is more than 90 days past due, which a late payment reaches only after "
    f"{W.months(life['roll_months'])} without a cure: at a cure rate of "
    f"{W.share(life['cure_prob'], 0)} a month, {W.share(life['roll_to_default'])} of new "
    f"delinquencies get there. So in its first {W.months(life['pd_horizon'])} "
    f"{W.share(life['cohort_pd_horizon'], 2)} of the month-{life['reference_month']} book "
    "defaulted, " + say.ratio(life["cohort_pd_horizon"], life["mean_true_pd"], table="lifetime")
    + " its mean "
    f"true 12-month PD of {W.share(life['mean_true_pd'], 2)}: the simulation's delinquency "
    "ladder, not the PD, sets how many accounts reach 90 days, and the truth's expectation, "
    f"which follows the ladder, was {W.share(life['truth_pd_horizon'], 2)}, "
    + say.pick(life["truth_pd_horizon"], life["cohort_pd_horizon"], W.compare_words(), unit="%",
               decimals=2, table="lifetime") + " what defaulted. "
    f"Over {life['horizon']} months the cohort method gives {W.share(life['cohort'], 2)} for "
    f"the whole book against the truth's {W.share(life['truth'], 2)} "
    f"({W.share(life['truth_low'], 2)} to {W.share(life['truth_high'], 2)}). "
    + W.within_sentence(life["within"]) + " "
    f"Kaplan-Meier, censoring closed accounts, gives {W.share(life['kaplan_meier'], 2)}, "
    + say.pick(life["kaplan_meier"], life["cohort"], W.compare_words(), unit="%", decimals=2,
               table="lifetime") + " the cohort's: "
    + say.pick(life["kaplan_meier"], life["cohort"], W.censoring_words(), unit="%", decimals=2,
               table="lifetime") + ". "
    f"Aalen-Johansen gives {W.share(life['aalen_johansen'], 2)}"
    f" defaulted on the book (the truth: {W.share(life['truth_on_book'], 2)}), and the "
    f"Markov chain {W.share(life['markov'], 2)}."))
lifetime

# %% [markdown]
# ## IFRS 9 stages
#
# Stage 2 when an account's lifetime PD (its grade's, from the migration matrix) has more
# than doubled since it was opened, or it is more than 30 days past due; stage 3 once it
# has defaulted. The dashed line is where stage 1 would end if the stages were set by the
# true PDs: the gap is the increase in risk the lender's grades do not see.

# %%
stages = say.table(turn.stages, "stages")
last = stages.iloc[-1]
show(MC.plot_stage_shares(stages, downturn_from), "stage_shares")
display(Markdown(
    f"In month {int(last['month'])}, {W.share(last['stage_2'])} of the book is in stage 2 and "
    f"{W.share(last['stage_3'], 2)} in stage 3 by the lender's grades; by the true PDs "
    f"{W.share(last['true_stage_2'])} would be in stage 2, "
    + say.pick(last["true_stage_2"], last["stage_2"], W.compare_words(), unit="%", decimals=1,
               table="stages") + " the lender's share."))

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
