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
# # 10 · How true are our reasons?
#
# A denial letter must give the specific, principal reasons for the decision (Regulation B;
# the CFPB's circulars 2022-03 and 2023-03 say this holds however complex the model is).
# riskkit knows every applicant's true contributions, so it can check whether a letter's
# reasons are the true ones, if it compares like with like: a letter says "what sets you
# apart from *those we approve*", so the truth must be measured from the same people, and
# each model must be graded on the applicants *it* declines.
#
# 1. **like for like, or not**: the same run graded three ways;
# 2. **accuracy by model, lever and world**: LightGBM with additive or driver-group-wise
#    interactions, an Explainable Boosting Machine, the background, reasons by feature or by
#    driver group (the unit a letter speaks in, "borrowing frequency");
# 3. **what each lever costs** in AUC; 4. **stability** across a refit with another seed;
# 5. **accuracy against training rows**; 6. **denied applicants whose first reason is
#    wrong**, next to the truth; 7. **a recommendation** built from the numbers.
#
# Every point is an ordinary run folder of a sweep folder, reused when the notebook runs
# again (`riskkit sweep` does the same from the command line).

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"
sweep_dir = None  # default: next to fig_dir
workers = 1
max_rows = None  # largest size on the accuracy-against-rows curve (default 5 x rows)

# %%
from pathlib import Path

from IPython.display import Markdown, display

from riskkit import charts
from riskkit.charts.reasons import plot_accuracy_vs_rows, plot_auc_cost, plot_reason_accuracy
from riskkit.core.narrative import Narrative
from riskkit.experiment import levers as L
from riskkit.experiment.runfolder import load_run
from riskkit.reporting.in_notebook import publisher, setup
from riskkit.reporting.narration import publish_claims

lang = setup(lang)
say = Narrative()  # every verdict and direction below is chosen by the numbers
quick = rows < 10_000  # the test suite's small size: the fewest runs that tell the story
out = Path(sweep_dir) if sweep_dir else Path(fig_dir).parent / "10_levers"
base = {"name": "nb10", "seed": seed, "data": {"rows": rows, "oot": {"rows": max(rows // 4, 1000)}},
        "models": {"ebm": {"outer_bags": 2 if quick else 8}},
        "explain": {"splits": ["test"]}, "figures": {"enabled": False}}
levers = ["lgbm", "lgbm_groups", "ebm"] if quick else list(L.LEVERS)
worlds = ["baseline"] if quick else ["baseline", "interacting"]

# %% [markdown]
# ## 1 · Like for like, or not
#
# The default run (LightGBM deployed, letters against the approved applicants), graded
# three ways: each model's own contributions against the truth's reference sample (unlike
# things), tree models explained against that sample, and like for like (the letters' own
# comparison group on both sides, on each model's own denials). The oracle *is* the truth,
# so like for like must give it 1.0: its row checks the grading itself.

# %%
table = L.run_levers(base, levers, {"data.world": worlds}, out, workers=workers)
here = table[table["data.world"] == "baseline"]
default_run = load_run(out / "lgbm" / here[here["lever"] == "lgbm"]["run"].iloc[0])
show = publisher(default_run, fig_dir)
L.definitions_table(default_run.metrics).round(3)

# %% [markdown]
# ## 2 · Accuracy by model, lever and world
#
# The share of the letters' top-3 reasons that are among the true top 3, like for like, by
# feature and by driver group; the dashed line is the aim of 85 %.

# %%
for world in worlds:
    fig = plot_reason_accuracy(table[table["data.world"] == world], lang=lang)
    charts.retitle(fig.axes[0], f"{world} world", sep=" — ")  # one chart per world
    show(fig, f"reason_accuracy_{world}")
table.pivot_table(index="lever", columns=["data.world", "unit"], values="top3").round(3)

# %% [markdown]
# ## 3 · What each lever costs in AUC
#
# Against the default LightGBM of the same world and size (positive: the lever loses AUC).
# The dashed line is the 0.003 a lever may cost.

# %%
show(plot_auc_cost(here, lang=lang), "auc_cost")
here[here["unit"] == "group"][["lever", "auc", "auc_cost"]].round(4)

# %% [markdown]
# ## 4 · Stability across retrains
#
# The share of denied applicants whose top-3 reasons stay the same when the deployed model
# is refitted with another seed (and, in the table, when the background is drawn again).

# %%
show(plot_reason_accuracy(here, "retrain_same_top3", aim=0.9, lang=lang), "stability_retrain")
here[["lever", "unit", "retrain_same_top3", "redraw_same_top3"]].round(3)

# %% [markdown]
# ## 5 · Accuracy against training rows
#
# The most accurate lever that keeps the AUC, at more training rows; a power law fitted to
# the error says how many rows would reach 90 % where the measured points do not.

# %%
best = L.best_lever(here)
row_grid = [rows, 2 * rows] if quick else L.row_grid(rows, max_rows or 5 * rows)
curve = L.run_levers(base, [best], {"data.rows": row_grid}, out, workers=workers)
by_group = curve[curve["unit"] == "group"]
needed = L.rows_to_reach(by_group["train_rows"], by_group["top3"], 0.9)
show(plot_accuracy_vs_rows(curve, "train_rows", aim=0.9, needed=needed, lang=lang),
     "accuracy_vs_rows")
display(Markdown(L.rows_sentence(by_group, needed, 0.9, say=say)))
curve[["data.rows", "train_rows", "unit", "top3", "auc"]].round(4)

# %% [markdown]
# ## 6 · Denied applicants whose first reason is wrong, next to the truth
#
# The best lever's letters (by driver group) where the first reason is not the true first:
# the letter's three reasons and the truth's, log-odds measured from the same approved
# applicants. `letter_first_true_value` is what the truth says the letter's first reason
# really did.

# %%
best_run = load_run(out / best / here[(here["lever"] == best)]["run"].iloc[0])
L.wrong_first_reasons(best_run, best_run.world.truth(), n=6, unit="group")

# %% [markdown]
# ## 7 · Recommendation

# %%
display(Markdown(L.recommend(here, say=say)))

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
