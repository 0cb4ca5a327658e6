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
# # 07 · When does LightGBM beat the scorecard?
#
# In the baseline world every model ties the oracle: the truth is a sum of monotone
# one-feature effects, exactly what a scorecard is built to fit. Real credit data is not
# like that, and the questions analysts ask are about the difference. Here the shape of the
# truth is a dial (`data.world`, `data.truth.*`), and we sweep it:
#
# 1. **interaction strength x training rows** in the `interacting` world: how far each
#    model stays from the oracle as interactions grow, and how many rows LightGBM needs;
# 2. the **strategy curves** side by side at the strongest setting;
# 3. what the **monotone constraint** costs in the `nonmonotone` world, in AUC and in the
#    partial dependence against the true effect;
# 4. how **explanation fidelity** moves from world to world.
#
# Every point is an ordinary run folder of one sweep folder (`riskkit sweep` does the same
# from the command line); a sweep started again reuses the runs it already has. The
# overall signal is re-solved in each world so the oracle's AUC stays near 0.83: the
# differences below come from the shape of the world, not from how much signal there is.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"
sweep_dir = None  # default: next to fig_dir
workers = 1

# %%
from pathlib import Path

from IPython.display import Markdown, display

from riskkit import charts
from riskkit.charts.sweep import plot_sweep_metric
from riskkit.core.narrative import Narrative
from riskkit.evaluate import effects
from riskkit.experiment import sweep
from riskkit.experiment.runfolder import load_run
from riskkit.reporting.in_notebook import publisher, setup
from riskkit.reporting.narration import publish_claims

lang = setup(lang)
say = Narrative()  # every comparison below is worded by its numbers
quick = rows < 10_000  # the test suite's small size: the fewest points that tell the story
out = Path(sweep_dir) if sweep_dir else Path(fig_dir).parent / "07_sweeps"
base = {"name": "nb07", "seed": seed, "data": {"rows": rows, "oot": {"rows": max(rows // 4, 1000)}},
        "figures": {"enabled": False}}
strengths = [0.0, 1.0] if quick else [0.0, 0.5, 1.0, 2.0]
row_grid = [rows] if quick else [rows, 4 * rows]

# %% [markdown]
# ## 1 · The AUC gap to the oracle, as interactions grow
#
# At strength 0 the `interacting` world is additive and both models should sit near the
# oracle. As the interactions strengthen, the story expects the scorecard (additive in
# binned features) to fall behind and LightGBM to follow the oracle, given enough rows; the
# sentence under the table says what this run found.

# %%
grid = {"data.truth.interaction_strength": strengths, "data.rows": row_grid,
        "data.world": ["interacting"]}
# the three sweeps share one folder and each rewrites its sweep charts: the last one draws them
table = sweep.auc_gaps(sweep.run_sweep(base, grid, out, workers=workers, quiet=True,
                                       figures=False))
# a chart of a sweep comes from all its runs; a chart of one run names that run
show = publisher(None, fig_dir, source=f"riskkit · sweep {out.name} · {len(table)} runs · seed {seed}")
show(plot_sweep_metric(table, "data.truth.interaction_strength",
                       ["scorecard_test_auc_gap", "lgbm_test_auc_gap"], by=["data.rows"],
                       ylabel="oracle AUC - model AUC (test)"), "auc_gap_by_interaction")
gaps = say.table(table[["data.truth.interaction_strength", "data.rows", "scorecard_test_auc_gap",
                         "lgbm_test_auc_gap"]], "gaps")
weak, strong = (gaps[(gaps["data.truth.interaction_strength"] == s) & (gaps["data.rows"] == max(row_grid))]
                .iloc[0] for s in (min(strengths), max(strengths)))
display(Markdown(
    f"With {max(row_grid):,} rows, from interaction strength {min(strengths)} to {max(strengths)} the "
    "scorecard's AUC gap to the oracle "
    + say.change(weak["scorecard_test_auc_gap"], strong["scorecard_test_auc_gap"], unit="",
                 decimals=4, table="gaps")
    + " and LightGBM's "
    + say.change(weak["lgbm_test_auc_gap"], strong["lgbm_test_auc_gap"], unit="", decimals=4,
                 table="gaps")
    + ". At the strongest setting, on the gap (smaller is better), "
    + say.compare("LightGBM", strong["lgbm_test_auc_gap"], "the scorecard",
                  strong["scorecard_test_auc_gap"], higher_is_better=False, table="gaps")
    + "."))
say.table(table[["data.truth.interaction_strength", "data.rows", "oracle_test_auc",
                 "scorecard_test_auc", "lgbm_test_auc"]].round(4), "aucs")

# %% [markdown]
# ## 2 · Strategy curves at the strongest setting
#
# The bad rate of the approved book at each approval rate: where the curves part, the
# scorecard approves more bad borrowers for the same volume.

# %%
strongest = load_run(sweep.point_run(table, out, data__truth__interaction_strength=max(strengths),
                                     data__rows=max(row_grid)))
test = strongest.decisions()
test = test[test["split"] == "test"]
curves = {m: (test["default_12m"], test[f"pd_{m}"]) for m in ("oracle", "scorecard", "lgbm")}
publisher(strongest, fig_dir)(charts.plot_strategy_curve(curves, lang=lang, approval_rate=0.75), "strategy_strongest")

# %% [markdown]
# ## 3 · What the monotone constraint costs when the truth is not monotone
#
# In the `nonmonotone` world no card (or a card never used) and no applications at all are
# thin-file signals, riskier than moderate use; a very small request and an income far
# above the norm are warning signs. The registry's constraints forbid LightGBM to learn
# that; without them it can.

# %%
mono = sweep.run_sweep(base, {"models.lgbm.monotone": [True, False],
                              "data.world": ["nonmonotone"]}, out, workers=workers, quiet=True,
                       figures=False)
publisher(None, fig_dir, source=f"riskkit · sweep {out.name} · {len(mono)} runs · seed {seed}")(
    plot_sweep_metric(mono, "models.lgbm.monotone", ["oracle_test_auc", "lgbm_test_auc"],
                       ylabel="test AUC"), "monotone_cost")
aucs = say.table(mono.set_index("models.lgbm.monotone")[["oracle_test_auc", "lgbm_test_auc"]],
                 "monotone")
free, constrained = aucs.loc[False, "lgbm_test_auc"], aucs.loc[True, "lgbm_test_auc"]
verdict = say.pick(free, constrained, (
    "pays off here",
    "does not pay off in this run: with this many rows the unconstrained model does not turn "
    "its freedom into a better ranking",
    "makes no difference to the ranking in this run"), table="monotone")
display(Markdown(
    "On test AUC, "
    + say.compare("the unconstrained LightGBM", free, "the constrained one", constrained,
                  table="monotone")
    + f": the freedom to learn the non-monotone shapes {verdict}. The partial dependence "
    "below shows what each one learnt, against the true effect."))
aucs.round(4)

# %%
feature = "applications_90d"
for constrained in (True, False):
    run = load_run(sweep.point_run(mono, out, models__lgbm__monotone=constrained))
    frame = run.data("test")
    grid_, ice, pdp = effects.partial_dependence(run.model("lgbm"), frame, feature, sample=300)
    _, _, true_pdp = effects.true_effect(frame, feature, grid_, sample=300,
                                         truth=run.world.truth())
    fig = charts.plot_pdp_ice(grid_, ice, pdp, true_pdp, feature=feature, lang=lang)
    charts.retitle(fig.axes[0], "monotone constraints on" if constrained else "unconstrained",
                   sep=" — ")
    publisher(run, fig_dir)(fig, f"pdp_{feature}_{'monotone' if constrained else 'free'}")

# %% [markdown]
# ## 4 · Do explanations stay true as the world gets harder?
#
# Fidelity: the share of each denied applicant's top three model reasons that are among
# the top three true reasons.

# %%
worlds = ["additive", "interacting", "nonmonotone"] + ([] if quick else ["threshold"])
fidelity = sweep.run_sweep(base, {"data.world": worlds}, out, workers=workers, quiet=True)
publisher(None, fig_dir, source=f"riskkit · sweep {out.name} · {len(fidelity)} runs · seed {seed}")(
    plot_sweep_metric(fidelity, "data.world", ["scorecard_test_fidelity_top3",
                                                 "lgbm_test_fidelity_top3"],
                       ylabel="top-3 reason fidelity (test denials)"), "fidelity_by_world")
display(Markdown(f"Sweep folder: `{out}` ({len(list(out.glob('nb07-*')))} runs)."))

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
