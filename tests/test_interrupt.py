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
