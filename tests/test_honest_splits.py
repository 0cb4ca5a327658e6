"""Honest splits: early stopping, calibration and the cut-off on rows of their own, and a
bad-rate cut-off with a margin for its sample's error (issue 24)."""

from __future__ import annotations

import _thread
import threading
import time

import numpy as np
import pandas as pd
import pytest

from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.evaluate import cutoff_for_approval_rate, cutoff_for_bad_rate, ece
from riskkit.evaluate.roles import VALIDATION_ROLES, run_roles, validation_roles
from riskkit.experiment import config as C
from riskkit.experiment.splits import population_splits, run_world
from riskkit.experiment.stages import decide_all, fit_all
from riskkit.models import make_model
from riskkit.models.calibration import fit_platt_monotone
from riskkit.synth import World

BASELINE = World("baseline", 0.04)


@pytest.fixture(scope="module")
def cfg() -> dict:
    return C.resolve({"seed": 4, "data": {"rows": 6000, "oot": {"rows": 0}},
                      "figures": {"enabled": False}})


@pytest.fixture(scope="module")
def splits(cfg) -> dict[str, pd.DataFrame]:
    return population_splits(cfg)


def test_the_validation_split_is_shared_out_in_stratified_thirds(cfg, splits) -> None:
    valid = splits["valid"]
    roles = run_roles(valid, cfg)
    assert list(roles) == list(VALIDATION_ROLES)
    ids = [set(part[F.ID_COLUMN]) for part in roles.values()]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])  # disjoint
    assert set().union(*ids) == set(valid[F.ID_COLUMN])  # and they cover the split
    bads = [int(part[F.TARGET].sum()) for part in roles.values()]
    assert max(bads) - min(bads) <= 1  # each third gets its share of the rare bads
    again = validation_roles(valid, cfg["seed"], "separate")
    assert all(again[k].equals(roles[k]) for k in roles)  # seeded
    shared = validation_roles(valid, cfg["seed"], "shared")
    assert all(part is valid for part in shared.values())
    with pytest.raises(ConfigError, match="valid_roles"):
        C.resolve({"data": {"valid_roles": "mixed"}})


def test_calibration_is_fitted_on_its_rows_and_judged_on_others(cfg, splits) -> None:
    roles = run_roles(splits["valid"], cfg)
    train, stop, cal = splits["train"], roles["stop"], roles["calibrate"]
    model = make_model("lgbm", seed=4, params={"learning_rate": 0.1}).fit(
        train, train[F.TARGET], X_valid=stop, y_valid=stop[F.TARGET], X_calibrate=cal,
        y_calibrate=cal[F.TARGET])
    expected, _ = fit_platt_monotone(model.predict_logit(cal, raw=True), cal[F.TARGET].to_numpy())
    assert (model.calibration_.slope, model.calibration_.intercept) == \
        pytest.approx((expected.slope, expected.intercept), rel=1e-12)
    report = model.calibration_report_
    assert report["n_rows"] == len(stop) and report["n_fit_rows"] == len(cal)
    assert report["ece_after"] == pytest.approx(ece(stop[F.TARGET], model.predict_pd(stop)))
    with pytest.raises(ConfigError, match="X_calibrate needs X_valid"):
        make_model("lgbm").fit(train, train[F.TARGET], X_calibrate=cal, y_calibrate=cal[F.TARGET])


def test_a_run_chooses_its_cutoff_on_rows_no_model_was_fitted_on(cfg, splits, tmp_path) -> None:
    models = fit_all(cfg, splits, tmp_path / "models", world=run_world(cfg))
    policy, _ = decide_all(cfg, models, splits)
    rows = run_roles(splits["valid"], cfg)["cutoff"]
    passing = ~policy.knockout_mask(rows)
    p = models["lgbm"].predict_pd(rows)[passing]
    assert policy.cutoff == cutoff_for_approval_rate(p, cfg["policy"]["cutoff"]["value"])
    report = models["lgbm"].calibration_report_
    assert report["measured_on"].startswith("held-out")
    # the note beside it says the same, never "ECE on the same rows"
    assert report["note"].endswith("ECE on held-out validation rows"), report["note"]


def test_clopper_pearson_margin_on_a_known_case() -> None:
    """Ten applicants, PDs 1..10 %, one bad at the 9th. Against a 12 % target the observed
    rate (1 in 10) approves all ten; the one-sided 95 % Clopper-Pearson bound of 0 bads in n
    is 1 - 0.05 ** (1 / n) (0.95 for n = 1, 0.3123 for n = 8) and of 1 bad in 9 is the
    Beta(2, 8) quantile 0.4291, so no book fits 12 % and a 32 % target admits eight."""
    p = np.arange(1, 11) / 100
    y = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    assert cutoff_for_bad_rate(y, p, 0.12) == pytest.approx(0.10)  # 1/10 <= 12 %
    assert cutoff_for_bad_rate(y, p, 0.12, confidence=0.95) < 0.01  # nobody: 1 - 0.05**(1/n)
    # Clopper-Pearson's one-sided 95 % bound for 0 bads in n is 1 - 0.05 ** (1 / n): with
    # n = 8 it is 0.3123, so a 32 % target admits the first eight
    assert cutoff_for_bad_rate(y, p, 0.32, confidence=0.95) == pytest.approx(0.08)


def test_a_margin_keeps_the_true_approved_bad_rate_on_target() -> None:
    """The in-sample rule misses its target on new applicants about half the time or more;
    with a 95 % Clopper-Pearson margin, rarely."""
    rng = np.random.default_rng(3)
    target, misses = 0.03, {None: 0, 0.95: 0}
    reps = 200
    for _ in range(reps):
        p = rng.beta(0.6, 12.0, 3000)  # a known PD per applicant, mean about 4.8 %
        y = (rng.random(p.size) < p).astype(int)
        for confidence in misses:
            cut = cutoff_for_bad_rate(y, p, target, confidence=confidence)
            approved = p <= cut
            true_rate = p[approved].mean() if approved.any() else 0.0
            misses[confidence] += true_rate > target
    assert misses[None] / reps > 0.4
    assert misses[0.95] / reps < 0.08


def test_a_model_fitted_beside_the_others_hands_back_its_failure(cfg, splits, tmp_path,
                                                                 monkeypatch) -> None:
    """fit_all fits LightGBM on a thread of its own: its error reaches the caller, whole."""
    fitted_on = []

    def broken(self, *args, **kwargs):
        fitted_on.append(threading.current_thread().name)
        raise RuntimeError("boosting failed")

    monkeypatch.setattr(type(make_model("lgbm")), "fit", broken)
    with pytest.raises(RuntimeError, match="boosting failed"):
        fit_all(cfg, splits, tmp_path / "models", world=run_world(cfg))
    assert fitted_on == ["fit-lgbm"]  # beside the others, not after them on this thread
    assert not (tmp_path / "models" / "lgbm").exists()


def test_a_failure_beside_lightgbm_carries_its_error_too(cfg, splits, tmp_path,
                                                          monkeypatch) -> None:
    """Both fits fail: the scorecard's error is raised once LightGBM's fit has ended, with
    LightGBM's as a note, and neither model is saved."""
    def binning(self, *args, **kwargs):
        raise RuntimeError("binning failed")

    def boosting(self, *args, **kwargs):
        time.sleep(1)
        raise ValueError("boosting failed")

    monkeypatch.setattr(type(make_model("scorecard")), "fit", binning)
    monkeypatch.setattr(type(make_model("lgbm")), "fit", boosting)
    with pytest.raises(RuntimeError, match="binning failed") as raised:
        fit_all(cfg, splits, tmp_path / "models", world=run_world(cfg))
    assert any("fitting lgbm beside it failed too" in note and "boosting failed" in note
               for note in raised.value.__notes__)
    assert not (tmp_path / "models" / "lgbm").exists()


def test_a_fit_that_outlives_an_interrupt_writes_nothing(cfg, splits, tmp_path,
                                                         monkeypatch) -> None:
    """Ctrl-C while LightGBM still boosts on its thread: the interrupt is raised at once,
    and the fit, which goes on, saves nothing into the run folder the run then removes
    (this thread saves, never the fitting one)."""
    real_fit = type(make_model("lgbm")).fit
    finished = []

    def slow(self, *args, **kwargs):
        time.sleep(2)
        fitted = real_fit(self, *args, **kwargs)
        finished.append(threading.current_thread().name)
        return fitted

    monkeypatch.setattr(type(make_model("lgbm")), "fit", slow)
    threading.Timer(0.5, _thread.interrupt_main).start()
    with pytest.raises(KeyboardInterrupt):
        fit_all(cfg, splits, tmp_path / "models", world=run_world(cfg))
    for thread in [t for t in threading.enumerate() if t.name == "fit-lgbm"]:
        thread.join(timeout=60)
    assert finished == ["fit-lgbm"]  # the fit outlived the interrupt, on its own thread
    assert not (tmp_path / "models" / "lgbm").exists()
