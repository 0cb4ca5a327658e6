"""The "Explanations" section's part on reason accuracy: like for like on each model's own
denials, and stability.

Reads the blocks :mod:`riskkit.experiment.reasons_stage` adds to ``metrics.json["explain"]``
(``like_for_like``, ``like_for_like_groups``, ``letter_unit``, ``stability``); a run made
before them shows nothing here. Every sentence is filled from those numbers, and the verbs
that compare two of them come from :func:`compare_word`'s rule, recorded as a claim
(:meth:`~riskkit.reporting.view.RunView.choose`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskkit.reporting import numbers as fmt
from riskkit.reporting.page import table
from riskkit.reporting.view import RunView

__all__ = ["ACCURACY_KEYS", "STABILITY_KEYS", "compare_word", "reasons_accuracy_section"]

#: Columns of the accuracy table, in order.
ACCURACY_KEYS = ("background", "top1", "top2", "top3", "top4", "first_reason_in_true_top3",
                 "sign_agreement", "reasons_raise_true_risk", "rank_correlation", "mae_logit",
                 "mae_pd", "n_rows")
#: Columns of the stability table.
STABILITY_KEYS = ("same_top3", "same_first", "same_top3_groups", "same_first_groups")


def compare_word(view: RunView, first: float, second: float, tolerance: float = 0.005) -> str:
    """``"higher than"`` / ``"lower than"`` / ``"about the same as"`` for ``first`` vs ``second``.

    Parameters
    ----------
    view : RunView
        For the language.
    first, second : float
        The two figures compared.
    tolerance : float
        Differences within it are "about the same".

    Returns
    -------
    str
    """
    if abs(first - second) <= tolerance:
        return view.t("cmp.same")
    return view.t("cmp.higher" if first > second else "cmp.lower")


#: A basis label of metrics.json -> its catalogue key.
_BASIS = {"approved": "basis.approved", "reference": "basis.reference",
          "best bin": "basis.best_bin", "training (path-dependent)": "basis.training"}


def _basis(view: RunView, label: Any) -> str:
    key = _BASIS.get(str(label))
    return view.t(key) if key else str(label)


def _block(entry: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = entry.get(key)
    return value if isinstance(value, Mapping) else {}


def reasons_accuracy_section(view: RunView, records: Mapping[str, Mapping[str, Any]]) -> str:
    """Sentences and tables on reason accuracy and stability, or ``""`` without the blocks.

    Parameters
    ----------
    view : RunView
        The run.
    records : mapping
        ``metrics.json["explain"]``'s model entries.

    Returns
    -------
    str
        HTML.
    """
    graded = {m: rec for m, rec in records.items() if _block(rec, "like_for_like")}
    parts: list[str] = []
    model = view.deployed if view.deployed in graded else next(iter(graded), None)
    if model is not None:
        rec = graded[model]
        feat, grp = _block(rec, "like_for_like"), _block(rec, "like_for_like_groups")
        unit = str(rec.get("letter_unit", "feature"))
        parts.append(view.para(view.t(
            "rsn.like", model=view.model(model), basis=_basis(view, feat.get("background")),
            n=fmt.integer(feat.get("n_rows")), fid=fmt.percent(feat.get("top3")),
            fid_g=fmt.percent(grp.get("top3")), unit=view.value_text(unit),
            first=fmt.percent(feat.get("first_reason")),
            wrong=fmt.percent(1.0 - float(feat.get("reasons_raise_true_risk", float("nan")))))))
        if "top3" in grp and "top3" in feat:
            parts.append(view.para(view.choose(  # compare_word's rule, recorded
                float(grp["top3"]), float(feat["top3"]), ("cmp.higher", "cmp.lower", "cmp.same"),
                tolerance=0.005, unit="%", decimals=1,
                say=lambda key: view.t("rsn.groups", cmp=view.t(key)))))
        rows = []
        for m, r in graded.items():
            for unit_key, block_key in (("feature", "like_for_like"), ("group", "like_for_like_groups")):
                block = _block(r, block_key)
                rows.append([view.model(m), view.value_text(unit_key),
                             *(_basis(view, block.get(k)) if k == "background"
                               else view.fmt(k, block.get(k)) for k in ACCURACY_KEYS)])
        parts.append(table([view.label("model"), view.label("letter_unit"),
                            *(view.label(k) for k in ACCURACY_KEYS)], rows))
    stable = {m: _block(rec, "stability") for m, rec in records.items() if _block(rec, "stability")}
    if stable:
        rows = []
        for m, blocks in stable.items():
            for kind in ("background_redraw", "retrain"):
                block = _block(blocks, kind)
                if block:
                    rows.append([view.model(m), view.label(f"stab.{kind}"),
                                 *(view.fmt(k, block.get(k)) for k in STABILITY_KEYS)])
        retrain = _block(stable.get(view.deployed, {}), "retrain")
        if retrain:
            parts.append(view.para(view.t(
                "rsn.retrain", model=view.model(view.deployed),
                seeds=view.join([str(s) for s in retrain.get("seeds", [])]),
                same=fmt.percent(retrain.get("same_top3")),
                same_g=fmt.percent(retrain.get("same_top3_groups")))))
        parts.append(table([view.label("model"), view.label("stab.kind"),
                            *(view.label(k) for k in STABILITY_KEYS)], rows))
    return "".join(parts)
