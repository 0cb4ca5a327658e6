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
# # 03 · Feature effects on eligibility
#
# Which behaviours make an applicant ineligible, and by how much? Four drivers dominate
# consumer-credit decisions in app-based lending:
#
# 1. **income stability**: how much monthly income moves (`income_volatility`), and how
#    that depends on the kind of job (the occupation interaction);
# 2. **borrowing frequency**: recent applications (`applications_30d`, `applications_90d`)
#    and loans taken (`loans_12m`);
# 3. **multi-platform borrowing**: lending platforms used at once (`active_platforms`);
# 4. **overdue history**: late repayments (`overdue_count_24m`) and how late
#    (`max_dpd_24m`).
#
# For each feature we show what the deployed model has learned, three ways, and set each
# against the **true effect** of the synthetic world, computed on the very same rows:
#
# * **partial dependence and ICE**: move one feature over a grid for a sample of real
#   applicants, everything else held as it is; one grey line per applicant (ICE), their
#   mean in colour (partial dependence), the truth dashed;
# * **SHAP dependence**: each applicant's contribution of the feature to the log-odds,
#   against the feature's value, with the true contribution; next to it shap's own
#   ``shap.plots.scatter`` of the same values (from ``riskkit.explain.to_shap``), in the
#   report style, for the analyst who reads shap's plots every day;
# * **approval rate by feature**: what the policy does with it, next to what the same
#   policy would do if it knew every applicant's true PD.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"

# %%
import pandas as pd
from IPython.display import Markdown, display

import riskkit
import riskkit.experiment
from riskkit import charts
from riskkit import explain as X
from riskkit.core.narrative import Narrative, fmt
from riskkit.evaluate import effects
from riskkit.explain.wording import category_text
from riskkit.reporting.in_notebook import publisher, setup
from riskkit.reporting.narration import as_table, publish_claims
from riskkit.reporting.story_tables import effect_sizes

lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed
say = Narrative()  # every direction word below is chosen by the numbers it describes
display(Markdown(f"Data drawn in {run.world.label()}."))


# %%
model = run.model(run.deployed_model_name)
truth = run.world.truth()  # the true risk function the run's data came from
test, valid = run.data("test"), run.data("valid")
sample = min(1000, len(test))  # ICE rows: enough for a stable mean, few enough to draw
contrib = effects.model_contributions(model, test)  # once, for every dependence chart
explanation = X.to_shap(model, test.iloc[:sample], lang=lang)  # the same, for shap's plots
decisions = run.decisions()
# the same policy (knock-outs, approval-rate target) run on the true PD instead of the model's
truth_decisions = run.policy().fit(valid, truth.pd(valid)).decide(test, truth.pd(test))
approvals = say.table(as_table(pd.Series({
    "deployed policy": decisions.loc[decisions["split"] == "test", "decision"].eq("approved").mean(),
    "true-PD policy": truth_decisions["decision"].eq("approved").mean()}),
    "approval rate (test)"), "approvals")["approval rate (test)"]
display(Markdown(
    f"Deployed model: **{run.deployed_model_name}**; {len(test):,} test applicants; ICE and "
    f"partial dependence on a sample of {sample:,}. Both policies aim at the same approval rate, "
    "each with its cut-off chosen on the validation split; on the test split the true-PD policy "
    + say.pick(approvals["true-PD policy"], approvals["deployed policy"], (
        "approves more applicants than", "approves fewer applicants than",
        "approves as many applicants as"), unit="%", decimals=1, table="approvals")
    + f" the deployed one ({fmt(approvals['true-PD policy'])} against "
    f"{fmt(approvals['deployed policy'])})."))


# %%
def effect_sentence(feature):
    """The model's effect across the grid against the true one, in words from the numbers."""
    row, value = sizes.loc[feature], run.registry[feature].format_value
    return (f"Across the grid ({charts.label(feature, lang)} from {value(row['grid_low'])} to "
            f"{value(row['grid_high'])}) the model's effect is {row['model_effect']:+.2f} log-odds, "
            f"the truth's {row['true_effect']:+.2f}: the model's is "
            + say.pick(row["model_size"], row["true_size"], ("stronger", "weaker", "as strong"),
                       decimals=2, table="effects")
            + "; "
            + say.pick(row["agreement"], 0.0, ("both point the same way", "they point opposite ways",
                                               "one of the two is flat"), table="effects")
            + ".")


def feature_effects(feature):
    """The three charts of one feature, each with the true effect, exported and shown."""
    grid, ice, pdp = effects.partial_dependence(model, test, feature, sample=sample)
    _, _, true_pdp = effects.true_effect(test, feature, grid, sample=sample, truth=truth)
    show(charts.plot_pdp_ice(grid, ice, pdp, true_pdp, feature=feature, lang=lang),
         f"pdp_{feature}")
    dep = effects.dependence(model, test, feature, contrib)
    show(charts.plot_dependence(dep["value"], dep["model"], dep["truth"], feature=feature,
                                lang=lang), f"dependence_{feature}")
    show(charts.plot_shap(explanation, "scatter", feature=charts.label(feature, lang), lang=lang),
         f"shap_scatter_{feature}")
    table = effects.approval_by_feature(test, decisions, feature, reference=truth_decisions)
    show(charts.plot_approval_by_feature(table, feature, lang=lang), f"approval_{feature}")
    if feature in sizes.index:
        display(Markdown(effect_sentence(feature)))
    return table


# %% [markdown]
# ## Every feature at once: shap's beeswarm
#
# One dot per applicant and feature: how far the feature moved that applicant's log-odds
# (right of zero raises the risk), coloured by the feature's value. The features below are
# taken one at a time.

# %%
show(charts.plot_shap(explanation, "beeswarm", lang=lang), "shap_beeswarm")

# %% [markdown]
# ## The model's effects against the truth, in one table
#
# For each feature: its effect across the grid (log-odds from the grid's low end to its
# high end) according to the model and to the truth, the RMSE between the two partial
# dependence curves once both are centred (a level shift is not a disagreement about the
# effect), and the share of ICE curves that move against the feature's risk direction.
# LightGBM is fitted with monotone constraints from the feature registry, so that share
# must be zero: more overdue history can never make an applicant look safer; the sentence
# under the table says whether it is.

# %%
FEATURES = ["income_volatility", "applications_30d", "applications_90d", "loans_12m",
            "active_platforms", "overdue_count_24m", "max_dpd_24m"]
summary = effects.effect_summary(model, test, FEATURES, sample=sample, truth=truth)
sizes = say.table(effect_sizes(summary), "effects")
sizes.round(3)

# %%
worst = summary["rmse_vs_truth"].idxmax()
display(Markdown(
    f"Largest share of ICE curves against the risk direction: "
    f"**{summary['monotonicity_violations'].max():.1%}**: "
    + say.pick(summary["monotonicity_violations"].max(), 0.0, (
        "above zero, so for some applicants more of a risk feature makes them look safer",
        "below zero", "zero, as the risk directions require"), unit="%", decimals=1,
        table="effects")
    + f". Largest disagreement with the truth (RMSE of the centred curves): "
    f"**{charts.label(worst, lang)}**. " + effect_sentence(worst)))

# %% [markdown]
# Two things to look for. Features that share a story (30-day and 90-day applications;
# overdue count and worst delay) can split the effect between them differently in the model
# than in the truth: the model sees correlated columns and may hand one of them the credit
# for both, so one curve overshoots while its partner stays flat. And the tails (many
# platforms, long delays) rest on few applicants, so the model's curve there is coarse; the
# smaller the run, the more so.

# %% [markdown]
# ## 1 · Income stability
#
# Income volatility is the coefficient of variation of the last 12 monthly incomes. Does
# the true risk rise steeply from stable salaries (CV below 10 %) and level off, so that a
# little more volatility on top of a very volatile income changes little? The dashed lines
# answer for this run's world; the sentence under the charts compares the sizes.

# %%
volatility = feature_effects("income_volatility")

# %% [markdown]
# ### The interaction: volatility hurts more in a volatile industry
#
# The synthetic world's risk function multiplies volatility by an occupation weight, so
# that the same income swing can mean more for a freelancer, whose bad months come with no
# safety net, than for a state-owned employee, whose volatility is mostly bonuses; the
# table under the chart gives each occupation's true rise. Two-way partial dependence sets
# occupation *and* volatility for every sampled applicant, so each line is one occupation.
# Log-odds, not PD: on the PD scale the sigmoid alone would bend the lines apart.

# %%
inter = effects.interaction(model, test, "income_volatility", "occupation",
                            sample=min(500, len(test)), truth=truth)
show(charts.plot_interaction(inter, lang=lang), "interaction_income_volatility_occupation")

# %%
slopes = inter.groupby("occupation", sort=False)[["model", "truth"]].agg(
    lambda s: s.iloc[-1] - s.iloc[0])
slopes.columns = ["model rise (log-odds)", "true rise (log-odds)"]
slopes.index = [category_text("occupation", o) or str(o) for o in slopes.index]
slopes.loc["spread (largest - smallest)"] = slopes.max() - slopes.min()
spread = say.table(slopes, "interaction").iloc[-1]
steep, flat = slopes.iloc[:-1, 1].idxmax(), slopes.iloc[:-1, 1].idxmin()
display(Markdown(
    f"In truth the rise is steepest for {steep} ({slopes.loc[steep].iloc[1]:+.2f} log-odds) and "
    f"flattest for {flat} ({slopes.loc[flat].iloc[1]:+.2f}): across occupations it differs by "
    f"{spread.iloc[1]:.2f}, the model's by {spread.iloc[0]:.2f}. The model spreads the "
    "occupations "
    + say.pick(spread.iloc[0], spread.iloc[1], (
        "wider than the truth: it reads more interaction than there is",
        "less than the truth: it has found only part of the interaction, or none of it",
        "as widely as the truth"), decimals=2, table="interaction")
    + ". A tree model can learn an interaction only where it has the rows for it; an additive "
    "scorecard cannot learn it at all."))
slopes.round(3)

# %%
show(charts.plot_approval_by_feature(
    effects.approval_by_feature(test, decisions, "occupation", reference=truth_decisions),
    "occupation", lang=lang), "approval_occupation")

# %% [markdown]
# ## 2 · Borrowing frequency
#
# Each credit application leaves an inquiry on the applicant's record. A burst of them in
# the last month is the classic sign of someone turned down elsewhere or short of cash; the
# 90-day count and the loans taken over a year tell the slower version of the same story.
# Whether the first applications matter most (a concave effect) is for the dashed lines to
# show.

# %%
for feature in ("applications_30d", "applications_90d", "loans_12m"):
    feature_effects(feature)

# %% [markdown]
# ## 3 · Multi-platform borrowing
#
# Borrowing on several lending platforms at once (多头借贷) is a classic warning sign in
# app-based lending: each platform sees a small loan, none sees the total. Beyond eight
# platforms the policy's knock-out rule declines outright, whatever the score.

# %%
platforms = feature_effects("active_platforms")

# %% [markdown]
# ## 4 · Overdue history
#
# Late repayments in the last 24 months, counted and at their worst. 30 days past due is
# the point at which most lenders report a delay; the dashed lines show how the truth
# charges the count and the worst delay.

# %%
for feature in ("overdue_count_24m", "max_dpd_24m"):
    feature_effects(feature)

# %% [markdown]
# ## What an applicant can do about it
#
# A *time-decaying* feature improves on its own: application counts age out of their 30-
# and 90-day windows, platforms out of six months, overdue history out of 24 months.
# Waiting is a real recourse there, and the approval charts say how much it is worth.

# %%
kinds = {f: run.registry[f].kind for f in FEATURES}
decaying = [charts.label(f, lang) for f, kind in kinds.items() if kind == "time_decaying"]
others = [charts.label(f, lang) for f, kind in kinds.items() if kind != "time_decaying"]
lines = [f"Time-decaying: {', '.join(decaying) or 'none'}; not: {', '.join(others) or 'none'} "
         "(they change only when the applicant's situation does).", ""]
for feature, table in (("income_volatility", volatility), ("active_platforms", platforms)):
    binned = say.table(table[table["bin"] != effects.MISSING_BIN], f"approval_{feature}")
    low, high = binned.iloc[0], binned.iloc[-1]
    lines.append(f"* **{charts.label(feature, lang)}**: from the lowest bin ({low['bin']}) to the "
                 "highest (" + str(high["bin"]) + "), approval "
                 + say.change(low["approval_rate"], high["approval_rate"], decimals=0,
                              table=f"approval_{feature}")
                 + "; with the true PD it "
                 + say.change(low["approval_rate_truth"], high["approval_rate_truth"], decimals=0,
                              table=f"approval_{feature}")
                 + ".")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Reading
#
# * Monotone constraints fix the *direction* of every effect by construction (the summary
#   table's last column checks it); the *size* of each effect is what the data can support,
#   and the sentences under each feature say how close it came.
# * Where the model and the truth part, look first at pairs of correlated features, which
#   can trade the effect between them, and at sparse tails. Approval by feature answers
#   another question than the individual curves (compare the bars with the true-PD line):
#   the decision depends on the sum, but a reason code quoting one feature depends on the
#   split.
# * The occupation interaction needs many volatile earners in every occupation to be
#   learned; the table above says how much of it this run's model has found.

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
