"""What a run's numbers stand for: the oracle of an out-of-time cohort under another
scenario is that scenario's truth, and a notebook reuses a run only of the experiment it
asks for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from riskkit.core import features as F
from riskkit.experiment import config as C
from riskkit.experiment import ensure, runner
from riskkit.experiment.splits import population_splits, run_world
from riskkit.experiment.stages import decide_all, evaluate_all
from riskkit.models import OracleModel


def test_the_oracle_of_a_downturn_cohort_carries_the_downturn_shift() -> None:
    """The training scenario's oracle understated a downturn cohort's risk by its macro shift."""
    cfg = C.resolve({"data": {"rows": 2000, "oot": {"rows": 2000, "scenario": "downturn"}},
                     "models": {"scorecard": {"enabled": False}, "lgbm": {"enabled": False}},
                     "policy": {"model": "oracle"}})
    splits = population_splits(cfg)
    oracle = OracleModel(world=run_world(cfg))
    models = {"oracle": oracle.fit(splits["train"], splits["train"][F.TARGET])}
    _, decisions = decide_all(cfg, models, splits)
    oot = decisions[decisions["split"] == "oot"]
    np.testing.assert_allclose(oot["pd_oracle"].to_numpy(), splits["oot"]["true_pd"].to_numpy(),
                               rtol=1e-6)
    test = decisions[decisions["split"] == "test"]
    np.testing.assert_allclose(test["pd_oracle"].to_numpy(), splits["test"]["true_pd"].to_numpy(),
                               rtol=1e-6)
    metrics, _ = evaluate_all(cfg, models, splits)
    oot_metrics = metrics["models"]["oracle"]["oot"]
    assert abs(oot_metrics["ece"]) < 0.02  # calibrated on the cohort it describes
    assert models["oracle"].month == 0  # the fitted oracle itself is unchanged
    assert models["oracle"].truth_.macro_logit == 0.0


@pytest.fixture(scope="module")
def scorecard_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A real run with the built-in baseline's rows and seed but other models and policy."""
    runs = tmp_path_factory.mktemp("runs")
    user = {"name": "other", "seed": 5, "models": {"lgbm": {"enabled": False},
                                                   "oracle": {"enabled": False}},
            "policy": {"model": "scorecard", "cutoff": {"method": "approval_rate", "value": 0.6}},
            "explain": {"splits": ["test"]}, "figures": {"formats": ["png"]}}
    runner.run_experiment(C.resolve(user, rows=1000, seed=5), runs, quiet=True)
    return runs, user


class _WouldRun(Exception):
    pass


def test_a_notebook_reuses_only_a_run_of_the_experiment_it_asks_for(scorecard_run,
                                                                    monkeypatch) -> None:
    """Rows and seed alone used to pick a run with other models and another policy."""
    runs, user = scorecard_run

    def would_run(cfg, runs_dir, quiet=True):
        raise _WouldRun(cfg["name"])

    monkeypatch.setattr(ensure, "run_experiment", would_run)
    with pytest.raises(_WouldRun):  # the baseline asked for: that run is not it
        ensure.ensure_run(rows=1000, seed=5, runs_dir=runs)
    same = ensure.ensure_run(rows=1000, seed=5, runs_dir=runs, config={**user, "name": "x"})
    assert same.config["policy"]["model"] == "scorecard"  # the name alone does not matter


def _ask_for_run(runs: str, out: str) -> None:
    from riskkit.experiment import ensure

    user = {"data": {"world": "interacting", "bad_rate": 0.08},  # not the default world
            "models": {"lgbm": {"enabled": False}}, "policy": {"model": "scorecard"},
            "figures": {"enabled": False}, "explain": {"splits": ["test"]}}
    run = ensure.ensure_run(rows=1000, seed=3, runs_dir=runs, config=user)
    Path(out).write_text(str(run.path), encoding="utf-8")


def test_kernels_asking_for_the_same_new_run_at_once_make_it_once(tmp_path: Path) -> None:
    """Notebooks run side by side (riskkit notebooks --kernels 2) each made the shared run."""
    import multiprocessing

    runs = tmp_path / "runs"
    context = multiprocessing.get_context("spawn")
    asks = [context.Process(target=_ask_for_run, args=(str(runs), str(tmp_path / f"got{k}")))
            for k in range(2)]
    for ask in asks:
        ask.start()
    for ask in asks:
        ask.join(300)
    assert [ask.exitcode for ask in asks] == [0, 0]
    made = [p for p in runs.iterdir() if not p.name.startswith(".")]
    assert len(made) == 1, made
    assert {(tmp_path / f"got{k}").read_text(encoding="utf-8") for k in range(2)} == {str(made[0])}
    world = json.loads((made[0] / "world.json").read_text(encoding="utf-8"))
    assert (world["shape"], world["bad_rate"]) == ("interacting", 0.08)  # the world asked for
