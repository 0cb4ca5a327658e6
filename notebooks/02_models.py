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
from riskkit.core.narrative import Narrative
from riskkit.evaluate import effects
from riskkit.reporting.findings import PSI_STABLE, ece_noise
from riskkit.reporting.in_notebook import publisher, setup
from riskkit.reporting.narration import as_table, publish_claims

lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed
say = Narrative()  # every comparison below is worded by its numbers


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
gap = say.table(effects.oracle_gap(models, test, approval_rate=approval), "gap")
gap.round(4)

# %%
lgbm, card, oracle = (gap.loc[name] for name in ("lgbm", "scorecard", "oracle"))
ranking = say.compare("LightGBM", lgbm["share_of_oracle_gini"], "the scorecard",
                      card["share_of_oracle_gini"], unit="%", decimals=1, table="gap")
display(Markdown(
    f"On the share of the oracle's Gini each recovers, {ranking}. At {approval:.0%} approved, "
    "on the bad rate of the approved book (lower is better), "
    + say.compare("LightGBM", lgbm["bad_rate_approved"], "the oracle", oracle["bad_rate_approved"],
                  higher_is_better=False, unit="%", decimals=2, table="gap")
    + " and "
    + say.compare("the scorecard", card["bad_rate_approved"], "the oracle",
                  oracle["bad_rate_approved"], higher_is_better=False, unit="%", decimals=2,
                  table="gap")
    + ". On the share of its Gini, the best fitted model "
    + say.pick(gap.drop(index="oracle")["share_of_oracle_gini"].max(), oracle["share_of_oracle_gini"],
               ("ranks above the oracle on this sample", "stays below the oracle",
                "ties with the oracle"), unit="%", decimals=1, table="gap")
    + ". A fitted model that beats the oracle, on either measure, does so by chance on a sample "
    "this size: none beats the true PD on average. The outcome of an applicant with a 4 % PD is a coin flip no model can call, so the "
    "room left is noise as much as signal. The row-level numbers matter more for explanations: "
    "two models with the same Gini can disagree about individual applicants."))

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
for ax, (name, shown) in zip(fig.subplots(1, 2, sharey=True),
                             (("scorecard", "Scorecard"), ("lgbm", "LightGBM")), strict=True):
    charts.plot_reliability({f"{shown} (raw)": (y, models[name].predict_pd(test, raw=True)),
                             f"{shown} (calibrated)": (y, pds[name]),
                             "oracle": (y, pds["oracle"])}, ax=ax, lang=lang)
    heading = ax.get_title(loc="left")
    ax.set_title(shown, loc="left")  # each panel names its model; "...: lgbm" was clipped
fig.suptitle(heading)  # the subject once, over both panels
show(fig, "reliability")

# %%
calibration = pd.DataFrame({name: entry["calibration"]
                            for name, entry in run.metrics["models"].items()}).T
# the ECE a perfectly calibrated model shows by chance on this many test rows
calibration["ece_noise"] = ece_noise(float(y.mean()), len(y))
calibration["ece_change"] = calibration["ece_test_after"] - calibration["ece_test_before"]
say.table(calibration.drop(columns="method"), "calibration")
calibration[["method", "slope", "intercept", "ece_test_before", "ece_test_after", "ece_noise"]]

# %% [markdown]
# ## Stability: PSI of the score, CSI of the features
#
# The population stability index compares a distribution at training time with a later one
# (< 0.1 stable, 0.1–0.25 worth a look, > 0.25 shifted). This run's later cohort comes from
# the same world, so everything should read *stable*; the sentence under the chart says
# whether it does. Notebook 06 repeats the check on a downturn cohort.

# %%
psi = say.table(pd.DataFrame({
    f"score PSI ({run.metrics['models']['lgbm']['psi_reference']})":
        pd.Series({name: entry["psi"] for name, entry in run.metrics["models"].items()}),
    "stable below": PSI_STABLE}), "psi")
psi.round(4)

# %%
csi = pd.read_csv(run.path / "tables" / "csi.csv").set_index("feature")["csi"]
show(charts.plot_psi(csi, lang=lang), "csi")
say.table(as_table(csi).assign(stable_below=PSI_STABLE), "csi")
display(Markdown(
    f"The largest score PSI is {psi.iloc[:, 0].max():.4f} ({psi.iloc[:, 0].idxmax()}): it "
    + say.pick(psi.iloc[:, 0].max(), PSI_STABLE, (
        "is not below 0.1, although both cohorts come from one world: worth a look",
        "is below 0.1, stable, as two cohorts of one world should be", "sits at 0.1"), table="psi")
    + f". The largest feature CSI is {csi.max():.4f} ({charts.label(csi.idxmax(), lang)}): it "
    + say.pick(csi.max(), PSI_STABLE, ("is not below 0.1: that feature's distribution moved",
                                       "is below 0.1, stable", "sits at 0.1"), table="csi")
    + "."))

# %% [markdown]
# ## The swap set: where the two fitted models disagree
#
# At the same approval rate, the applicants approved by only one model are the whole
# difference between the two; their bad rates say which model is right about them.

# %%
swap = ev.swap_set(y, pds["scorecard"], pds["lgbm"], approval)
show(charts.plot_swap_set(swap, lang=lang), "swap_set")

# %%
say.table(swap[["count", "share", "bad_rate"]], "swap")
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
only_card, only_lgbm = swap.loc["only scorecard"], swap.loc["only lgbm"]
ece = calibration.loc[["scorecard", "lgbm"]]


def map_verdict(change):
    """What the calibration map did to the two models' test ECE, from both the largest and
    the smallest change: the largest alone says "changed neither" when one stayed and the
    other improved."""
    worst = say.pick(change.max(), 0.0, (
        "Where the map made the ECE worse, the map (fitted on the validation split) does "
        "not carry to the test split: on this few rows that is as likely noise as a bad fit",
        "The map improved both", "The map made neither worse"), unit="", decimals=4,
        table="calibration")
    if worst != "The map made neither worse":
        return worst
    return worst + ": " + say.pick(change.min(), 0.0, (
        "it changed neither", "it improved one and left the other as it was",
        "it changed neither"), unit="", decimals=4, table="calibration")
display(Markdown("\n".join([
    f"* On this run, {ranking}.",
    f"* Where they disagree (the swap set, {only_card['count']:,} and {only_lgbm['count']:,} "
    f"applicants, {only_card['share'] + only_lgbm['share']:.1%} of all; the two agree on the "
    f"rest), on the bad rate of the applicants only one of them approves, "
    + say.compare("LightGBM's", only_lgbm["bad_rate"], "the scorecard's", only_card["bad_rate"],
                  higher_is_better=False, unit="%", decimals=1, table="swap")
    + ": small groups, so read them with their size.",
    "* Platt scaling: " + "; ".join(
        f"the {'LightGBM' if name == 'lgbm' else name}'s test ECE "
        + say.change(row["ece_test_before"], row["ece_test_after"], unit="", decimals=4,
                     table="calibration")
        + " (" + say.pick(row["ece_test_after"], row["ece_noise"], (
            "above", "within", "at"), unit="", decimals=4, table="calibration") + " the noise)"
        for name, row in ece.iterrows())
    + f"; the noise, the ECE a perfectly calibrated model shows by chance on {len(y):,} rows, "
    f"is {ece['ece_noise'].iloc[0]:.4f}. " + map_verdict(ece["ece_change"])
    + ".",
    "* " + say.pick(card["share_of_oracle_gini"], lgbm["share_of_oracle_gini"], (
        "The scorecard ranks better on this run, and it is the simpler model to defend: "
        "LightGBM has to earn its place in the tails or in how it explains individual applicants",
        "LightGBM ranks better on this run; whether that is worth a model harder to defend "
        "than a points table is the lender's call, made with the size of the gap above",
        "The two rank alike on this run, and the scorecard is the simpler model to defend"),
        unit="%", decimals=1, table="gap")
    + ". Which model tells the *true story about each feature* is a different question from "
    "which ranks best: notebook 03 answers it feature by feature.",
])))

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
