"""The check every narrated notebook's executed copy must pass (shared by the headless
notebook test, at its seed, and the claims test, at another seed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat

from riskkit.reporting import in_notebook as nbk
from riskkit.reporting.narration import check_claims, markdown_outputs, read_claims

NARRATED = ["01_population", "02_models", "03_feature_effects", "04_explaining_denials",
            "05_borrowed_once_then_ineligible", "06_policy_drift", "07_when_lgbm_beats_scorecard",
            "08_learning_from_approved", "09_which_validation_tests",
            "10_how_true_are_our_reasons", "11_monitoring_the_book"]
#: A minus sign in front of a figure a verb already gives the direction of ("by -2.9%").
SIGNED_GAP = re.compile(r"(under|over)-predicts[^.;]*? by [-+−]")
#: Letters a notebook must show: its personas denied, each named by its own id (at 20,000
#: rows Zhang San was approved, so 04's first denial had no reasons).
PERSONA_LETTERS = {"04_explaining_denials": ("Applicant zhang_san: DENIED",
                                             "Applicant li_si: DENIED")}
#: A letter naming an applicant by a persona's row number (-1, -2) instead of its id.
ROW_NUMBER = re.compile(r"(?i)applicant( number)? -\d")


def assert_claims_hold(result: dict[str, Any]) -> None:
    """Every claim the notebook published re-chooses its word from its numbers, finds each
    number in its table and stands in the shown text; no signed gap after a direction verb;
    its personas' letters are denials naming them by id; the claims record stays out of
    the code-free HTML."""
    assert result["error"] is None, (result["name"], result["error"])
    nb = nbformat.read(result["ipynb"], as_version=4)
    records = read_claims(nb)
    assert len(records) == 1, f"{result['name']}: published {len(records)} claim records"
    record = records[0]
    assert record["claims"], f"{result['name']}: no sentence was built from its numbers"
    assert check_claims(record) == [], result["name"]
    stated = "\n".join(markdown_outputs(nb))
    for claim in record["claims"]:
        if claim["kind"] != "pick":  # a picked word sits inside a longer sentence
            assert claim["text"] in stated, (result["name"], claim["text"])
    assert not SIGNED_GAP.search(stated), result["name"]
    for letter in PERSONA_LETTERS.get(result["name"], ()):
        assert letter in stated, (result["name"], letter)
    assert not ROW_NUMBER.search(stated), result["name"]
    page = Path(result["html"]).read_text(encoding="utf-8")
    assert "vnd.riskkit.claims" not in page and "publish_claims" not in page


def assert_charts_pass(result: dict[str, Any]) -> None:
    """Every chart image the notebook shows has its checklist record, and none has a breach."""
    nb = nbformat.read(result["ipynb"], as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    shown = [o for o in outputs if "image/png" in o.get("data", {})]
    checks = nbk.read_chart_checks(nb)
    assert len(checks) == len(shown), f"{result['name']}: a chart was shown without its checklist"
    failing = {c["name"]: c["problems"] for c in checks if c["problems"]}
    assert not failing, f"{result['name']}: charts failing the checklist: {failing}"
