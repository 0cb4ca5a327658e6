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
from riskkit.core.narrative import Narrative, fmt
from riskkit.reporting.in_notebook import figure_title, publisher, setup
from riskkit.reporting.narration import as_table, publish_claims
from riskkit.reporting.story_tables import persona_facts
from riskkit.synth.personas import PERSONA_STORIES, persona
from riskkit.widgets import compare, what_if

# %%
text_lang = lang  # stories and letters: HTML shows Chinese even where charts cannot
lang = setup(lang)
run = riskkit.experiment.ensure_run(run_dir, rows=rows, seed=seed)
show = publisher(run, fig_dir)  # source line, PNG/SVG/PDF into fig_dir, displayed
say = Narrative()  # every direction word below is chosen by the numbers it describes


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

# %% [markdown]
# Each applicant against the cut-off: the model's PD and the true PD as multiples of it, how
# many of the scored reasons are *time-decaying* (they age out on their own), and what the
# recourse below asks.

# %%
facts = say.table(persona_facts(explained, policy.cutoff, run.registry), "facts")
facts.drop(columns="decision").style.format(
    {"pd": "{:.2%}", "true_pd": "{:.2%}", "cutoff": "{:.2%}", "pd_to_cutoff": "{:.1f}×",
     "true_pd_to_cutoff": "{:.1f}×", "n_changes": "{:.0f}", "wait_months": "{:.0f}"}, na_rep="")


# %%
def persona_sentence(who, pronoun):
    """Where one persona stands against the cut-off, and the model's PD against the truth."""
    f, first = facts.loc[who], explained[who]["reasons"][:1]
    # the PD printed with the cut-off's decimals, and the word chosen from the two as printed:
    # never "4.0 %, below the cut-off of 3.96 %"
    pd_shown, cutoff_shown = fmt(f["pd"], decimals=2), fmt(f["cutoff"], decimals=2)
    return (f"{who}'s PD is {pd_shown}, "
            + say.pick(f["pd"], f["cutoff"], ("above", "below", "at"), unit="%", decimals=2,
                       table="facts", printed=(pd_shown, cutoff_shown))
            + f" the cut-off of {cutoff_shown} ({f['pd_to_cutoff']:.1f} times it); "
            f"{pronoun} true PD is {fmt(f['true_pd'])} ({f['true_pd_to_cutoff']:.1f} times the "
            "cut-off): the model "
            + say.gap(f["pd"], f["true_pd"], what=f"{pronoun} PD", table="facts")
            + (f". {pronoun.capitalize()} first reason: {first[0][f'text_{text_lang}']}." if first else
               ". No reason is given: an approved applicant gets none."))


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
# Zhang San was written so that what raises his risk is what he is doing *now*, not
# anything he did wrong: an unstable income in his first years in the job and a burst of
# applications while shopping for credit; his only loan was repaid on time. How this run's
# model reads him:

# %%
zhang = facts.loc["Zhang San"]
display(Markdown(
    persona_sentence("Zhang San", "his")
    + f" {zhang['decaying_reasons']} of his {zhang['scored_reasons']} scored reasons are "
    "time-decaying, so "
    + say.pick(zhang["decaying_reasons"], 0, (
        "part of his risk ages out of its window on its own: that is the start of the "
        "\"borrowed once, then ineligible\" story of notebook 05",
        "none", "none of it ages out on its own with this run's model, although his application "
        "counts do; notebook 05's story rests on them"), decimals=0, table="facts")
    + ". Compare the true contributions with the model's, too: correlated features (30- and "
    "90-day applications) can trade their shares in a model and still add up to the same PD."))

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
# Li Si was written to be denied for another kind of reason: multi-platform borrowing, many
# loans and a volatile income, each raising his risk on its own, so that no single small
# change would be enough. How this run's model reads him:

# %%
li = facts.loc["Li Si"]
display(Markdown(
    persona_sentence("Li Si", "his") + " His true PD is "
    + say.pick(li["true_pd"], zhang["true_pd"], ("higher than", "lower than", "the same as"),
               unit="%", decimals=2, table="facts")
    + " Zhang San's. " + (
        f"His recourse asks for {li['n_changes']:.0f} change(s) and {li['wait_months']:.0f} months "
        "of waiting: a wait "
        + say.pick(li["wait_months"], zhang["wait_months"], ("longer than", "shorter than",
                                                             "as long as"), decimals=0,
                   table="facts")
        + f" Zhang San's ({zhang['wait_months']:.0f} months)." if li["recourse_found"]
        and zhang["recourse_found"] else "The recourse table below says what the search found for each.")))

# %% [markdown]
# ### Side by side
#
# Zhang San and Li Si in one view: the same controls move each of them. By the registry's
# windows a month clears 30-day applications, while platforms take six months to age out
# and loans a year; what the same wait does to each of them is what the panels show.

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
band_above = (test["true_pd"].to_numpy()[band] > policy.cutoff).mean()  # NaN: none in the band
band_shown = "n/a" if np.isnan(band_above) else f"{band_above:.0%}"

# %%
band_share = say.table(as_table(pd.Series({
    "recourse proposals": above.mean(),
    "approved as they are, same model-PD band": band_above}), "true PD above the cut-off"),
    "band")["true PD above the cut-off"]
display(Markdown(
    f"Of **{summary['n']}** denied applicants, a recourse was found for "
    f"**{summary['share_found']:.0%}** and verified for {summary['share_found_verified']:.0%} "
    f"of those: {summary['mean_changes']:.1f} changes and {summary['mean_wait_months']:.1f} "
    f"months of waiting on average, {summary['seconds_mean']:.2f} s of search per applicant. "
    f"**{summary['share_lowers_true_pd']:.0%}** of the proposals lower the true PD; "
    f"**{gamed.sum()}** would game the model. After the change the true PD is still above "
    f"the cut-off for **{above.mean():.0%}** of them: "
    + say.pick(band_share.iloc[0], band_share.iloc[1], ("more often than", "less often than",
                                                        "as often as"), unit="%", decimals=0,
               table="band")
    + f" for the {band.sum()} applicants approved as they are with a model PD in the same band "
    f"({proposals['new_pd'].min():.2%} to the cut-off: {band_shown})."))
display(band_share.to_frame().style.format("{:.0%}"))
as_table(pd.Series(summary["not_found_reasons"], name="no recourse, because", dtype="int64"))

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
# The oracle should score 1 by construction: it *is* the truth. Reason codes should be
# judged against that ceiling, not against the AUC.

# %%
fidelity = say.table(pd.DataFrame(run.metrics["explain"]).T[
    ["n_denied", "fidelity_top3", "rank_correlation", "null_attribution_share",
     "additivity_max_err"]].astype(float), "fidelity")
display(Markdown(
    "On top-3 fidelity, "
    + say.compare("LightGBM", fidelity.loc["lgbm", "fidelity_top3"], "the scorecard",
                  fidelity.loc["scorecard", "fidelity_top3"], unit="%", decimals=1,
                  table="fidelity")
    + f"; the oracle's is {fmt(fidelity.loc['oracle', 'fidelity_top3'])}."))
fidelity.style.format(
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
say.table(backed, "backed")
city = int(backed["reasons"].get("city_tier", 0))
display(Markdown(f"{len(scored):,} scored reasons given to the test split's denied applicants; "
                 f"**{(scored['true_contribution'] > 0).mean():.0%}** are backed by the truth. "
                 f"Least backed among the frequent reasons: **{charts.label(least, lang)}** "
                 f"({backed.loc[least, 'backed']:.0%} of {backed.loc[least, 'reasons']}). "
                 "Reasons quoting city tier, which has no true effect and which no letter may "
                 "cite: " + say.pick(city, 0, (f"{city}, a letter quoted what it may not",
                                               "none", "none"), decimals=0, table="backed")
                 + "."))
backed.rename(index=lambda n: charts.label(n, lang)).style.format(
    {"backed": "{:.0%}", "mean_contribution": "{:+.2f}", "mean_true_contribution": "{:+.2f}"})

# %% [markdown]
# City tier has no true effect at all: a model that scores it uses it as a proxy for what it
# cannot see, which is why the registry lets no letter cite it. A missing value can mislead
# in a similar way: "no credit card on record" is a risk to a model that has learnt it from
# correlated features, while the truth may charge it little or nothing.

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

# %% tags=["remove_cell"]
publish_claims(say)  # every claim above with its numbers, for tests/test_notebook_claims.py
