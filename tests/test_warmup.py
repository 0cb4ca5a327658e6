"""`riskkit compile` (what `make install` runs): every numba kernel a run calls is compiled
and cached once, so a new user's first run does not compile inside its explain stage.

Measured on copies of the sources without a numba cache, two runs of `riskkit run
configs/baseline.yaml --rows 20000` one after the other: without it the first run's explain
stage took 16.1 s and the second's 1.2 s; after `riskkit compile configs/baseline.yaml` the
first took 3.1 s and the second 3.0 s (a busier machine then), and the runs added no kernel to
the cache. The closing note of issue 29 gives the commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from riskkit.experiment import config as C
from riskkit.experiment.warmup import ROWS, warmup_config

BASELINE = Path(__file__).resolve().parents[1] / "configs" / "baseline.yaml"

#: Kernels a baseline run calls: tree routing, LightGBM prediction, path-dependent and
#: interventional TreeSHAP (the file name numba gives each cached function starts so).
KERNELS = ["route._route_rows", "_forest._predict_kernel", "_kernels.contributions_kernel",
           "_ikernels.leaf_tables", "_ikernels.background_counts"]


def test_the_warm_up_is_the_config_small_without_charts() -> None:
    cfg, baseline = warmup_config(BASELINE), C.load_config(BASELINE)
    assert not cfg["figures"]["enabled"] and not cfg["tracking"]["enabled"]
    assert cfg["data"]["rows"] == ROWS < baseline["data"]["rows"]
    assert baseline["figures"]["enabled"]  # the warm-up's copy, not the config, is changed
    # what decides which kernels a run reaches is the config's, unchanged
    for key in ("models", "explain", "policy", "features", "seed"):
        assert cfg[key] == baseline[key], key


@pytest.mark.slow
def test_compile_caches_every_kernel_a_run_calls(tmp_path: Path) -> None:
    cache = tmp_path / "numba"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "riskkit.cli", "compile", str(BASELINE),
                           "--quiet"], env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("kernels compiled and cached in ")
    assert done.stderr == ""
    cached = [p.name for p in cache.rglob("*.nbi")]
    missing = [k for k in KERNELS if not any(name.startswith(k + "-") for name in cached)]
    assert not missing, (missing, sorted(cached))
    assert [p for p in tmp_path.iterdir() if p.name != "numba"] == []  # its run is not kept

    # a run of another size after it compiles nothing more: every kernel it calls, with the
    # argument types it passes, was reached by the warm-up
    later_cfg = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    later_cfg["data"]["rows"], later_cfg["data"]["oot"]["rows"] = 9000, 2000
    later_cfg["figures"]["enabled"] = False  # charts call no kernel
    config = tmp_path / "later.yaml"
    config.write_text(yaml.safe_dump(later_cfg), encoding="utf-8")
    before = sorted(p.name for p in cache.rglob("*"))
    later = subprocess.run([sys.executable, "-m", "riskkit.cli", "run", str(config), "--out",
                            str(tmp_path / "runs"), "--quiet"], env=env, capture_output=True,
                           text=True, timeout=600, check=False)
    assert later.returncode == 0, later.stderr
    assert sorted(p.name for p in cache.rglob("*")) == before
