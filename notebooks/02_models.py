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
# # 02 · Models compared: scorecard, LightGBM and the oracle
#
# Three models score the same applicants:
#
# * a **points scorecard** (optimal binning, weight of evidence, logistic regression), the
#   model most lenders still file with their regulator;
# * **LightGBM** with the registry's monotone constraints, the model the policy deploys;
# * the **oracle**, the true probability of default (PD) of the synthetic world. No model
#   fitted on these features can beat it, so it turns "is 0.84 a good AUC?" into "how much
#   of the reachable ranking does the model recover?"
#
# Everything below reads one experiment run (`riskkit run`): its models, metrics and test
# split. With `run_dir = None` the newest run of this size and seed is used, or a new one
# is made.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"

# %%
import pandas as pd
from IPython.display import Markdown, display
from matplotlib.figure import Figure

import riskkit
import riskkit.experiment
from riskkit import charts
from riskkit import evaluate as ev
from riskkit.core.features import TARGET
from riskkit.evaluate import effects
from riskkit.reporting.in_notebook import publisher, setup

lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed


# %%
test = run.data("test")
y = test[TARGET]
models = {name: run.model(name) for name in ("scorecard", "lgbm", "oracle")}
pds = {name: model.predict_pd(test) for name, model in models.items()}
approval = run.metrics["policy"]["approval_rate"]
display(Markdown(
    f"Run **{run.name}**: {len(test):,} test applicants, bad rate {y.mean():.2%}; "
    f"the policy deploys **{run.deployed_model_name}** and approves {approval:.0%} of them."))

# %% [markdown]
# ## The headline metrics
#
# AUC and Gini measure ranking, KS the largest gap between the score distributions of goods
# and bads, Brier and log loss the PDs themselves, ECE their calibration. *Test* is a
# random hold-out of the training cohort; *oot* a later cohort (out of time).

# %%
metrics = pd.DataFrame({(name, split): entry[split]
                        for name, entry in run.metrics["models"].items()
                        for split in ("test", "oot") if split in entry}).T
metrics.index.names = ["model", "sample"]
metrics.round(4)

# %%
show(charts.plot_roc({name: (y, p) for name, p in pds.items()}, lang=lang), "roc")

# %% [markdown]
# ## How close to the oracle?
#
# An AUC on its own says little: its ceiling depends on how predictable default is in the
# population. Here the ceiling is known. The table puts each model against the oracle on the
# same applicants: the **share of the oracle's Gini** it recovers, the **bad rate among the
# approved** at the deployed approval rate (and its excess over the oracle's: what the gap
# costs the lender), and how well the model's log-odds track the true log-odds row by row.

# %%
gap = effects.oracle_gap(models, test, approval_rate=approval)
gap.round(4)

# %%
lgbm_share, card_share = gap.loc["lgbm", "share_of_oracle_gini"], gap.loc["scorecard", "share_of_oracle_gini"]
display(Markdown(
    f"LightGBM recovers **{lgbm_share:.0%}** of the oracle's Gini and the scorecard "
    f"**{card_share:.0%}**. At {approval:.0%} approved, LightGBM's book has "
    f"{gap.loc['lgbm', 'excess_bad_rate']:+.2%} bad rate against the oracle's, the scorecard's "
    f"{gap.loc['scorecard', 'excess_bad_rate']:+.2%}. A share near (or, on a small sample, "
    "above) 100 % means the remaining room is noise: the outcome of an applicant with a "
    "4 % PD is a coin flip no model can call. The row-level numbers matter more for "
    "explanations: two models with the same Gini can disagree about individual applicants."))

# %% [markdown]
# ## Gains and the strategy curve
#
# Gains: the share of all bads caught when the riskiest applicants are declined first. The
# strategy curve is the lender's view of the same ranking: the bad rate of the approved book
# at every approval rate, with the deployed policy marked.

# %%
show(charts.plot_gains({name: (y, p) for name, p in pds.items()}, lang=lang), "gains")

# %%
show(charts.plot_strategy_curve({name: (y, p) for name, p in pds.items()}, lang=lang,
                                approval_rate=approval), "strategy_curve")

# %% [markdown]
# ## Calibration before and after Platt scaling
#
# A ranking model's raw output is rarely a PD: boosting and WoE regressions are fitted on
# the training bad rate and shrink or stretch the log-odds. Each fitted model gets a Platt
# map (slope and intercept on the log-odds) fitted on the validation split. The oracle is
# calibrated by construction and is left alone.

# %%
fig = Figure(figsize=(9.5, 3.9))
for ax, name in zip(fig.subplots(1, 2, sharey=True), ("scorecard", "lgbm"), strict=True):
    charts.plot_reliability({f"{name} (raw)": (y, models[name].predict_pd(test, raw=True)),
                             f"{name} (calibrated)": (y, pds[name]),
                             "oracle": (y, pds["oracle"])}, ax=ax, lang=lang)
    ax.set_title(f"{ax.get_title()}: {name}")
show(fig, "reliability")

# %%
calibration = pd.DataFrame({name: entry["calibration"]
                            for name, entry in run.metrics["models"].items()}).T
calibration[["method", "slope", "intercept", "ece_test_before", "ece_test_after"]]

# %% [markdown]
# ## Stability: PSI of the score, CSI of the features
#
# The population stability index compares a distribution at training time with a later one
# (< 0.1 stable, 0.1–0.25 worth a look, > 0.25 shifted). This run's later cohort comes from
# the same baseline world, so everything should read *stable*; notebook 06 repeats the
# check on a downturn cohort.

# %%
pd.Series({name: entry["psi"] for name, entry in run.metrics["models"].items()},
          name=f"score PSI ({run.metrics['models']['lgbm']['psi_reference']})").round(4)

# %%
csi = pd.read_csv(run.path / "tables" / "csi.csv").set_index("feature")["csi"]
show(charts.plot_psi(csi, lang=lang), "csi")

# %% [markdown]
# ## The swap set: where the two fitted models disagree
#
# At the same approval rate most applicants are treated alike by both models. The ones
# approved by only one model are the whole difference between them; their bad rates say
# which model is right about them.

# %%
swap = ev.swap_set(y, pds["scorecard"], pds["lgbm"], approval)
show(charts.plot_swap_set(swap, lang=lang), "swap_set")

# %%
swap.round(4)

# %% [markdown]
# ## The scorecard's points table
#
# The scorecard's whole logic fits on one page: base points, plus the points of the bin each
# feature falls in. Higher points mean a safer applicant (600 points at 50:1 good:bad odds,
# 20 points to double the odds). Features whose coefficient came out with the wrong sign
# were dropped (zero points everywhere) so that risk never falls as a feature gets riskier.

# %%
scorecard = models["scorecard"]
if scorecard.dropped_:
    display(Markdown("Dropped: " + "; ".join(f"`{name}` ({why})"
                                             for name, why in scorecard.dropped_.items())))
points = scorecard.points_table()
points[points["count"] > 0][["feature", "bin", "count", "event_rate", "woe", "points"]].round(
    {"event_rate": 4, "woe": 3, "points": 1})

# %% [markdown]
# ## Reading

# %%
fitted = gap.drop(index="oracle")
calib = calibration.loc[["scorecard", "lgbm"]]
shares = " to ".join(dict.fromkeys(f"{v:.0%}" for v in sorted(fitted["share_of_oracle_gini"])))
display(Markdown("\n".join([
    f"* The fitted models recover {shares} of the oracle's Gini; at {approval:.0%} "
    f"approved the gap costs at most {fitted['excess_bad_rate'].max():+.2%} of bad rate. "
    f"Closest to the oracle on this run: **{fitted['share_of_oracle_gini'].idxmax()}**.",
    f"* Where they disagree (the swap set, {swap.loc['only scorecard', 'share']:.1%} of "
    f"applicants each way), the scorecard's own approvals default at "
    f"{swap.loc['only scorecard', 'bad_rate']:.1%} and LightGBM's at "
    f"{swap.loc['only lgbm', 'bad_rate']:.1%}: small groups, so read them with their size.",
    "* Platt scaling moves the test ECE " + ", ".join(
        f"of the {name} from {float(row['ece_test_before']):.4f} to {float(row['ece_test_after']):.4f}"
        for name, row in calib.iterrows()) + ".",
    "* When the scorecard is this close, it is the simpler model to defend; LightGBM has to "
    "earn its place in the tails or in how it explains individual applicants. Which model "
    "tells the *true story about each feature* is a different question from which ranks "
    "best: notebook 03 answers it feature by feature.",
])))
