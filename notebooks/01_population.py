# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · The synthetic population
#
# Before fitting a single model we look at the world the models will be fitted on: who
# applies, how often each group defaults, and, because this world is synthetic, **what
# really drives default**. Every later notebook compares a model or an explanation with
# the truth shown here.
#
# The population mimics applicants to a micro-loan line inside a payment app. Risk rises
# with unstable income, frequent applications, borrowing on many platforms at once and a
# record of overdue repayments; the true probability of default (PD) of every applicant is
# known, and so is each feature's exact contribution to it.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
world = "baseline"  # the shape of the truth when no run is given (a run brings its own)
bad_rate = 0.04
fig_dir = "_executed/figures/01_population"
lang = "en"

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

from riskkit.charts import label
from riskkit.charts import population as pc
from riskkit.core import features as F
from riskkit.core.narrative import Narrative, fmt
from riskkit.explain.wording import category_text
from riskkit.reporting.in_notebook import load_population, publisher, setup
from riskkit.reporting.narration import as_table, publish_claims
from riskkit.reporting.story_tables import driver_summary
from riskkit.synth import World

lang = setup(lang)
pop = load_population(rows, seed, run_dir, world=None if run_dir else World(world, bad_rate))
origin = f"run {Path(run_dir).name}" if run_dir else f"{world} world, seed {seed}"
show = publisher(None, fig_dir, source=f"riskkit · {origin} · {len(pop):,} applicants")
say = Narrative()  # every direction word below is chosen by the numbers it describes


def job(level):
    """An occupation as a sentence names it ("internet industry")."""
    return category_text("occupation", level) or str(level)

# %% [markdown]
# ## Data card
#
# The headline numbers first. The *oracle AUC* is the discrimination of the true PD itself:
# no model fitted on these features can rank applicants better on average (on one small
# sample a model can beat it by chance), so it is the ceiling for every model in the
# notebooks that follow.

# %%
summary = say.table(pc.population_summary(pop), "summary")
display(Markdown(
    f"**{summary['rows']:,.0f} applicants**, of whom **{summary['bad_rate']:.2%}** defaulted "
    f"(90+ days past due within 12 months); oracle AUC **{summary['oracle_auc']:.3f}**; base "
    f"log-odds {summary['base_logit']:.2f}. The observed bad rate is "
    + say.pick(summary["bad_rate"], summary["mean_true_pd"], ("above", "below", "the same as"),
               unit="%", decimals=2, table="summary")
    + f" the mean true PD ({summary['mean_true_pd']:.2%}): a sample's defaults are a draw "
    "from its true PDs, so the two differ by chance."))
as_table(summary, "population").style.format("{:,.4g}")

# %% [markdown]
# Every column comes from the feature registry (`riskkit.core.features`): one place for its
# meaning, unit, risk direction and whether an applicant can act on it. *Time-decaying*
# features (application counts, overdue history) improve on their own as months pass;
# that is the lever of the "borrowed once, then ineligible" story.

# %%
pc.data_card(pop, lang).style.set_properties(**{"text-align": "left"})

# %% [markdown]
# ## Who applies
#
# The distributions of the applicants' profile, income and borrowing history; the
# sentences under the charts read the same population.

# %%
fig = pc.plot_distributions(pop, [
    "age", "occupation", "city_tier", "monthly_income", "income_volatility",
    "applications_30d", "active_platforms", "overdue_count_24m", "credit_utilization",
], lang=lang)
show(fig, "distributions")

# %%
occupations = pc.bad_rate_table(pop, "occupation").assign(
    median_income_volatility=pop.groupby("occupation", observed=True)["income_volatility"].median())
say.table(occupations, "occupations")
by_share = occupations.sort_values("share", ascending=False)
by_volatility = occupations.sort_values("median_income_volatility")
shares = say.table(as_table(pd.Series({
    "under 30 years old": (pop["age"] < 30).mean(),
    "30 years old or over": (pop["age"] >= 30).mean(),
    "no application in the last 30 days": (pop["applications_30d"] == 0).mean(),
    "no lending platform in use": (pop["active_platforms"] == 0).mean(),
    "no overdue repayment in 24 months": (pop["overdue_count_24m"] == 0).mean()}), "share of applicants"),
    "who")["share of applicants"]
display(Markdown(
    f"Applicants under 30 ({fmt(shares.iloc[0])}) "
    + say.pick(shares.iloc[0], shares.iloc[1], ("outnumber", "are outnumbered by", "are as many as"),
               unit="%", table="who")
    + f" those 30 or over ({fmt(shares.iloc[1])}). The largest occupation is **{job(by_share.index[0])}** ({fmt(by_share['share'].iloc[0])}), "
    + say.pick(by_share["share"].iloc[0], by_share["share"].iloc[1], ("ahead of", "behind", "level with"),
               unit="%", table="occupations")
    + f" {job(by_share.index[1])} ({fmt(by_share['share'].iloc[1])}). From the steadiest occupation "
    f"({job(by_volatility.index[0])}) to the most volatile ({job(by_volatility.index[-1])}), median "
    "income volatility "
    + say.change(by_volatility["median_income_volatility"].iloc[0],
                 by_volatility["median_income_volatility"].iloc[-1], unit="%", table="occupations")
    + ". "
    f"{fmt(shares.iloc[2])} applied nowhere in the last 30 days and {fmt(shares.iloc[4])} "
    "have no overdue repayment; the others spread over the tails the charts show."))
shares.to_frame().style.format("{:.1%}")

# %% [markdown]
# ## Who defaults: bad rate by segment
#
# Bars are observed bad rates with 95 % intervals; diamonds are the mean *true* PD of the
# segment.

# %%
fig = pc.plot_bad_rate_by_segment(pop, "occupation", lang=lang)
show(fig, "bad_rate_by_occupation")

# %%
observed = occupations.sort_values("bad_rate", ascending=False)
true_top = occupations["mean_true_pd"].idxmax()
display(Markdown(
    f"Observed, the riskiest occupation is **{job(observed.index[0])}** "
    f"({fmt(observed['bad_rate'].iloc[0])}) and the safest {job(observed.index[-1])} "
    f"({fmt(observed['bad_rate'].iloc[-1])}). By the true PD the riskiest occupation is "
    f"**{job(true_top)}** ({fmt(occupations.loc[true_top, 'mean_true_pd'])}): at the top, the "
    "observed ranking "
    + say.pick(occupations.loc[observed.index[0], "mean_true_pd"],
               occupations.loc[true_top, "mean_true_pd"], ("agrees with", "disagrees with", "agrees with"),
               unit="%", decimals=4, table="occupations")
    + " the true one. Both rest on segment sizes: a small segment's rate is read with its interval."))
occupations[["count", "share", "bad_rate", "mean_true_pd", "median_income_volatility"]].rename(
    index=job).style.format(
    {"count": "{:,}", "share": "{:.1%}", "bad_rate": "{:.2%}", "mean_true_pd": "{:.2%}",
     "median_income_volatility": "{:.0%}"})

# %% [markdown]
# City tier is the notebooks' probe: the synthetic world is built to give it no effect of
# its own on risk, so any gap between tiers comes from who lives there (income,
# occupation), not from the city, and a model that gives city tier weight of its own is
# learning a proxy. Later notebooks use it as a probe; the sentence under the chart checks
# the truth of this run's population.

# %%
fig = pc.plot_bad_rate_by_segment(pop, "city_tier", lang=lang)
show(fig, "bad_rate_by_city_tier")

# %%
tiers = say.table(pc.bad_rate_table(pop, "city_tier").assign(
    max_abs_true_contribution=pop.groupby("city_tier")[F.contrib_column("city_tier")].apply(
        lambda c: c.abs().max())), "tiers")
display(Markdown(
    f"Observed bad rates by tier run from {fmt(tiers['bad_rate'].min())} to "
    f"{fmt(tiers['bad_rate'].max())}, the mean true PD from {fmt(tiers['mean_true_pd'].min())} to "
    f"{fmt(tiers['mean_true_pd'].max())}; the true contribution of city tier itself is "
    + say.pick(tiers["max_abs_true_contribution"].max(), 0.0,
               ("not zero for some applicants", "not zero for some applicants",
                "zero for every applicant"), decimals=6, table="tiers")
    + ", so what gap there is comes from who lives in each tier."))
tiers[["count", "bad_rate", "mean_true_pd", "max_abs_true_contribution"]].style.format(
    {"count": "{:,}", "bad_rate": "{:.2%}", "mean_true_pd": "{:.2%}",
     "max_abs_true_contribution": "{:.3f}"})

# %% [markdown]
# ## The truth, driver by driver
#
# Applicants grouped into quintiles of four drivers of the story (ties are kept together,
# so a count that is mostly zero gets groups "0", "1", "2", ...). The dashed line is the
# mean true PD, the points the bad rate a lender would observe on this sample. Under the
# chart: how far the truth and the observed rate move from each driver's lowest group to
# its highest, and how many groups' 95 % intervals hold their mean true PD.

# %%
fig = pc.plot_truth_by_quantile(pop, pc.KEY_DRIVERS, lang=lang)
show(fig, "true_pd_by_quintile")

# %%
drivers = say.table(driver_summary(pop, pc.KEY_DRIVERS), "drivers")
display(Markdown("\n".join(
    f"* **{label(d, lang)}** (groups {r['lowest']} to {r['highest']}): the true PD "
    + say.change(r["true_pd_lowest"], r["true_pd_highest"], table="drivers")
    + ", the observed bad rate "
    + say.change(r["bad_rate_lowest"], r["bad_rate_highest"], table="drivers")
    + f"; {r['covered']} of {r['groups']} groups' intervals hold the truth."
    for d, r in drivers.iterrows())
    + f"\n\nIn all {drivers['covered'].sum()} of {drivers['groups'].sum()} intervals hold their "
    "mean true PD, where about 95 % would by chance."))
drivers.drop(columns="covered_share").style.format(
    {c: "{:.2%}" for c in drivers.columns if c.startswith(("true_pd", "bad_rate"))})

# %% [markdown]
# ## The true contributions
#
# Each applicant's true log-odds is a base value plus one exact contribution per feature
# (interventional Shapley values of the true risk function, summing to the total). Red is
# the average push up among applicants it raises risk for, blue the average pull down.

# %%
fig = pc.plot_true_contributions(pop, lang=lang)
show(fig, "true_contributions")

# %%
contributions = say.table(pc.true_contribution_table(pop), "contributions")
up, down = contributions["raises"].idxmax(), contributions["lowers"].idxmin()
flat = [label(n, lang) for n in contributions.index[contributions["mean_abs"] == 0]]
display(Markdown(
    f"The largest average push up is **{label(up, lang)}**'s "
    f"({contributions.loc[up, 'raises']:+.2f} log-odds), the largest pull down "
    f"**{label(down, lang)}**'s ({contributions.loc[down, 'lowers']:+.2f}): "
    + say.pick(contributions.loc[down, "raises"], contributions.loc[up, "raises"],
               ("the same feature both ways", "two different features",
                "the same feature both ways"), table="contributions")
    + ". No true effect at all: "
    + (", ".join(flat) if flat else "none") + "."))
contributions.rename(index=lambda n: label(n, lang)).style.format("{:+.3f}")

# %% [markdown]
# ## What comes next
#
# The next notebooks fit the oracle, a WoE scorecard and a monotone LightGBM on this
# population, measure how close each comes to the oracle AUC above, and check whether
# their explanations recover the true contributions shown here.

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
