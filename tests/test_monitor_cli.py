"""``riskkit monitor SIM_DIR``: tables, charts and summary figures; bad folders exit 2."""

from __future__ import annotations

import json

import pytest

from riskkit.cli import main
from riskkit.core import features as F
from riskkit.lifecycle import simulation as L
from riskkit.lifecycle.monitor.folder import MONITOR_DIR
from riskkit.models import make_model
from riskkit.policy import Policy
from riskkit.synth import World

BASELINE = World("baseline", 0.04)  # the world these tests draw from

TABLES = ("vintages", "vintages_by_period", "roll_rates", "roll_rates_average", "roll_to_30",
          "migration", "migration_average", "stability", "csi", "lifetime_pd", "stages",
          "detection")
FIGURES = ("vintage_fan", "roll_rates", "roll_to_30_p_chart", "migration", "psi_by_month",
           "lifetime_pd_by_grade", "lifetime_pd_methods", "stage_shares")


@pytest.fixture(scope="module")
def panel():
    pop = BASELINE.generate(5_000, 101)
    model = make_model("oracle", world=BASELINE).fit(pop, pop[F.TARGET])
    policy = Policy.from_config({}).fit(pop, model.predict_pd(pop), pop[F.TARGET])
    return L.simulate(2_000, 10, 4, model, policy, downturn_from=5, world=BASELINE)


def test_monitor_writes_every_table_and_chart_and_keeps_the_summary(panel, tmp_path, capsys):
    sim = tmp_path / "sim"
    panel.write(sim)
    before = json.loads((sim / "summary.json").read_text())
    assert main(["monitor", str(sim), "--quiet"]) == 0
    out = capsys.readouterr()
    assert "roll_to_30_p_chart" in out.out and out.err == ""
    folder = sim / MONITOR_DIR
    for name in TABLES:
        assert (folder / f"{name}.csv").stat().st_size > 0, name
        assert (folder / f"{name}.parquet").stat().st_size > 0, name
    for name in FIGURES:
        for fmt in ("png", "svg", "pdf"):
            assert (folder / "figures" / f"{name}.{fmt}").stat().st_size > 0, (name, fmt)
    after = json.loads((sim / "summary.json").read_text())
    assert {k: after[k] for k in before} == before  # every existing key kept as it was
    block = after["monitor"]
    assert set(block["detection"]) == {"psi_score_0.1", "psi_score_0.25", "csi_0.25",
                                       "vintage_band", "roll_to_30_p_chart", "lender_alert"}
    assert block["downturn_from"] == 5 and block["grades"] == 10
    # the truth beside every table is the simulation's world, named as simulate named it
    assert block["world_label"] == before["world_label"] == BASELINE.with_downturn(5).label()
    assert f"accounts of {block['world_label']} on 10 grades" in out.out
    assert not list(sim.rglob(".tmp-*"))
    # the same folder monitored again gives the same tables and summary
    tables = {p.name: p.read_bytes() for p in folder.glob("*.csv")}
    assert main(["monitor", str(sim), "--quiet"]) == 0
    assert {p.name: p.read_bytes() for p in folder.glob("*.csv")} == tables
    assert json.loads((sim / "summary.json").read_text()) == after


def test_monitor_refuses_what_is_not_a_simulation(panel, tmp_path, capsys):
    cases = {"missing": tmp_path / "nowhere", "empty": tmp_path / "empty",
             "old": tmp_path / "old"}
    cases["empty"].mkdir()
    L.Panel(panel.frame.drop(columns="days_past_due"), panel.summary).write(cases["old"])
    words = {"missing": "is not a folder", "empty": "panel.parquet does not exist",
             "old": "days_past_due"}
    for name, folder in cases.items():
        assert main(["monitor", str(folder), "--quiet"]) == 2, name
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and words[name] in err, err
        assert err.startswith("riskkit monitor: error:") and "Traceback" not in err
        assert not (folder / MONITOR_DIR).exists()
