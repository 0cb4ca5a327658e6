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

from typing import Any

LITERATURE: dict[str, str] = {
    "mar": ("The literature predicts little to gain when the incumbent selected on recorded "
            "information only (Crook & Banasik 2004; Hand & Henley 1993): a well-specified "
            "model of the accepted already carries to the rejects."),
    "mnar": ("The literature predicts that methods assuming selection on recorded information "
             "stay biased when the incumbent also used information the new model lacks, and "
             "that a selection model helps when its assumptions hold (Heckman 1979; Banasik "
             "& Crook 2007)."),
}


def compare(value: float, reference: float, *, tolerance: float = 0.0) -> str:
    """``"smaller than"``, ``"larger than"`` or ``"the same as"``: ``value`` against ``reference``."""
    if abs(value - reference) <= tolerance:
        return "the same as"
    return "smaller than" if value < reference else "larger than"


def _pt(x: float) -> str:
    return f"{100 * x:.2f} pt"


def summarise(grades: dict[str, dict[str, dict[str, Any]]], peer: dict[str, dict[str, Any]],
              selection: str) -> dict[str, Any]:
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
        "literature": LITERATURE[selection],
    }
    words = [f"{selection.upper()}: the rejects' bad-rate error of the best method "
             f"({best_err[0]} / {best_err[1]}) is {_pt(best_err[2]['reject_abs_error'])}"]
    if baselines:
        fair = min(baselines.items(), key=lambda kv: kv[1]["reject_abs_error"])
        words.append(f", {compare(best_err[2]['reject_abs_error'], fair[1]['reject_abs_error'])}"
                     f" the best accepted-only model's ({fair[0]}, "
                     f"{_pt(fair[1]['reject_abs_error'])})")
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
        words.append(f"; rejectkit's best is {_pt(p_err[1]['reject_abs_error'])} ({p_err[0]}), "
                     f"and the best AUC over all applicants, {best_auc[2]['auc_all']:.4f} "
                     f"({best_auc[0]} / {best_auc[1]}), is "
                     f"{compare(best_auc[2]['auc_all'], p_auc[1]['auc_all'])} rejectkit's best "
                     f"{p_auc[1]['auc_all']:.4f} ({p_auc[0]})")
    out["sentence"] = "".join(words) + "."
    return out
