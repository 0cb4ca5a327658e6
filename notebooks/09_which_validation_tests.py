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
# # 09 · Which validation tests can you trust?
#
# A validator signs off on a credit model with a standard battery: the AUC with its interval
# and a test of its decline, calibration tested grade by grade (binomial, Jeffreys, the
# normal approximation) and over the portfolio (Hosmer-Lemeshow, Spiegelhalter), stability
# (PSI, CSI), concentration (HHI) and migration. On real data nobody can say how often each
# test raises a false alarm, or misses a real defect, at a given sample size: the true PD of
# every borrower is unknown. Here it is known.
#
# The notebook draws a large pool of applicants from a riskkit World once, then draws
# samples from it again and again, each with fresh outcomes from the true PD, and scores
# them with a model that is exactly right, or wrong in a known way: PDs understated or
# overstated by a factor, one grade miscalibrated, a driver lost, the World drifted on a
# year while the model stayed, or defaults that share a common factor within the month. For each test and sample size it
# counts how often the test flags at the 5 % level, with a Clopper-Pearson interval: with
# no defect that is the **false-alarm rate**, which should be 5 %; with a defect it is the
# **power**. `riskkit validate-power CONFIG` runs the same study at full size
# (`power_dir` below reads its folder).

# %% tags=["parameters"]
rows = 20_000  # applicants in the pool; the study uses sample sizes up to this
seed = 7
run_dir = None  # not used: the study draws its own applicants from the world
fig_dir = "figures"
lang = "en"
reps = 200  # samples per defect and size
workers = 2  # processes
power_dir = None  # a `riskkit validate-power` folder to read instead of computing here

# %%
from types import SimpleNamespace

from IPython.display import Markdown, display

from riskkit import charts
from riskkit.core.narrative import Narrative
from riskkit.experiment.power_study import CHART_TESTS, study_for_notebook
from riskkit.reporting import power_words as words
from riskkit.reporting.in_notebook import publisher, setup
from riskkit.reporting.narration import publish_claims
from riskkit.synth import World
from riskkit.validate import CALIBRATION_TESTS, detectable, false_alarm_table

lang = setup(lang)
say = Narrative(lang)  # every verdict and direction below is chosen by the numbers
study = study_for_notebook(rows, seed, reps, power_dir, workers=workers)
rates, cells, alpha = study.rates, study.cells, study.meta["alpha"]
sizes = sorted(rates["n"].unique())
show = publisher(SimpleNamespace(name="validate-power", config={"seed": seed}), fig_dir)
display(Markdown(f"{study.meta['reps']} samples per defect and size, sizes "
                 f"{', '.join(f'{n:,}' for n in sizes)}, drawn from {study.meta['pool_rows']:,} "
                 f"applicants of {World.from_dict(study.meta['world']).label()}; the lost "
                 f"driver is `{study.meta['driver']}`, the miscalibrated grade "
                 f"{study.meta['grade']}."))

# %% [markdown]
# ## 1 · False alarms: a model that is exactly right
#
# Every calibration test below is applied to samples scored with the true PD. A test at its
# level flags 5 % of them. "Per grade (Holm)" flags a sample when Holm's correction still
# rejects a grade; "any grade" when any grade rejects on its own; "one grade" is the share
# of single grades rejected, the level each per-grade test is meant to hold.

# %%
table = false_alarm_table(rates, alpha)
show(charts.plot_false_alarms(rates, CALIBRATION_TESTS, alpha=alpha, lang=lang), "false_alarms")
table.round(4)

# %% [markdown]
# Which tests hold their level, and why the others do not (each verdict comes from the
# rate's interval: "at" when it contains 5 %):

# %%
display(Markdown("\n".join(f"* {s}" for s in words.false_alarm_sentences(table, alpha, lang,
                                                                         say=say))))

# %% [markdown]
# ## 2 · Defaults that move together
#
# The binomial, Jeffreys and normal tests assume independent defaults. In a real month they
# share the economy: Vasicek's one-factor model (the one inside the Basel IRB formula) gives
# every borrower's default a common factor with asset correlation ρ. The PD is still right
# on average, so every flag below is a false alarm. Only the binomial part of the default
# rate's spread shrinks as the sample grows, the common factor's does not; the sentence under
# the chart gives the rates this study measured at its smallest and largest sample. The table
# sets the default rate's spread across samples (`dr_sd`) beside Vasicek's (`theory_sd`,
# `riskkit.validate.default_rate_sd`) and the binomial one the tests assume.

# %%
rho = max(cells.loc[cells["kind"] == "correlation", "size"])
show(charts.plot_power(rates, "correlation", max(sizes), CHART_TESTS["correlation"],
                       alpha=alpha, lang=lang), "correlation")
display(Markdown(words.correlation_sentence(rates, cells, "jeffreys_portfolio", rho, lang,
                                            say=say)))
spread = cells[cells["kind"].isin(["none", "correlation"])]
spread[["kind", "size", "n", "dr_sd", "theory_sd", "binomial_sd"]].round(5)

# %% [markdown]
# ## 3 · Power: PDs understated by a factor
#
# The model's PD is the true PD times a factor (below 1: understated, the defect a
# regulator cares about; above 1: overstated, which the one-sided tests ignore by design).

# %%
for n in sizes:
    show(charts.plot_power(rates, "pd_scale", n, CHART_TESTS["pd_scale"], alpha=alpha,
                           lang=lang), f"power_pd_scale_{n}")

# %% [markdown]
# The smallest understatement each calibration test detects with 80 % power, at the
# largest sample studied up to 20,000 applicants (interpolated between the factors studied):

# %%
n_mid = max(n for n in sizes if n <= 20_000) if min(sizes) <= 20_000 else min(sizes)
found = detectable(rates, n_mid)
display(Markdown("\n".join(f"* {words.detectable_sentence(r, n_mid, lang)}"
                           for _, r in found.iterrows())))
found.round(4)

# %% [markdown]
# ## 4 · Other defects: one grade, a lost driver, a drifted population
#
# One grade's PDs understated; a model without the strongest driver of the true log-odds
# (re-centred, so its mean PD is still right); the World's own drift: applicants a year on,
# with the economy moved that share of the way to a downturn (lower incomes, more shocks
# and strain, a higher true risk at the same features), scored by the development model,
# which is what a run's out-of-time cohort with `data.oot.drift` sees. The migration tests
# grade the same applicants with the development model and the current one: they see a
# changed model, never a changed population.

# %%
for kind in ("grade_scale", "lost_driver", "drift"):
    show(charts.plot_power(rates, kind, max(sizes), CHART_TESTS[kind], alpha=alpha, lang=lang),
         f"power_{kind}")
hhi = say.table(rates[(rates["kind"] == "none") & (rates["test"] == "hhi")][
    ["n", "rate", "ci_low", "ci_high"]], "hhi")
display(Markdown("The ECB's concentration test compares the grades' coefficient of variation "
                 "now with development's. With grades of equal size at development its z is "
                 "√(K−1)/√(0.5+CV²) whatever happened since. Share of samples it flags when "
                 "the model is exactly right: "
                 + ", ".join(f"{r.rate:.0%} at {r.n:,} applicants ("
                             + say.interval(r.ci_low, r.ci_high, alpha,
                                            words.level_words(alpha, lang), table="hhi") + ")"
                             for r in hhi.itertuples())
                 + "."))
hhi.round(4)

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
