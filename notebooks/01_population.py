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
from IPython.display import Markdown, display

from riskkit.charts import export
from riskkit.charts import population as pc
from riskkit.reporting.in_notebook import load_population, setup
from riskkit.synth import World

lang = setup(lang)
pop = load_population(rows, seed, run_dir, world=None if run_dir else World(world, bad_rate))

# %% [markdown]
# ## Data card
#
# The headline numbers first. The *oracle AUC* is the discrimination of the true PD itself:
# no model fitted on these features can rank applicants better, so it is the ceiling for
# every model in the notebooks that follow.

# %%
summary = pc.population_summary(pop)
display(Markdown(
    f"**{summary['rows']:,.0f} applicants**, of whom **{summary['bad_rate']:.2%}** defaulted "
    f"(90+ days past due within 12 months); mean true PD {summary['mean_true_pd']:.2%}; "
    f"oracle AUC **{summary['oracle_auc']:.3f}**; base log-odds {summary['base_logit']:.2f}."
))

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
# Young applicants dominate, salaried private-sector jobs are the largest group, and
# income volatility has two humps: stable salaried earners and volatile freelancers,
# self-employed and young internet-industry workers. Counts of applications, platforms and
# overdue repayments are mostly zero with long tails.

# %%
fig = pc.plot_distributions(pop, [
    "age", "occupation", "city_tier", "monthly_income", "income_volatility",
    "applications_30d", "active_platforms", "overdue_count_24m", "credit_utilization",
], lang=lang)
export(fig, "distributions", fig_dir)
fig

# %% [markdown]
# ## Who defaults: bad rate by segment
#
# Bars are observed bad rates with 95 % intervals; diamonds are the mean *true* PD of the
# segment. Students and freelancers default most: volatile income, little history.

# %%
fig = pc.plot_bad_rate_by_segment(pop, "occupation", lang=lang)
export(fig, "bad_rate_by_occupation", fig_dir)
fig

# %% [markdown]
# City tier has **no true effect** on risk by construction. Any gap between tiers below
# comes from who lives there (income, occupation), not from the city: a model that gives
# city tier weight of its own is learning a proxy. Later notebooks use it as a probe.

# %%
fig = pc.plot_bad_rate_by_segment(pop, "city_tier", lang=lang)
export(fig, "bad_rate_by_city_tier", fig_dir)
fig

# %% [markdown]
# ## The truth, driver by driver
#
# Applicants grouped into quintiles of four drivers of the story (ties are kept together,
# so a count that is mostly zero gets groups "0", "1", "2", ...). The dashed line is the
# mean true PD, the points the bad rate a lender would observe on this sample: the truth
# rises steeply with each driver, and the sample follows it within its noise.

# %%
fig = pc.plot_truth_by_quantile(pop, pc.KEY_DRIVERS, lang=lang)
export(fig, "true_pd_by_quintile", fig_dir)
fig

# %%
pc.truth_by_quantile(pop, "income_volatility")[["count", "bad_rate", "mean_true_pd"]].style.format(
    {"count": "{:,}", "bad_rate": "{:.2%}", "mean_true_pd": "{:.2%}"})

# %% [markdown]
# ## The true contributions
#
# Each applicant's true log-odds is a base value plus one exact contribution per feature
# (interventional Shapley values of the true risk function, summing to the total). Red is
# the average push up among applicants it raises risk for, blue the average pull down.
# Income volatility moves risk most in both directions; city tier has no bar at all.

# %%
fig = pc.plot_true_contributions(pop, lang=lang)
export(fig, "true_contributions", fig_dir)
fig

# %% [markdown]
# ## What comes next
#
# The next notebooks fit the oracle, a WoE scorecard and a monotone LightGBM on this
# population, measure how close each comes to the oracle AUC above, and check whether
# their explanations recover the true contributions shown here.
