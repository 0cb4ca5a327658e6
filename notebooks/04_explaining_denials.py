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
# # 04 · Explaining individual denials
#
# A denied applicant is owed an answer to two questions: **why was I turned down?** and
# **what would have to change?** This notebook answers both for Zhang San (张三), Li Si
# (李四) and a few denied applicants drawn at random from the run, with the deployed model
# and policy, and then asks a third question a real lender cannot: **are the answers
# true?** In this synthetic world every applicant's true contribution of each feature to
# the log-odds of default is known, so a reason code can be checked against it.
#
# For each applicant:
#
# * the **decision and PD**, with the true PD next to them;
# * the **waterfall**: the model's log-odds built up from the average applicant, feature by
#   feature (red raises risk, blue lowers it);
# * the **reason codes**, English and Chinese, as the lender would send them: knock-out
#   rules first, then up to four features that raised the risk, each quoting the
#   applicant's value and the median among approved applicants, with the true
#   contribution of the same feature alongside;
# * the **recourse**: the fewest, then least-effort, realistic changes that would get the
#   applicant approved, re-scored through the model *and* the policy, and flagged when it
#   would lower the model's PD without lowering the true PD.

# %% tags=["parameters"]
rows = 20_000
seed = 7
run_dir = None
fig_dir = "figures"
lang = "en"
examples = 3  # random denied applicants explained next to the two personas
recourse_sample = 40  # denied applicants of the test split the recourse search is tried on
interactive = True  # live what-if panel; the headless runner sets False (a static snapshot)

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import riskkit
import riskkit.experiment
from riskkit import charts
from riskkit import explain as X
from riskkit.core import features as F
from riskkit.reporting.in_notebook import figure_title, publisher, setup
from riskkit.widgets import compare, what_if
from riskkit.synth.personas import PERSONA_STORIES, persona

# %%
text_lang = lang  # stories and letters: HTML shows Chinese even where charts cannot
lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed


# %%
model, policy = run.model(run.deployed_model_name), run.policy()
truth = run.world.truth()  # the run's own true risk function
test, valid = run.data("test"), run.data("valid")
decisions = run.decisions()
test_dec = decisions[decisions["split"] == "test"].reset_index(drop=True)
# reason codes quote the median approved applicant of the validation split, as the run does
reference = X.approved_reference(valid, policy.decide(valid, model.predict_pd(valid)))
denied = np.flatnonzero(test_dec["decision"].to_numpy() == "denied")

# %%
picked = np.sort(np.random.default_rng(seed).choice(denied, min(examples, len(denied)), replace=False))
applicants = {"Zhang San": persona("zhang_san", run.world),
              "Li Si": persona("li_si", run.world)} | {
    f"Applicant {test.iloc[i][F.ID_COLUMN]}": test.iloc[[i]].reset_index(drop=True) for i in picked}
display(Markdown(
    f"Deployed: **{run.deployed_model_name}**, PD cut-off **{policy.cutoff:.2%}**. Of "
    f"{len(test):,} test applicants {len(denied):,} were denied "
    f"({len(denied) / len(test):.0%}); {len(picked)} of them are drawn at random (seed {seed})."))

# %% [markdown]
# ## The decisions
#
# One line per applicant. *knockout* names a rule that denies whatever the score (currently
# overdue, more than eight lending platforms, age outside 20–55); otherwise the PD was above
# the cut-off. The true PD is what the synthetic world says: a model's PD below the true
# one is an applicant the model underrates, above it one it overrates.

# %%
explained = {who: X.explain_applicant(model, policy, row, reference, truth=truth)
             for who, row in applicants.items()}
overview = pd.DataFrame({who: {"decision": e["decision"], "pd": e["pd"], "true_pd": e["true_pd"],
                               "score": e["score"], "knockout": e["knockout"] or "",
                               "first reason": e["reasons"][0][f"text_{text_lang}"]
                               if e["reasons"] else ""}
                         for who, e in explained.items()}).T
overview.style.format({"pd": "{:.2%}", "true_pd": "{:.2%}", "score": "{:.0f}"})


# %%
def explain(who):
    """Waterfall, letter, and reason codes in both languages next to the truth, of one applicant."""
    row, e = applicants[who], explained[who]
    contrib, base = X.contributions(model, row)
    fig = charts.plot_waterfall(contrib.iloc[0], base, values=row.iloc[0], lang=lang)
    fig.axes[0].set_title(f"{who} · {figure_title(fig)}")
    show(fig, "waterfall_" + who.lower().replace(" ", "_"))
    display(Markdown(f"```text\n{X.format_text(e, text_lang)}\n(cut-off {policy.cutoff:.1%})\n```"))
    reasons = pd.DataFrame(e["reasons"], columns=["rank", "kind", "feature", "contribution",
                                                  "text_en", "text_zh"]).set_index("rank")
    reasons.insert(3, "true_contribution", reasons["feature"].map(
        lambda f: row.iloc[0].get(F.contrib_column(f))).where(reasons["kind"] == "scored"))
    if len(reasons):  # an approved applicant gets no reason codes
        display(reasons.style.format({"contribution": "{:+.2f}", "true_contribution": "{:+.2f}"},
                                     na_rep=""))


# %% [markdown]
# ## Zhang San (张三)

# %%
display(Markdown(PERSONA_STORIES["zhang_san"][text_lang]))
explain("Zhang San")

# %% [markdown]
# What raises Zhang San's PD is what he is doing *now*, not anything he did wrong: an
# unstable income in his first years in the job and a burst of applications while shopping
# for credit. His only loan was repaid on time. He sits near the cut-off, so models fitted
# on different samples can decide him either way; compare his true PD with the model's to
# see which error an approval or a denial makes. Two of his risk-raising features (the
# application counts) age out of their windows on their own: that is the start of the
# "borrowed once, then ineligible" story of notebook 05. Compare the true contributions
# with the model's, too: correlated features (30- and 90-day applications) can trade their
# shares in a model and still add up to the same PD.

# %% [markdown]
# ### What if? Zhang San's panel
#
# The question a loan officer asks first: what if he had applied less often, or waited? Move
# a control and the deployed model and policy decide again: PD, decision, credit line, the
# reasons and the recourse follow, with the true PD beside the model's. What he cannot
# change (occupation, city, age) is shown and locked; his history moves only with the
# *months waited*, which ages every count the way the recourse search does (the 30-day
# applications are gone after a month, the 90-day ones after three). Run headless, the
# panel is a static table of the same numbers.

# %%
what_if(run, "zhang_san", lang=text_lang, interactive=interactive)

# %% [markdown]
# ## Li Si (李四)

# %%
display(Markdown(PERSONA_STORIES["li_si"][text_lang]))
explain("Li Si")

# %% [markdown]
# Li Si's denial is of another kind: his true PD is many times the cut-off. Multi-platform
# borrowing, many loans and a volatile income each raise his risk on their own, so no
# single small change is enough: his recourse, where one exists, needs months of waiting
# for the borrowing history to age out.

# %% [markdown]
# ### Side by side
#
# Zhang San and Li Si in one view: the same controls move each of them, and the same wait
# does very different things. A month clears Zhang San's burst of applications; Li Si's
# platforms and loans take half a year and more to age out.

# %%
compare(run, ("zhang_san", "li_si"), lang=text_lang, interactive=interactive)

# %% [markdown]
# ## Denied applicants drawn at random
#
# The personas were written to be denied; these applicants were simply denied. Their
# reasons are the ones a lender sends thousands of times a day.

# %%
for who in list(applicants)[2:]:
    display(Markdown(f"### {who}"))
    explain(who)

# %% [markdown]
# ## What would have to change, checked
#
# Each proposal above was re-scored on its own through the model and the policy
# (*verified*), and scored before and after by the true risk function. A recourse that
# lowers the model's PD but not the true PD would **game the model**: the applicant would
# be approved while as risky as before, and the lender would carry the loss. It is
# flagged, never hidden.

# %%
columns = ["found", "n_changes", "wait_months", "effort", "verified", "old_pd", "new_pd",
           "true_pd_before", "true_pd_after", "lowers_true_pd"]
table = pd.DataFrame({who: {c: e["recourse"][c] for c in columns}
                      for who, e in explained.items() if e["recourse"]}).T
table["actions"] = [" · ".join(a[f"text_{text_lang}"] for a in e["recourse"]["actions"])
                    or e["recourse"]["reason"] for e in explained.values() if e["recourse"]]
table["truly below cut-off after"] = (pd.to_numeric(table["true_pd_after"]) <= policy.cutoff
                                      ).where(table["found"].astype(bool))
table.style.format({c: "{:.2%}" for c in ("old_pd", "new_pd", "true_pd_before", "true_pd_after")}
                   | {"effort": "{:.2f}"}, na_rep="")

# %% [markdown]
# The same search on a seeded sample of the test split's denied applicants (the
# notebook's `recourse_sample` parameter) says how often an honest recourse exists, and
# how often the model's way out is not a way out in truth.

# %%
results = X.recourse_many(model, policy, test, test_dec, n=recourse_sample, seed=seed,
                          truth=truth)
summary = X.recourse_summary(results)
proposals = pd.DataFrame([{"applicant": r.applicant_id, "n_changes": r.n_changes, "new_pd": r.new_pd,
                           "true_pd_before": r.true_pd_before, "true_pd_after": r.true_pd_after,
                           "lowers_true_pd": r.lowers_true_pd,
                           "actions": " · ".join(a[f"text_{text_lang}"] for a in r.actions)}
                          for r in results if r.found],
                         columns=["applicant", "n_changes", "new_pd", "true_pd_before",
                                  "true_pd_after", "lowers_true_pd", "actions"])
gamed = proposals["lowers_true_pd"].eq(False)
above = pd.to_numeric(proposals["true_pd_after"]) > policy.cutoff
model_pd = test_dec[f"pd_{run.deployed_model_name}"].to_numpy()
band = (test_dec["decision"].to_numpy() == "approved") & (model_pd >= proposals["new_pd"].min())
band_above = (test["true_pd"].to_numpy()[band] > policy.cutoff).mean()

# %%
display(Markdown(
    f"Of **{summary['n']}** denied applicants, a recourse was found for "
    f"**{summary['share_found']:.0%}** and verified for {summary['share_found_verified']:.0%} "
    f"of those: {summary['mean_changes']:.1f} changes and {summary['mean_wait_months']:.1f} "
    f"months of waiting on average, {summary['seconds_mean']:.2f} s of search per applicant. "
    f"**{summary['share_lowers_true_pd']:.0%}** of the proposals lower the true PD; "
    f"**{gamed.sum()}** would game the model. After the change the true PD is still above "
    f"the cut-off for **{above.mean():.0%}** of them, against {band_above:.0%} of the "
    f"{band.sum()} applicants approved as they are with a model PD in the same band "
    f"({proposals['new_pd'].min():.2%} to the cut-off)."))
pd.Series(summary["not_found_reasons"], name="no recourse, because", dtype="int64")

# %% [markdown]
# A recourse asks for the *smallest* sufficient change, so it lands just under the cut-off,
# where the model's errors either way decide the true PD; the fair comparison is the
# approved applicants in the same band, not all of them. The proposals flagged either way
# follow: lowering the model's PD but not the true PD (a recourse that only exploits the
# model), or leaving the true PD above the cut-off (the model's own error near the
# boundary, which the change inherits).

# %%
proposals[gamed | above].style.format(
    {"new_pd": "{:.2%}", "true_pd_before": "{:.2%}", "true_pd_after": "{:.2%}"}).hide(axis="index")

# %% [markdown]
# ## Are the reasons true? Fidelity against the truth
#
# Measured by the run on the denied test applicants of every model (`metrics.json`):
#
# * **fidelity_top3**: of the model's top three risk-raising features, the share that are
#   among the true top three;
# * **rank_correlation**: Spearman correlation between the model's and the true
#   contributions across features, averaged over applicants;
# * **null_attribution_share**: the share of all attribution given to features with no true
#   effect (city tier): weight a lender should not be quoting;
# * **additivity_max_err**: the contributions add up to the model's log-odds (to rounding).
#
# The oracle scores 1 by construction: it *is* the truth. Reason codes should be judged
# against that ceiling, not against the AUC.

# %%
fidelity = pd.DataFrame(run.metrics["explain"]).T
fidelity[["n_denied", "fidelity_top3", "rank_correlation", "null_attribution_share",
          "additivity_max_err"]].style.format(
    {"n_denied": "{:,.0f}", "fidelity_top3": "{:.1%}", "rank_correlation": "{:.3f}",
     "null_attribution_share": "{:.2%}", "additivity_max_err": "{:.1e}"})

# %% [markdown]
# Feature by feature, on the same denied applicants: the mean size of the deployed model's
# contribution next to the true one (both centred, so a constant offset is not counted).
# Where the bars part, the reason codes over- or under-quote a feature.

# %%
rows_denied = test.iloc[denied]
contrib, _ = X.contributions(model, rows_denied, reference="mean")
truth_cols = [F.contrib_column(n) for n in contrib.columns]
show(charts.plot_contrib_vs_truth(contrib, rows_denied[truth_cols], lang=lang), "contrib_vs_truth")

# %% [markdown]
# The same contributions in shap's own plots (``X.to_shap`` turns any riskkit model's
# explanation into a ``shap.Explanation``; values in log-odds that add up to the model's).
# The beeswarm shows every denied applicant: one dot per applicant and feature, right of
# zero where the feature raised the risk, coloured by the feature's value. The scatter
# plots the most important feature's contribution against its value.

# %%
explanation = X.to_shap(model, rows_denied, lang=lang)
show(charts.plot_shap(explanation, "beeswarm", lang=lang), "shap_beeswarm")
show(charts.plot_shap(explanation, "scatter", lang=lang), "shap_scatter")

# %% [markdown]
# ## Which reasons are given, across all denials
#
# Every denial the run explained (test and out-of-time splits), each applicant counted once
# per feature named. A feature near the top is what the lender's letters mostly say; the
# chart above says whether that is what really drives the risk.

# %%
reasons = run.reasons()
counts = X.reason_counts(reasons)
show(charts.plot_reason_frequency(counts, lang=lang), "reason_frequency")

# %%
n_denials = reasons["applicant_id"].nunique()
first = reasons[reasons["rank"] == 1]["feature"].astype(str).value_counts()
frequency = pd.DataFrame({"named": counts, "share of denials": counts / n_denials,
                          "first reason": first.reindex(counts.index).fillna(0).astype(int)})
frequency.index = [charts.label(n, lang) for n in frequency.index]
frequency.style.format({"named": "{:,}", "share of denials": "{:.0%}", "first reason": "{:,}"})

# %% [markdown]
# ### Does the truth back each reason?
#
# Every scored reason of the test split's denials next to the applicant's true
# contribution of the same feature. A reason is *backed* when the truth also says the
# feature raised this applicant's risk. A reason the truth does not back is a sentence the
# lender sends that is not so, however faithfully it reports the model.

# %%
true_long = test.melt(id_vars=F.ID_COLUMN, value_vars=truth_cols, var_name="feature",
                      value_name="true_contribution")
true_long["feature"] = true_long["feature"].str.removeprefix(F.CONTRIB_PREFIX)
scored = reasons[reasons["kind"] == "scored"].astype({"feature": str}).merge(
    true_long, on=[F.ID_COLUMN, "feature"])
backed = scored.assign(backed=scored["true_contribution"] > 0).groupby("feature").agg(
    reasons=("backed", "size"), backed=("backed", "mean"),
    mean_contribution=("contribution", "mean"), mean_true_contribution=("true_contribution", "mean")
).sort_values("reasons", ascending=False)
least = backed[backed["reasons"] >= min(10, backed["reasons"].max())]["backed"].idxmin()

# %%
display(Markdown(f"{len(scored):,} scored reasons given to the test split's denied applicants; "
                 f"**{(scored['true_contribution'] > 0).mean():.0%}** are backed by the truth. "
                 f"Least backed among the frequent reasons: **{charts.label(least, lang)}** "
                 f"({backed.loc[least, 'backed']:.0%} of {backed.loc[least, 'reasons']})."))
backed.rename(index=lambda n: charts.label(n, lang)).style.format(
    {"backed": "{:.0%}", "mean_contribution": "{:+.2f}", "mean_true_contribution": "{:+.2f}"})

# %% [markdown]
# City tier has no true effect at all, so a reason quoting it is never backed: the model
# uses it as a proxy for what it cannot see. A missing value can mislead the same way: "no
# credit card on record" is a risk to a model that has learnt it from correlated
# features, while the truth may charge it little or nothing.

# %% [markdown]
# ## Reading
#
# * A reason code is a share of the applicant's log-odds (the waterfall adds up exactly),
#   but *which* features get the share depends on the model: correlated features (30- and
#   90-day applications; overdue count and worst delay) can trade places. The true
#   contribution column shows where that happens for one person, the fidelity table how
#   often across all denials.
# * Recourse is only honest when it is checked three ways: re-scored through the model,
#   through the policy (knock-outs included), and against the truth. Waiting is often the
#   cheapest honest recourse: applications, platforms and overdue history age out.
# * A proposal that lowers the model's PD without lowering the true PD is a finding about
#   the model, not advice for the applicant.
