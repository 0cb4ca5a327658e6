"""What a reject-inference study found, in numbers and in words built from them.

Every sentence here is generated from the grades it describes (one helper chooses the
comparison's words, :func:`compare`), and the literature's prediction for the selection
setting stands beside the finding, so a reader can see whether this world agrees:

* missing at random -- Crook, J. & Banasik, J. (2004), *J. Banking & Finance* 28: reject
  inference improves little on a model fitted to the accepted when the incumbent selected
  on recorded information; Hand, D. & Henley, W. (1993), *IMA J. Math. Applied in Business
  & Industry* 5: no method can add information the accepted do not hold, it can only add
  assumptions;
* missing not at random -- Heckman (1979); Banasik, J. & Crook, J. (2007), *European J.
  Operational Research* 183: methods that assume MAR stay biased; a selection model helps
  when its assumptions (joint normality, a variable that moves acceptance but not the
  outcome) hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riskkit.texts import Words

#: The sentences' words: section ``reject_inference`` of the text catalogue
#: (:mod:`riskkit.texts`), ``sum.*``, ``single.*``, ``cmp.*`` and ``lit.<selection>``.
WORDS = Words("reject_inference")


def literature(selection: str, lang: str = "en") -> str:
    """What the literature predicts for ``selection`` (``"mar"`` or ``"mnar"``), in ``lang``."""
    return WORDS(f"lit.{selection}", lang)


def compare(value: float, reference: float, *, tolerance: float = 0.0, lang: str = "en") -> str:
    """``"smaller than"``, ``"larger than"`` or ``"the same as"`` (in ``lang``): ``value``
    against ``reference``, the same within ``tolerance``."""
    if abs(value - reference) <= tolerance:
        return WORDS("cmp.same", lang)
    return WORDS("cmp.smaller" if value < reference else "cmp.larger", lang)


def _pt(x: float, lang: str = "en") -> str:
    return WORDS("pt", lang, value=f"{100 * x:.2f}")


#: The references issue 24's done criterion names: a logistic regression on the accepted.
REFERENCE_KIND = "logistic"


def single_row(grades: dict[str, dict[str, dict[str, Any]]],
               peer: dict[str, dict[str, Any]], lang: str = "en",
               name: Callable[[str], str] = str) -> dict[str, Any]:
    """The riskkit rows (one model kind and method each) that beat every reference on both
    the rejects' bad-rate error and the AUC over all applicants.

    The references: every rejectkit method (so its best on each measure) and the logistic
    regression fitted on the accepted only (riskkit's ``logistic / accepted_only`` and
    rejectkit's baseline). A row must have a smaller error than the smallest reference
    error *and* a larger AUC than the largest reference AUC.

    Parameters
    ----------
    grades : dict
        Model kind -> method -> :func:`~riskkit.rejectinf.grading.grade`'s dict.
    peer : dict
        rejectkit's method -> grade (may be empty).
    lang : str
        The sentence's language.
    name : callable
        A model kind's or method's config name in words (the report's labels); by default
        the name itself.

    Returns
    -------
    dict
        ``error_to_beat``, ``auc_to_beat`` (None without references), ``rows`` (model,
        method, error, AUC; smallest error first) and ``sentence``.
    """
    refs = list(peer.values())
    own_ref = grades.get(REFERENCE_KIND, {}).get("accepted_only")
    if own_ref is not None:
        refs.append(own_ref)
    if not refs:
        return {"error_to_beat": None, "auc_to_beat": None, "rows": [], "sentence": ""}
    err_bar = min(g["reject_abs_error"] for g in refs)
    auc_bar = max(g["auc_all"] for g in refs)
    rows = sorted(({"model": k, "method": m, "reject_abs_error": g["reject_abs_error"],
                    "auc_all": g["auc_all"]}
                   for k, ms in grades.items() for m, g in ms.items()
                   if m != "full_information" and g["reject_abs_error"] < err_bar
                   and g["auc_all"] > auc_bar),
                  key=lambda r: r["reject_abs_error"])
    against = WORDS("single.against_peer" if peer else "single.against", lang,
                    error=_pt(err_bar, lang), auc=f"{auc_bar:.4f}")
    if rows:
        top = rows[0]
        sentence = WORDS("single.some", lang, n=len(rows), against=against,
                         model=name(top["model"]), method=name(top["method"]), error=_pt(top["reject_abs_error"], lang),
                         auc=f"{top['auc_all']:.4f}")
    else:
        sentence = WORDS("single.none", lang, against=against)
    return {"error_to_beat": err_bar, "auc_to_beat": auc_bar, "rows": rows,
            "sentence": sentence}


def summarise(grades: dict[str, dict[str, dict[str, Any]]], peer: dict[str, dict[str, Any]],
              selection: str, lang: str = "en", name: Callable[[str], str] = str,
              peer_name: Callable[[str], str] = str) -> dict[str, Any]:
    """The best method by the rejects' bad-rate error and by AUC, the accepted-only
    baselines, the peer's best, and a sentence comparing them.

    Parameters
    ----------
    grades : dict
        Model kind -> method -> :func:`~riskkit.rejectinf.grading.grade`'s dict.
    peer : dict
        rejectkit's method -> grade (may be empty).
    selection : str
        ``"mar"`` or ``"mnar"``.
    lang : str
        The language of ``sentence`` and ``literature`` (metrics.json keeps English; the
        report rebuilds them in its own language from the same numbers).
    name : callable
        A model kind's or method's config name in words, for the sentence only.
    peer_name : callable
        A rejectkit method's name in words (its own methods, not riskkit's of that name).

    Returns
    -------
    dict
    """
    rows = [(k, m, g) for k, ms in grades.items() for m, g in ms.items()
            if m != "full_information"]
    if not rows:
        return {}
    best_err = min(rows, key=lambda r: r[2]["reject_abs_error"])
    best_auc = max(rows, key=lambda r: r[2]["auc_all"])
    baselines = {k: ms["accepted_only"] for k, ms in grades.items() if "accepted_only" in ms}
    out: dict[str, Any] = {
        "best_error": {"model": best_err[0], "method": best_err[1],
                       "reject_abs_error": best_err[2]["reject_abs_error"],
                       "auc_all": best_err[2]["auc_all"]},
        "best_auc": {"model": best_auc[0], "method": best_auc[1],
                     "auc_all": best_auc[2]["auc_all"],
                     "reject_abs_error": best_auc[2]["reject_abs_error"]},
        "accepted_only": {k: {"reject_abs_error": g["reject_abs_error"], "auc_all": g["auc_all"]}
                          for k, g in baselines.items()},
        "literature": literature(selection, lang),
    }
    words = [WORDS("sum.best", lang, selection=selection.upper(), model=name(best_err[0]),
                   method=name(best_err[1]), error=_pt(best_err[2]["reject_abs_error"], lang))]
    if baselines:
        fair = min(baselines.items(), key=lambda kv: kv[1]["reject_abs_error"])
        words.append(WORDS("sum.vs_baseline", lang, model=name(fair[0]),
                           cmp=compare(best_err[2]["reject_abs_error"],
                                       fair[1]["reject_abs_error"], lang=lang),
                           error=_pt(fair[1]["reject_abs_error"], lang)))
        worst = max(rows, key=lambda r: r[2]["reject_abs_error"])
        out["worst_error"] = {"model": worst[0], "method": worst[1],
                              "reject_abs_error": worst[2]["reject_abs_error"],
                              "ratio_to_best_accepted_only":
                                  worst[2]["reject_abs_error"]
                                  / max(fair[1]["reject_abs_error"], 1e-12)}
    if peer:
        p_err = min(peer.items(), key=lambda kv: kv[1]["reject_abs_error"])
        p_auc = max(peer.items(), key=lambda kv: kv[1]["auc_all"])
        out["peer_best_error"] = {"method": p_err[0],
                                  "reject_abs_error": p_err[1]["reject_abs_error"]}
        out["peer_best_auc"] = {"method": p_auc[0], "auc_all": p_auc[1]["auc_all"]}
        words.append(WORDS("sum.peer", lang, error=_pt(p_err[1]["reject_abs_error"], lang),
                           method=peer_name(p_err[0]), auc=f"{best_auc[2]['auc_all']:.4f}",
                           model=name(best_auc[0]), best=name(best_auc[1]),
                           cmp=compare(best_auc[2]["auc_all"], p_auc[1]["auc_all"], lang=lang),
                           peer_auc=f"{p_auc[1]['auc_all']:.4f}", peer_method=peer_name(p_auc[0])))
    out["single_row"] = single_row(grades, peer, lang, name)
    if out["single_row"]["sentence"]:
        words.append(WORDS("sum.single", lang, sentence=out["single_row"]["sentence"]))
    out["sentence"] = "".join(words) + WORDS("sum.end", lang)
    return out
