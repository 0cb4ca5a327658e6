"""One tree router: the predictor and every TreeSHAP kernel route rows with the same code.

Pinned hashes: SHA-256 of the float64 outputs of the predictor and of path-dependent and
interventional TreeSHAP (tables, per-leaf tables, the per-row fallback) on small boosters
with categorical splits, missing values sent both ways, missing type Zero, single-leaf
trees and monotone constraints off, computed with the code of commit 094f6a3, before the
three routers became one. A change of any routing decision or any summation order fails.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pytest

from riskkit.models._forest import flatten, predict_raw
from riskkit.trees import CATEGORICAL, DEFAULT_LEFT, MISSING_SHIFT, read_booster
from riskkit.treeshap import FastTreeShap

SRC = Path(__file__).resolve().parents[1] / "src"
BASE = {"objective": "binary", "verbosity": -1, "num_threads": 1, "deterministic": True,
        "force_row_wise": True, "seed": 3}


def sha(values: Any) -> str:
    a = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    return hashlib.sha256(a.tobytes() + str(a.shape).encode()).hexdigest()[:16]


def awkward(X: np.ndarray, seed: int = 1) -> np.ndarray:
    """Rows of ``X`` with NaN, 0, -0, 1e-36, +-inf, negative, fractional and large codes."""
    rng = np.random.default_rng(seed)
    rows = X[rng.integers(0, len(X), 600)].copy()
    for j in range(rows.shape[1]):
        u = rng.random(len(rows))
        rows[u < 0.05, j] = np.nan
        rows[(u >= 0.05) & (u < 0.08), j] = 0.0
        special = (u >= 0.08) & (u < 0.14)
        rows[special, j] = rng.choice([-0.0, 1e-36, -1e-36, np.inf, -np.inf, -3.0, -0.5, 2.5,
                                       63.0, 64.0, 1e300, 2.0**31, 1e-35], special.sum())
    return np.vstack([X[:400], rows])


def _categorical(codes: int, seed: int) -> tuple[lgb.Booster, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 2000
    X = rng.normal(size=(n, 4))
    X[:, 1] = rng.integers(0, codes, n)
    X[rng.random(n) < 0.1, 2] = np.nan
    X[rng.random(n) < 0.3, 3] = 0.0
    y = (X[:, 0] + (X[:, 1] % 3 == 0) + np.nan_to_num(X[:, 2]) + rng.normal(size=n) > 0.5)
    params = {**BASE, "num_leaves": 24, "min_data_in_leaf": 5, "max_cat_to_onehot": 2,
              "cat_smooth": 1.0, "min_data_per_group": 5}
    data = lgb.Dataset(X, y.astype(int), categorical_feature=[1])
    return lgb.train(params, data, num_boost_round=12), X


def _missing(zero_as_missing: bool) -> tuple[lgb.Booster, np.ndarray]:
    """NaN informative towards 1 in one column and towards 0 in another: default_left both
    ways (and, with zero_as_missing, missing type Zero)."""
    rng = np.random.default_rng(4)
    n = 2000
    X = rng.normal(size=(n, 4))
    nan_a, nan_b = rng.random(n) < 0.25, rng.random(n) < 0.25
    logit = X[:, 0] + X[:, 1] + 0.5 * X[:, 2] + 2.0 * nan_a - 2.0 * nan_b
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X[nan_a, 0] = np.nan
    X[nan_b, 1] = np.nan
    X[rng.random(n) < 0.3, 2] = 0.0
    params = {**BASE, "num_leaves": 12, "min_data_in_leaf": 5,
              "zero_as_missing": zero_as_missing}
    return lgb.train(params, lgb.Dataset(X, y), num_boost_round=12), X


def _with_single_leaf_trees() -> tuple[lgb.Booster, np.ndarray]:
    """Trees with splits and single-leaf trees in between (spliced from two models' text:
    LightGBM itself stops training at the first tree that cannot split)."""
    rng = np.random.default_rng(9)
    n = 1500
    X = rng.normal(size=(n, 3))
    X[rng.random(n) < 0.2, 1] = np.nan
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    split = lgb.train({**BASE, "num_leaves": 7}, lgb.Dataset(X, y), num_boost_round=4)
    leaf = lgb.train({**BASE, "min_data_in_leaf": 10**6}, lgb.Dataset(X, y), num_boost_round=1)

    def trees(text: str) -> tuple[str, list[str]]:
        head, body = text.split("\nTree=0\n", 1)
        blocks = ("Tree=0\n" + body.split("end of trees")[0]).split("\n\n\n")
        return head, [b.strip("\n").split("\n", 1)[1] for b in blocks if b.strip()]

    head, parts = trees(split.model_to_string())
    one = trees(leaf.model_to_string())[1][0]
    blocks = [parts[0], one, parts[1], parts[2], one, parts[3]]
    head = re.sub(r"\ntree_sizes=[^\n]*", "", head)
    text = head + "\n" + "".join(f"Tree={i}\n{b}\n\n\n" for i, b in enumerate(blocks))
    booster = lgb.Booster(model_str=text + "end of trees\n")
    assert [t["num_leaves"] for t in booster.dump_model()["tree_info"]][1::3] == [1, 1]
    return booster, X


def _monotone_off() -> tuple[lgb.Booster, np.ndarray]:
    from riskkit.core import features as F
    from riskkit.models import LGBMModel
    from riskkit.synth import generate

    pop = generate(4000, seed=5)
    model = LGBMModel(monotone=False, num_threads=1, seed=3,
                      params={"n_estimators": 15, "early_stopping_rounds": None})
    model.fit(pop.iloc[:3000], pop[F.TARGET].iloc[:3000])
    return model.booster_, model._matrix(model._prepare(pop.iloc[3000:]))


BOOSTERS = {
    "categorical40": lambda: _categorical(40, 0),
    "categorical100": lambda: _categorical(100, 1),
    "missing_nan": lambda: _missing(False),
    "missing_zero": lambda: _missing(True),
    "single_leaf_trees": _with_single_leaf_trees,
    "monotone_off": _monotone_off,
}
VARIANTS: dict[str, dict[str, Any]] = {
    "path": {}, "path_fallback": {"max_table_bits": 0}, "path_leaf_units": {"max_group_nodes": 0},
    "interventional": {"background": 100}, "int_fallback": {"background": 100, "max_table_bits": 0},
    "int_bits3": {"background": 100, "max_table_bits": 3},
}


def outputs(booster: lgb.Booster, X: np.ndarray) -> dict[str, str]:
    rows = awkward(X)
    forest = flatten(booster)
    out = {"predict": "" if forest is None else sha(predict_raw(forest, rows))}
    for name, options in VARIANTS.items():
        opts = dict(options)
        if "background" in opts:
            opts["background"] = X[-opts["background"]:]
        out[name] = sha(FastTreeShap(booster, **opts).contributions(rows))
    return out


#: ``outputs`` as the code of commit 094f6a3 gave them, before one router (``""``: the
#: predictor declines category codes of 64 and more; its callers keep LightGBM's predict).
PINNED = {
    "categorical40": {
        "predict": "5b45e5477bf0213c", "path": "ee8239546a370748",
        "path_fallback": "59227d2bacb8f9b0", "path_leaf_units": "59227d2bacb8f9b0",
        "interventional": "7535895a1d373fd2", "int_fallback": "69bd45aceb84c4bf",
        "int_bits3": "9ff4b22ca58b08f5",
    },
    "categorical100": {
        "predict": "", "path": "63e148afb8509d04", "path_fallback": "fbf75197296fec25",
        "path_leaf_units": "fbf75197296fec25", "interventional": "28d495fc938b8c8b",
        "int_fallback": "1eae23f839b8cac9", "int_bits3": "78d0c2d35e310c42",
    },
    "missing_nan": {
        "predict": "0dd585ebbce8f8c0", "path": "c733f720a90fbbbd",
        "path_fallback": "dd84cff1d67f0a93", "path_leaf_units": "dd84cff1d67f0a93",
        "interventional": "f71f2eb63199e612", "int_fallback": "562be6a04bfc3481",
        "int_bits3": "614626592710929d",
    },
    "missing_zero": {
        "predict": "91134465a7000941", "path": "509f494e41e60e95",
        "path_fallback": "d65e2d1cd33aa229", "path_leaf_units": "d65e2d1cd33aa229",
        "interventional": "873ea5fe620cb300", "int_fallback": "ac3967741e8819e0",
        "int_bits3": "31de363c8ada134d",
    },
    "single_leaf_trees": {
        "predict": "948bd0317c152b71", "path": "588241b984063130",
        "path_fallback": "c603164ffe8115d1", "path_leaf_units": "c603164ffe8115d1",
        "interventional": "47a693d0308460fa", "int_fallback": "39f411941066ce97",
        "int_bits3": "63c35e73a69ebd8b",
    },
    "monotone_off": {
        "predict": "8fb1e2795bc42bb1", "path": "10f9a55aac19641a",
        "path_fallback": "0965384c5416386b", "path_leaf_units": "0965384c5416386b",
        "interventional": "9b8881809cad1fae", "int_fallback": "2015e79d24e81bd6",
        "int_bits3": "802cf9e59dae6a57",
    },
}


@pytest.fixture(scope="module", params=list(BOOSTERS))
def case(request: pytest.FixtureRequest) -> tuple[str, lgb.Booster, np.ndarray]:
    booster, X = BOOSTERS[request.param]()
    return request.param, booster, X


def test_outputs_are_the_bits_the_three_routers_gave(case: Any) -> None:
    name, booster, X = case
    assert outputs(booster, X) == PINNED[name]


def test_predictor_and_expected_value_are_lightgbms_bits(case: Any) -> None:
    """LightGBM's raw scores bit for bit wherever the predictor applies (it declines only
    category codes of 64 and more), its expected value bit for bit, pred_contrib to 1e-12."""
    _, booster, X = case
    rows = awkward(X)
    forest = flatten(booster)
    wide = bool((read_booster(booster).trees.node_cat_len > 2).any())
    assert (forest is None) == wide
    raw = booster.predict(rows, raw_score=True)
    if forest is not None:
        assert np.array_equal(predict_raw(forest, rows), raw)
    ours = FastTreeShap(booster).contributions(rows)
    reference = booster.predict(rows, pred_contrib=True)
    assert np.array_equal(ours[:, -1], reference[:, -1])
    assert np.max(np.abs(ours - reference)) <= 1e-12
    assert np.max(np.abs(ours.sum(axis=1) - raw)) <= 1e-12


def test_trees_read_from_the_text_are_the_trees_lightgbm_dumps(case: Any) -> None:
    """Pre-order nodes and left-to-right leaves hold what ``dump_model`` says, node by node."""
    _, booster, _ = case
    model = read_booster(booster)
    t = model.trees
    names = {"None": 0, "Zero": 1, "NaN": 2}
    for i, tree in enumerate(booster.dump_model()["tree_info"]):
        nodes, leaves, stack = [], [], [tree["tree_structure"]]
        while stack:
            node = stack.pop()
            if "split_index" in node:
                nodes.append(node)
                stack += [node["right_child"], node["left_child"]]
            else:
                leaves.append(node)
        start, first = int(t.tree_node_start[i]), int(t.tree_leaf_start[i])
        assert (t.tree_n_nodes[i], model.tree_n_leaves[i]) == (len(nodes), len(leaves))
        for n, node in enumerate(nodes, start):
            d = int(t.node_decision[n])
            assert t.node_feature[n] == node["split_feature"]
            assert bool(d & DEFAULT_LEFT) == node["default_left"]
            assert (d >> MISSING_SHIFT) & 3 == names[node["missing_type"]]
            assert model.node_count[n] == node["internal_count"]
            if d & CATEGORICAL:
                words = t.cat_words[t.node_cat_start[n]:][: t.node_cat_len[n]]
                codes = [c for c in range(32 * len(words)) if words[c >> 5] >> (c & 31) & 1]
                assert "||".join(map(str, codes)) == node["threshold"]
            else:
                assert t.node_threshold[n] == node["threshold"]
        for j, leaf in enumerate(leaves, first):
            assert t.leaf_value[j] == leaf["leaf_value"]
            assert model.leaf_count[j] == leaf["leaf_count"]
            assert model.leaf_index[j] == leaf.get("leaf_index", 0)


ROUTING = ("trees/", "models/_forest.py", "treeshap/_kernels.py", "treeshap/_ikernels.py",
           "treeshap/_interventional.py", "treeshap/_model.py", "treeshap/_plan.py")


def test_split_decisions_are_written_once() -> None:
    """Only riskkit/trees decodes LightGBM's decision_type bits, and ``duplicates`` finds no
    pair of repeated lines inside the tree-routing code."""
    for path in (SRC / "riskkit").rglob("*.py"):
        rel = path.relative_to(SRC / "riskkit").as_posix()
        text = path.read_text()
        if not rel.startswith("trees/"):
            assert "decision_type" not in text and "nan_left" not in text, rel
    if shutil.which("duplicates") is None:
        pytest.skip("the duplicates command is not on PATH")
    report = subprocess.run(["duplicates", "--repo", str(SRC), "--most", "200", "--seconds", "60"],
                            capture_output=True, text=True, check=True).stdout
    pairs = [line for line in report.splitlines() if re.match(r"D\d+ ", line)]
    assert not report.startswith("incomplete"), report
    inside = [p for p in pairs if any(f"riskkit/{r}" in p for r in ROUTING)]
    assert not inside, "\n".join(inside)


if __name__ == "__main__":  # prints the hashes to pin
    for key, make in BOOSTERS.items():
        print(repr(key), ":", outputs(*make()), ",")
