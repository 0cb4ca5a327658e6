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


COMMANDS = ("generate", "run", "compare", "explain", "simulate", "monitor", "fit", "notebooks",
            "report", "bench", "validate", "validate-power")


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


def test_generate_refuses_a_population_that_cannot_fit(tmp_path, capsys):
    """`--rows 1000000000000` once started writing for 997 hours until the disk filled."""
    from riskkit.cli import main

    out = tmp_path / "huge"
    assert main(["generate", "--rows", "1000000000000", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for words in ("1,000,000,000,000 rows need about", "TB on disk", "of memory", "hours",
                  "rows/s", "free", "--force"):
        assert words in err, err
    assert not out.exists()  # refused before anything was created


def test_size_estimate_scales_one_measured_block(tmp_path):
    from riskkit.core.errors import ConfigError
    from riskkit.synth import World
    from riskkit.synth.store import check_room, size_estimate

    world = World("baseline", 0.04)
    small, mid, big = (size_estimate(n, 7, world) for n in (1000, 10**6, 10**9))
    assert 20 < small["disk_bytes"] / 1000 < 2000  # tens to hundreds of bytes per row
    assert big["disk_bytes"] / 10**9 == pytest.approx(mid["disk_bytes"] / 10**6)
    assert big["memory_bytes"] > 10**10  # the data card's AUC keeps 5 bytes a row at least
    assert big["seconds"] > small["seconds"] and big["rows_per_second"] > 0
    check_room(dict(small, rows=1000), tmp_path)  # a small request passes
    with pytest.raises(ConfigError, match="hours"):
        check_room(dict(small, seconds=1e9), tmp_path)


@pytest.mark.parametrize("months, words", [
    ("1000", "at most 120 months"),
    ("-3", "--months"),
    ("0", "--months"),
])
def test_simulate_refuses_months_nobody_ages_through(tmp_path, capsys, months, words):
    from riskkit.cli import main

    code = main(["simulate", "--borrowers", "100", "--months", months, "--quiet",
                 "--out", str(tmp_path / "sim")]) if not months.startswith(("-", "0")) else None
    if code is None:  # argparse refuses these before the command runs
        with pytest.raises(SystemExit) as exc:
            main(["simulate", "--months", months, "--out", str(tmp_path / "sim")])
        code = exc.value.code
    assert code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    if months == "1000":
        assert "never age" in err and "--force" in err
    assert not (tmp_path / "sim").exists()
