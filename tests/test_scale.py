"""The Dask engine: same rows and data card as in-process, scoring and training on workers.

One LocalCluster of two worker processes (one thread each) serves the module; tests reach
it by address, as a user with a running scheduler would, or through the client. Data are a
few blocks plus a remainder, so partitions of 1 and 2 blocks both end in a short one.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time
import warnings

import numpy as np
import pandas as pd
import psutil
import pytest
from sklearn.metrics import roc_auc_score

import riskkit
from riskkit.core import features as F
from riskkit.core.errors import ConfigError
from riskkit.core.io import read_json
from riskkit.models import LGBMModel, load_model
from riskkit.policy import Policy
from riskkit.synth import BLOCK_ROWS, fingerprint, write_population
from riskkit.synth.store import POPULATION_FILE

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

from riskkit.scale import (  # noqa: E402
    fit_lgbm_dask,
    list_partitions,
    partition_plan,
    score_partitions,
    write_population_dask,
)
from riskkit.scale.score import CONTRIB_PREFIX, read_scores  # noqa: E402
from riskkit.synth import World  # noqa: E402

ROWS = 3 * BLOCK_ROWS + 1234
SMALL = BLOCK_ROWS + 3000  # scoring and training: two partitions of one block or less
SEED = 5

BASELINE = World("baseline", 0.04)  # the world these tests draw from


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():  # another cluster on the machine may hold port 8787
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, memory_limit="2GiB",
                                           silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    try:
        client.run(importlib.import_module, "riskkit.scale.score")  # import once, in parallel
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return riskkit.generate(ROWS, seed=SEED)


@pytest.fixture(scope="module")
def local_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    card = write_population(out, ROWS, SEED, BASELINE, quiet=True)
    return out, card


@pytest.fixture(scope="module")
def small(reference) -> pd.DataFrame:
    return reference.iloc[:SMALL].reset_index(drop=True)  # = riskkit.generate(SMALL, SEED)


@pytest.fixture(scope="module")
def dask_out(client, tmp_path_factory):
    out = tmp_path_factory.mktemp("dask")
    write_population_dask(out, SMALL, SEED, BASELINE, scheduler=client, partition_blocks=1, quiet=True)
    return out


@pytest.fixture(scope="module")
def small_local_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    write_population(out, SMALL, SEED, BASELINE, quiet=True)
    return out


def assert_same_frame(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Exact equality, fast: columns, dtypes and the content digest of every block.

    ``assert_frame_equal`` on 200k x 68 takes seconds; the fingerprint hashes the bytes of
    every column (and the categories of categoricals), so equal fingerprints mean equal
    content. The first rows go through ``assert_frame_equal`` for a readable diff.
    """
    assert list(got.columns) == list(expected.columns)
    assert got.dtypes.astype(str).tolist() == expected.dtypes.astype(str).tolist()
    pd.testing.assert_frame_equal(got.head(500), expected.head(500))
    assert len(got) == len(expected) and fingerprint(got) == fingerprint(expected)


def test_partition_plan_covers_every_block_once():
    assert partition_plan(ROWS, 1) == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert partition_plan(ROWS, 3) == [(0, 3), (3, 4)]
    assert partition_plan(10, 4) == [(0, 1)]
    with pytest.raises(ConfigError, match="partition_blocks"):
        partition_plan(ROWS, 0)


@pytest.mark.parametrize(("partition_blocks", "n_parts"), [(1, 4), (2, 2)])
def test_dask_engine_equals_in_process(client, reference, local_out, tmp_path,
                                       partition_blocks, n_parts):
    _, local_card = local_out
    card = write_population_dask(tmp_path, ROWS, SEED, BASELINE, scheduler=client.scheduler.address,
                                 partition_blocks=partition_blocks, quiet=True)
    assert card == local_card  # same keys and values: fingerprint, bad rate, oracle AUC ...
    assert read_json(tmp_path / "datacard.json") == card
    folder = tmp_path / POPULATION_FILE
    assert sorted(p.name for p in folder.iterdir()) == [f"part-{i:05d}.parquet"
                                                       for i in range(n_parts)]
    frame = pd.read_parquet(folder)
    assert_same_frame(frame, reference)
    assert fingerprint(frame) == card["fingerprint"]
    lazy = dd.read_parquet(str(folder))
    assert lazy.npartitions == n_parts
    assert int(lazy[F.TARGET].sum().compute()) == int(reference[F.TARGET].sum())


def test_rerun_leaves_no_stale_partitions(client, tmp_path):
    write_population_dask(tmp_path, SMALL, SEED, BASELINE, scheduler=client, partition_blocks=1, quiet=True)
    write_population_dask(tmp_path, 1000, SEED + 1, BASELINE, scheduler=client, quiet=True)
    folder = tmp_path / POPULATION_FILE
    assert [p.name for p in folder.iterdir()] == ["part-00000.parquet"]
    pd.testing.assert_frame_equal(pd.read_parquet(folder), riskkit.generate(1000, seed=SEED + 1))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def worker_processes() -> set[int]:
    """Dask worker processes of this process (multiprocessing's spawned children).

    multiprocessing's resource tracker, started with the first cluster and kept for the
    life of the process, is not a worker.
    """
    found = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if "spawn_main" in " ".join(proc.cmdline()):
                found.add(proc.pid)
        except psutil.Error:
            pass
    return found


def test_own_local_cluster_is_started_and_closed(tmp_path):
    before = worker_processes()
    card = write_population_dask(tmp_path, 3000, 2, BASELINE, n_workers=1, quiet=True)
    assert worker_processes() <= before  # its worker process is gone
    assert card["rows"] == 3000
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / POPULATION_FILE),
                                  riskkit.generate(3000, seed=2))


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "no-port-here"])
def test_bad_scheduler_address_is_a_clear_error(client, tmp_path, address):
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=f"Dask scheduler at '{address}'"):
        write_population_dask(tmp_path, 1000, 1, BASELINE, scheduler=address, connect_timeout_s=1,
                              quiet=True)
    assert time.perf_counter() - start < 5
    assert not (tmp_path / POPULATION_FILE).exists()
    # the failed attempt must not disturb a client this process already has (it did, once)
    assert client.submit(sum, [1, 2], pure=False).result(timeout=30) == 3


@pytest.fixture(scope="module")
def fitted(reference):
    train, valid = reference.iloc[SMALL:SMALL + 40_000], reference.iloc[SMALL + 40_000:]
    model = LGBMModel(params={"n_estimators": 40}, contrib_engine="fast", num_threads=1)
    model.fit(train, train[F.TARGET], X_valid=valid, y_valid=valid[F.TARGET])
    policy = Policy().fit(valid, model.predict_pd(valid), valid[F.TARGET].to_numpy())
    return model, policy


def test_partitions_are_encoded_as_lgbm_model_encodes_a_frame(fitted, small):
    from riskkit.scale.train import encode_partition

    model, _ = fitted
    np.testing.assert_array_equal(
        encode_partition(small, model.features_, model.levels_).to_numpy(),
        model._matrix(model._prepare(small)))


@pytest.mark.parametrize("source", ["dask folder", "single file"])
def test_scoring_over_partitions_equals_in_process(client, fitted, small, dask_out,
                                                   small_local_out, tmp_path, source):
    model, policy = fitted
    model_dir = tmp_path / "model"
    model.save(model_dir)
    path = dask_out / POPULATION_FILE if source == "dask folder" else small_local_out
    assert len(list_partitions(path, row_groups_per_partition=1)) == 2
    summary = score_partitions(model_dir, path, tmp_path / "out", policy=policy,
                               scheduler=client, quiet=True, row_groups_per_partition=1)
    assert summary["partitions"] == 2 and summary["rows"] == SMALL
    scores = read_scores(tmp_path / "out")
    pd_ = model.predict_pd(small)
    score = model.points(small)
    decision = policy.decide(small, pd_, score)
    np.testing.assert_array_equal(scores[F.ID_COLUMN], small[F.ID_COLUMN])
    np.testing.assert_array_equal(scores["pd"], pd_)
    np.testing.assert_array_equal(scores["score"], score)
    for column in ("decision", "knockout", "credit_line"):
        np.testing.assert_array_equal(scores[column].to_numpy(), decision[column].to_numpy())
    contrib = model.contributions(small)
    got = scores[[f"{CONTRIB_PREFIX}{n}" for n in model.features_]].to_numpy()
    np.testing.assert_array_equal(got, contrib.to_numpy())
    assert summary["expected_value"] == model.expected_value()
    assert summary["approval_rate"] == pytest.approx((decision["decision"] == "approved").mean())


def test_scoring_a_fitted_model_object_saves_it_for_the_workers(client, fitted, dask_out,
                                                               tmp_path):
    model, _ = fitted
    summary = score_partitions(model, dask_out, tmp_path, contributions=False,
                               scheduler=client, quiet=True)
    assert (tmp_path / "model" / "model.json").is_file()
    scores = read_scores(tmp_path)
    assert list(scores.columns) == [F.ID_COLUMN, "pd", "score"]
    assert summary["approval_rate"] is None and summary["rows"] == SMALL


def test_scoring_rejects_a_folder_without_a_model(client, dask_out, tmp_path):
    with pytest.raises(riskkit.core.errors.RunError, match="not a saved riskkit model"):
        score_partitions(tmp_path, dask_out, tmp_path / "out", scheduler=client, quiet=True)


def test_dask_lightgbm_is_as_good_as_in_process(client, dask_out, small, tmp_path):
    params = {"n_estimators": 60, "learning_rate": 0.1}
    valid = riskkit.generate(20_000, seed=SEED + 10)
    test = riskkit.generate(20_000, seed=SEED + 20)
    model = fit_lgbm_dask(client, dask_out / POPULATION_FILE, params=params, valid=valid)
    assert model.booster_.current_iteration() == 60
    assert model.calibration_.applied
    local = LGBMModel(params={**params, "early_stopping_rounds": None}, num_threads=1)
    local.fit(small, small[F.TARGET])
    auc_dask = roc_auc_score(test[F.TARGET], model.predict_pd(test))
    auc_local = roc_auc_score(test[F.TARGET], local.predict_pd(test))
    assert auc_dask > 0.75
    assert abs(auc_dask - auc_local) < 0.01
    contrib = model.contributions(test.iloc[:500])
    np.testing.assert_allclose(contrib.sum(axis=1) + model.expected_value(),
                               model.predict_logit(test.iloc[:500]), atol=1e-9)
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(load_model(tmp_path / "m").predict_pd(test),
                                  model.predict_pd(test))


def test_measure_counts_the_memory_of_child_processes():
    from riskkit.scale.measure import run_measured

    child = "import time; x = bytearray(80 * 2**20); x[::4096] = b'1' * len(x[::4096]); time.sleep(1)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    result = run_measured([sys.executable, "-c", parent], interval_s=0.05)
    assert result["returncode"] == 0
    assert result["peak_tree_mb"] >= 80  # the grandchild's buffer counts
    assert len(result["peak_per_process_mb"]) == 2
