"""The what-if panel without a browser: its controls, its ageing, its live and static forms.

A small stand-in for a run (the few methods ``RunContext`` reads) keeps the file fast: a
LightGBM and the oracle fitted on 3,000 applicants, and a fixed cut-off placed between
Zhang San's PD as he is and after one month of waiting, so moving the months slider must
flip his decision.
"""

from __future__ import annotations

from typing import Any, ClassVar

import ipywidgets as W
import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit import widgets
from riskkit.core import features as F
from riskkit.core.errors import ConfigError, RunError
from riskkit.explain import whatif
from riskkit.models import make_model
from riskkit.policy import APPROVED, Policy
from riskkit.reporting import notebooks as nbr
from riskkit.synth import World
from riskkit.synth.personas import persona

ROWS = 3000

BASELINE = World("baseline", 0.04)  # the world these tests draw from


class StubRun:
    """What a what-if panel reads from a run folder, without writing one."""

    deployed_model_name = "lgbm"
    world = BASELINE
    config: ClassVar[dict[str, Any]] = {"data": {"oot": {"months_later": 12}}}

    def __init__(self, models: dict[str, Any], policy: Policy, valid: pd.DataFrame) -> None:
        self._models, self._policy, self._valid = models, policy, valid

    def model(self, name: str) -> Any:
        if name not in self._models:
            raise RunError(f"stub run has no model {name!r}")
        return self._models[name]

    def policy(self) -> Policy:
        return self._policy

    def data(self, split: str) -> pd.DataFrame:
        return self._valid

    def applicant(self, applicant_id: int) -> tuple[pd.DataFrame, str]:
        hit = self._valid[self._valid[F.ID_COLUMN] == applicant_id]
        if hit.empty:
            raise RunError(f"applicant {applicant_id} is not in the stub run")
        return hit.reset_index(drop=True), "valid"


@pytest.fixture(scope="module")
def run() -> StubRun:
    frame = riskkit.generate(ROWS, seed=17)
    train, valid = frame.iloc[:2000], frame.iloc[2000:]
    models = {name: make_model(name, **({"world": BASELINE} if name == "oracle" else {})).fit(
        train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET]) for name in ("oracle", "lgbm")}
    zhang = persona("zhang_san", BASELINE)
    now = float(models["lgbm"].predict_pd(zhang)[0])
    later = float(models["lgbm"].predict_pd(whatif.what_if_row(zhang, {}, 1))[0])
    assert later < now, "a month of waiting (applications age out) must lower the PD"
    return StubRun(models, Policy().with_cutoff((now + later) / 2), valid)


@pytest.fixture(scope="module")
def context(run: StubRun) -> widgets.RunContext:
    return widgets.RunContext(run)


# ----------------------------------------------------------------------------- logic
def test_controls_follow_the_registry():
    specs = {c.name: c for c in whatif.controls(persona("zhang_san", BASELINE))}
    for name in ("age", "gender", "occupation", "city_tier", "has_housing_fund", "loan_purpose"):
        assert specs[name].kind == "locked", name
    for name in ("overdue_count_24m", "max_dpd_24m", "months_since_last_overdue",
                 "credit_history_months"):
        assert specs[name].kind == "aged", name
    for name in ("applications_30d", "applications_90d", "active_platforms", "loans_12m",
                 "current_overdue"):
        spec = specs[name]
        assert spec.kind == "count" and spec.step == 1 and isinstance(spec.value, int), name
        assert spec.low <= spec.value <= spec.high
    income = specs["monthly_income"]
    assert income.kind == "number" and income.readout == ",.0f" and income.low <= 7500 <= income.high
    assert specs["income_volatility"].step == F.get("income_volatility").step
    assert specs["current_overdue"].high == 1  # a flag: the registry's bound
    assert specs["outstanding_debt"].kind == "locked"  # not a model feature: moves nothing


def test_a_missing_value_stays_missing():
    row = persona("zhang_san", BASELINE).assign(credit_utilization=np.nan)
    assert {c.name: c for c in whatif.controls(row)}["credit_utilization"].kind == "locked"


def test_waiting_ages_the_history_as_recourse_does():
    row = persona("li_si", BASELINE).assign(overdue_count_24m=2, max_dpd_24m=40,
                                  months_since_last_overdue=20.0)
    assert "true_pd" in row.columns
    one, three, four = (whatif.what_if_row(row, {}, m) for m in (1, 3, 4))
    assert not any(c.startswith("true_") for c in one.columns)  # recomputed, never quoted
    assert one["applications_30d"].iloc[0] == 0 and one["applications_90d"].iloc[0] > 0
    assert three["applications_90d"].iloc[0] == 0
    assert four["credit_history_months"].iloc[0] == 64
    assert three["overdue_count_24m"].iloc[0] == 2  # 23 months old: still on record
    assert four["overdue_count_24m"].iloc[0] == 0 and np.isnan(four["months_since_last_overdue"].iloc[0])
    assert one["applications_30d"].dtype == np.int64


def test_changes_respect_what_may_move():
    row = persona("zhang_san", BASELINE)
    edited = whatif.what_if_row(row, {"applications_30d": 2, "monthly_income": 9000.0})
    assert edited["applications_30d"].iloc[0] == 2 and edited["monthly_income"].iloc[0] == 9000
    assert whatif.what_if_row(row, {"applications_30d": 9})["applications_90d"].iloc[0] == 9
    with pytest.raises(ConfigError, match="occupation"):
        whatif.what_if_row(row, {"occupation": "freelancer"})
    with pytest.raises(ConfigError, match="months waited"):
        whatif.what_if_row(row, {"max_dpd_24m": 0})
    with pytest.raises(ConfigError, match="whole numbers"):
        whatif.what_if_row(row, {"applications_30d": 2.5})
    with pytest.raises(ConfigError, match="0 to 24"):
        whatif.what_if_row(row, {}, 30)


# ----------------------------------------------------------------------------- live panel
def test_moving_the_months_slider_updates_pd_and_decision(run, context):
    panel = widgets.what_if(run, "zhang_san", interactive=True, context=context)
    assert isinstance(panel.widget, W.Widget)
    assert "DENIED" in panel.decision_html.value and panel.result["decision"] != APPROVED
    pd_before = panel.pd_html.value
    panel.months_slider.value = 1  # what a user does in the browser
    assert "APPROVED" in panel.decision_html.value and panel.result["decision"] == APPROVED
    assert panel.pd_html.value != pd_before
    assert panel.inputs["applications_30d"].value == 0  # the counts follow the wait
    assert panel.inputs["credit_history_months"].value == "9 months"
    line = panel.result["credit_line"]
    assert line > 0 and f"{line:,.0f} CNY" in panel.line_html.value
    assert "true PD" in panel.truth_html.value


def test_a_count_slider_moves_by_whole_numbers_and_re_decides(run, context):
    panel = widgets.what_if(run, "zhang_san", interactive=True, months=1, context=context)
    box = panel.inputs["applications_30d"]
    assert isinstance(box, W.IntSlider) and box.step == 1
    approved_pd = panel.result["pd"]
    box.value = box.max
    assert panel.changes() == {"applications_30d": box.max}
    assert panel.result["pd"] > approved_pd
    assert panel.reasons_html.value.count("<li>") >= 1
    for spec in panel.specs:
        assert panel.inputs[spec.name].disabled == (not spec.movable), spec.name


def test_recourse_and_reasons_are_shown_in_chinese(run, context):
    panel = widgets.what_if(run, "zhang_san", interactive=True, lang="zh", context=context)
    assert "拒绝" in panel.decision_html.value
    assert "近30天申请贷款" in panel.reasons_html.value
    assert "需要做出的改变" in panel.recourse_html.value
    assert panel.inputs["monthly_income"].description == F.get("monthly_income").label_zh


# ----------------------------------------------------------------------------- headless
def test_headless_panel_is_a_static_snapshot_without_widgets(run, context):
    panel = widgets.what_if(run, "zhang_san", interactive=False, context=context)
    assert panel.widget is None  # no widget state in an executed notebook
    page = panel.snapshot_html()
    assert "<script" not in page
    assert f"{panel.result['pd']:.2%}" in page and "DENIED" in page
    assert "Occupation" in page and "fixed" in page and "moves with months waited" in page
    panel.set(months=1)
    assert "APPROVED" in panel.snapshot_html()
    with pytest.raises(ConfigError, match="not a movable control"):
        panel.set(changes={"occupation": "student"})


def test_side_by_side_view_of_the_two_personas(run):
    view = widgets.compare(run, interactive=False)
    assert [p.title for p in view.panels] == ["Zhang San", "Li Si"]
    page = view.snapshot_html()
    assert "Zhang San" in page and "Li Si" in page
    live = widgets.compare(run, interactive=True)
    assert isinstance(live.widget, W.HBox) and len(live.widget.children) == 2


def test_applicants_are_personas_ids_or_rows(run):
    row, title = widgets.resolve_applicant(run, int(run.data("valid")[F.ID_COLUMN].iloc[0]))
    assert len(row) == 1 and title.startswith("Applicant ")
    assert widgets.resolve_applicant(run, persona("li_si", BASELINE))[1] == "Li Si"
    with pytest.raises(ConfigError, match="persona"):
        widgets.resolve_applicant(run, "wang_wu")


def test_live_frontend_detection(monkeypatch):
    monkeypatch.delenv(nbr.HEADLESS_ENV, raising=False)
    assert widgets.live_frontend(True) and not widgets.live_frontend(False)
    assert not widgets.live_frontend()  # plain Python: no kernel, no frontend
    monkeypatch.setenv(nbr.HEADLESS_ENV, "1")
    assert not widgets.live_frontend()
    assert widgets.live_frontend(True)  # an explicit parameter wins


def test_the_runner_sets_interactive_false_where_a_notebook_declares_it():
    nb = nbr.read_source(nbr.notebooks_dir() / "04_explaining_denials.py")
    assert "interactive" in nbr.declared_parameters(nb)
    nb = nbr.read_source(nbr.notebooks_dir() / "01_population.py")
    assert "interactive" not in nbr.declared_parameters(nb)  # papermill would warn
