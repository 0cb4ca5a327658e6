"""The command line: success prints where things went; bad input gives one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def riskkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskkit.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


def test_generate_twice_gives_identical_files(tmp_path):
    for name in ("a", "b"):
        done = riskkit("generate", "--rows", "3000", "--seed", "9", "--quiet",
                       "--out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
    a, b = tmp_path / "a", tmp_path / "b"
    assert (a / "population.parquet").read_bytes() == (b / "population.parquet").read_bytes()
    card = json.loads((a / "datacard.json").read_text())
    assert card["rows"] == 3000 and card["seed"] == 9 and card["scenario"] == "baseline"
    assert {"base_logit", "oracle_auc", "fingerprint", "bad_rate", "features"} <= set(card)
    assert card == json.loads((b / "datacard.json").read_text())


@pytest.mark.parametrize("args, words", [
    (["--rows", "-5"], "--rows"),
    (["--rows", "many"], "--rows"),
    (["--rows", "10", "--scenario", "boom"], "boom"),
    (["--rows", "10", "--seed", "-1"], "--seed"),
])
def test_bad_arguments_exit_2_with_one_line(tmp_path, args, words):
    done = riskkit("generate", *args, "--out", str(tmp_path / "x"))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x" / "population.parquet").exists()


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    done = riskkit("generate", "--rows", "10", "--out", str(blocker / "sub"))
    assert done.returncode == 2
    assert "not writable" in done.stderr and "Traceback" not in done.stderr


COMMANDS = ("generate", "run", "compare", "explain", "simulate", "fit", "notebooks", "report",
            "bench")


def test_help_lists_every_command():
    done = riskkit("--help")
    assert done.returncode == 0
    assert all(c in done.stdout for c in COMMANDS), done.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    from riskkit.cli import main

    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    assert f"usage: riskkit {command}" in capsys.readouterr().out
