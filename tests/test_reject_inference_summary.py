"""Issue 24's done criterion in numbers and words: one row that beats every reference on both
the rejects' bad-rate error and the AUC over all applicants (crafted grades, both signs)."""

from __future__ import annotations

from riskkit.rejectinf.summary import single_row, summarise


def _g(err: float, auc: float) -> dict[str, float]:
    return {"reject_abs_error": err, "auc_all": auc}


PEER = {"accepted_only": _g(0.0084, 0.8225), "fuzzy": _g(0.0084, 0.8226),
        "heckman": _g(0.0201, 0.8180)}


def test_a_row_that_beats_every_reference_on_both_is_named() -> None:
    grades = {"logistic": {"accepted_only": _g(0.0094, 0.8223), "hard_cutoff": _g(0.0077, 0.8036)},
              "scorecard": {"parcelling": _g(0.0078, 0.8246), "fuzzy": _g(0.0090, 0.8251),
                            "full_information": _g(0.0001, 0.8259)}}
    out = single_row(grades, PEER)
    assert out["error_to_beat"] == 0.0084 and out["auc_to_beat"] == 0.8226
    # hard cut-off wins on error only, fuzzy on AUC only, the bound is not a method
    assert [(r["model"], r["method"]) for r in out["rows"]] == [("scorecard", "parcelling")]
    assert out["sentence"].startswith("1 row(s) beat the best reference (0.84 pt error, "
                                      "AUC 0.8226: rejectkit and the logistic regression")
    assert "scorecard / parcelling, has 0.78 pt and AUC 0.8246" in out["sentence"]
    assert "1 row(s) beat" in summarise(grades, PEER, "mar")["sentence"]


def test_no_single_row_is_said_when_the_wins_are_split() -> None:
    grades = {"logistic": {"accepted_only": _g(0.0264, 0.8225), "hard_cutoff": _g(0.0075, 0.8091)},
              "scorecard": {"heckman": _g(0.0213, 0.8244)}}
    out = single_row(grades, PEER)
    assert out["rows"] == []
    assert out["sentence"] == ("no single row beats the best reference (0.84 pt error, AUC "
                               "0.8226: rejectkit and the logistic regression on the accepted) "
                               "on both measures")
    # without the peer the logistic regression on the accepted is the only reference
    alone = single_row(grades, {})
    assert alone["error_to_beat"] == 0.0264 and [r["method"] for r in alone["rows"]] == ["heckman"]
    assert alone["sentence"].startswith("1 row(s) beat") and "rejectkit" not in alone["sentence"]
