"""A run killed half-way (SIGKILL: no cleanup code runs) leaves nothing that looks complete.

``run_experiment`` builds a run in a hidden ``.incomplete-<name>-<stamp>-<pid>`` folder,
writes ``manifest.json`` last and renames the folder into place, so a killed process can
only leave the hidden folder behind: no folder under the run's real name, no manifest,
and ``load_run`` refuses the leftover. A later run must still succeed next to it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from riskkit.core.errors import RunError
from riskkit.experiment import INCOMPLETE_PREFIX
from riskkit.experiment.runfolder import MANIFEST, load_run
from riskkit.synth import World

BASELINE = World("baseline", 0.04)  # the world these tests draw from


def _default_signals() -> None:
    """Start the child with SIGINT and SIGTERM at their defaults: a suite started in the
    background of a non-interactive shell inherits SIGINT *ignored*, and Python then never
    turns Ctrl-C into KeyboardInterrupt, so the interrupt tests would test nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _staging(runs: Path) -> list[Path]:
    if not runs.exists():
        return []
    return [p for p in runs.iterdir() if p.name.startswith(INCOMPLETE_PREFIX)]


def test_killed_run_leaves_no_complete_looking_folder(tmp_path: Path) -> None:
    config = tmp_path / "small.yaml"
    config.write_text("name: killed\ndata:\n  rows: 3000\n  oot: {rows: 1000}\n"
                      "models:\n  oracle: {enabled: false}\n", encoding="utf-8")
    runs = tmp_path / "runs"
    cmd = [sys.executable, "-m", "riskkit.cli", "run", str(config), "--out", str(runs),
           "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            staging = _staging(runs)
            # kill mid-way: models are written, figures and the manifest are not
            if staging and (staging[0] / "models" / "lgbm").exists():
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    leftovers = list(runs.iterdir())
    assert len(leftovers) == 1 and leftovers == _staging(runs)
    assert (leftovers[0] / "models").is_dir()  # it was killed after real work
    assert not list(runs.rglob(MANIFEST))
    with pytest.raises(RunError, match=r"manifest\.json is missing"):
        load_run(leftovers[0])
    # a later run succeeds next to the leftover, and only it looks complete
    done = subprocess.run([*cmd, "--rows", "1000"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    complete = [p for p in runs.iterdir() if not p.name.startswith(INCOMPLETE_PREFIX)]
    assert len(complete) == 1 and complete[0].name.startswith("killed-")
    load_run(complete[0])
    assert set(leftovers) <= set(runs.iterdir())


def _interrupt_when(cmd: list[str], ready, sig: int = signal.SIGINT,
                    timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Start ``cmd``, send ``sig`` once ``ready()`` is true, return how it ended."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_signals)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None and not ready():
            time.sleep(0.02)
        assert proc.poll() is None, "the command ended before it could be interrupted"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def test_ctrl_c_after_a_scorecard_fit_is_still_an_exception() -> None:
    """OR-Tools (optbinning's solver) left SIGINT at the OS default after each solve: the
    next Ctrl-C killed the process with no clean-up (a run's staging folder stayed)."""
    script = ("import os, signal, time, riskkit\n"
              "from riskkit.models import ScorecardModel\n"
              "f = riskkit.generate(2000, seed=1)\n"
              "ScorecardModel(features=('income_volatility', 'monthly_income'))"
              ".fit(f, f['default_12m'])\n"
              "try:\n"
              "    os.kill(os.getpid(), signal.SIGINT)\n"
              "    time.sleep(5)\n"
              "except KeyboardInterrupt:\n"
              "    print('KeyboardInterrupt')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          preexec_fn=_default_signals,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "KeyboardInterrupt", done


def test_ctrl_c_during_a_run_leaves_no_staging_folder(tmp_path: Path) -> None:
    config = tmp_path / "small.yaml"
    config.write_text("name: stopped\ndata:\n  rows: 3000\n  oot: {rows: 1000}\n"
                      "models:\n  oracle: {enabled: false}\n", encoding="utf-8")
    runs = tmp_path / "runs"

    def scorecard_written() -> bool:
        staging = _staging(runs)
        return bool(staging) and (staging[0] / "models" / "scorecard").exists()

    done = _interrupt_when([sys.executable, "-m", "riskkit.cli", "run", str(config), "--out",
                            str(runs), "--quiet"], scorecard_written)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "riskkit run: interrupted"
    assert list(runs.iterdir()) == []


def test_generate_converts_blocks_to_arrow_off_the_main_thread(tmp_path: Path,
                                                               monkeypatch) -> None:
    """Ctrl-C reaches only the main thread; inside pyarrow's conversion it became 'Column 4
    had 65536 while previous column had 45120' with exit 2 instead of 'interrupted'."""
    import threading
    from types import SimpleNamespace

    import pyarrow as pa

    from riskkit.synth import store

    threads: list[bool] = []

    def from_pandas(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return pa.Table.from_pandas(*args, **kwargs)

    monkeypatch.setattr(store, "pa", SimpleNamespace(Table=SimpleNamespace(from_pandas=from_pandas)))
    store.write_population(tmp_path / "pop", rows=70_000, seed=1, world=BASELINE,
                           quiet=True)
    assert threads == [False, False]  # two blocks, both converted on the writer thread


@pytest.mark.parametrize("sig, code, word", [(signal.SIGINT, 130, "interrupted"),
                                             (signal.SIGTERM, 143, "terminated")])
def test_interrupted_generate_says_so_and_leaves_nothing(tmp_path: Path, sig, code, word) -> None:
    out = tmp_path / "pop"

    def writing() -> bool:  # the temporary Parquet file has a block or more in it
        return any(p.stat().st_size > 1_000_000 for p in out.glob(".tmp-*")) if out.exists() \
            else False

    done = _interrupt_when([sys.executable, "-m", "riskkit.cli", "generate", "--rows",
                            "1500000", "--quiet", "--out", str(out)], writing, sig)
    assert done.returncode == code, done.stderr
    assert done.stderr.strip() == f"riskkit generate: {word}"
    assert list(out.iterdir()) == []
