"""Tests for the notebook suite: every source runs headless, failures are reported, sync.

Every notebook found in ``notebooks/`` is executed at a small size through the same runner
``riskkit notebooks`` uses, so a notebook broken by a library change fails here.
"""

from __future__ import annotations

import ast
import json
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

import riskkit
from claims_check import NARRATED, assert_charts_pass, assert_claims_hold
from riskkit.core.errors import ConfigError, RiskkitError, RunError
from riskkit.reporting import in_notebook as nbk
from riskkit.reporting import notebooks as nbr
from riskkit.reporting import sync as notebooks_sync
from riskkit.synth import World

SOURCES = sorted(p for p in nbr.notebooks_dir().iterdir() if nbr.SOURCE_PATTERN.fullmatch(p.name))
PARAMETERS = {"rows", "seed", "run_dir", "fig_dir", "lang"}
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}

BASELINE = World("baseline", 0.04)  # the world these tests draw from
#: What pandas prints for a Series shown as a cell's last line: a table belongs there.
PANDAS_REPR = re.compile(r"dtype: (?:float|int|object|bool|str)|Name: [^<\n]*, dtype")


def _assigned(source: str) -> set[str]:
    return {t.id for node in ast.parse(source).body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def test_the_suite_exists_and_is_numbered() -> None:
    assert SOURCES, "no notebooks/NN_name.py found"
    assert SOURCES[0].name == "01_population.py"
    assert len({p.name[:2] for p in SOURCES}) == len(SOURCES), "two notebooks share a number"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_first_code_cell_is_the_parameters_cell(source: Path) -> None:
    nb = nbr.read_source(source)
    cell = nbr.parameters_cell(nb)
    assert cell is not None, f"{source.name}: first code cell must be tagged 'parameters'"
    missing = PARAMETERS - _assigned(cell.source)
    assert not missing, f"{source.name}: the parameters cell lacks {sorted(missing)}"
    assert nb.cells[0].cell_type == "markdown", "a notebook opens with the story, in markdown"
    # the jupytext header names the kernel, so JupyterLab and papermill agree on it
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


#: Statements of logic one cell may hold (imports, ``def`` lines and docstrings aside):
#: the design's "a cell longer than ~15 lines of logic belongs in the library", with slack.
MAX_STATEMENTS = 20


def logic_statements(source: str) -> int:
    """Statements in a cell, nested ones included, not counting imports, defs, docstrings."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    count = 0
    for node in ast.walk(ast.parse(code)):
        if not isinstance(node, ast.stmt) or isinstance(
                node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Pass)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            continue
        count += 1
    return count


def test_logic_statements_counts_what_a_reader_must_follow() -> None:
    cell = 'import x\n\ndef f(a):\n    """Doc."""\n    b = a + 1\n    return b\n\ny = f(2)\nprint(y)\n'
    assert logic_statements(cell) == 4
    assert logic_statements("%matplotlib inline\nx = 1") == 1


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_no_cell_is_a_program(source: Path) -> None:
    for cell in nbr.read_source(source).cells:
        if cell.cell_type == "code":
            n = logic_statements(cell.source)
            assert n <= MAX_STATEMENTS, f"{source.name}: a cell of {n} statements belongs in the library:\n{cell.source}"


@pytest.fixture(scope="module")
def suite_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One output folder for the whole suite, as ``riskkit notebooks`` uses: notebooks that
    need an experiment run make it once there and the later ones reuse it."""
    return tmp_path_factory.mktemp("executed")


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_notebook_runs_headless_and_writes_its_outputs(source: Path, suite_out: Path) -> None:
    results = nbr.run_notebooks(suite_out, rows=3000, seed=5, names=[source.stem], quiet=True)
    assert len(results) == 1
    result = results[0]
    assert result["error"] is None
    nb = nbformat.read(result["ipynb"], as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], \
        "a warning was printed into the report"
    assert any("image/png" in o.get("data", {}) for o in outputs), "no chart was shown"
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "rows = 3000" in injected[0].source
    if source.stem in NARRATED:  # its sentences against its tables (seed 11: the claims test)
        assert_claims_hold(result)
    if source.stem == "10_how_true_are_our_reasons":  # the analyst's answer, from the numbers
        markdown = [o["data"]["text/markdown"] for o in outputs
                    if "text/markdown" in o.get("data", {})]
        assert any(m.startswith("Use ") and "top-3 reasons are true ones" in m for m in markdown)
        assert any("training rows" in m for m in markdown)

    assert_charts_pass(result)

    page = Path(result["html"]).read_text(encoding="utf-8")
    assert not PANDAS_REPR.search(page), f"{source.name}: a raw pandas repr in the HTML"
    assert nbk.CHART_CHECK_MIME.split("/")[1] not in page
    assert "<script" not in page and 'src="http' not in page and 'href="http' not in page
    assert "data:image/png;base64," in page
    assert "import riskkit" not in page, "code leaked into the code-free HTML"

    figures = result["figures"]
    assert figures and Path(result["fig_dir"]) == suite_out / "figures" / source.stem
    for stem in {p.stem for p in figures}:
        for fmt in ("png", "svg", "pdf"):
            path = Path(result["fig_dir"]) / f"{stem}.{fmt}"
            data = path.read_bytes()
            assert data.startswith(MAGIC[fmt]) if fmt in MAGIC else b"<svg" in data[:2000], path


def _tiny(folder: Path, name: str, body: str, tags: str = "") -> Path:
    source = folder / f"{name}.py"
    source.write_text(textwrap.dedent(f"""\
        # %% [markdown]
        # # {name}

        # %% tags=["parameters"]
        rows = 10
        seed = 1
        run_dir = None
        fig_dir = "figs"
        lang = "en"

        # %%{tags}
        {body}
        """), encoding="utf-8")
    return source


def test_failures_are_reported_together_after_running_everything(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    _tiny(src, "01_broken", "1 / 0")
    _tiny(src, "02_fine", "print(rows * 2)", tags=' tags=["remove_input"]')
    out.mkdir()
    (out / "01_broken.html").write_text("an old report", encoding="utf-8")

    with pytest.raises(nbr.NotebookError) as caught:
        nbr.run_notebooks(out, rows=21, source_dir=src, quiet=True, timeout=60)
    message = str(caught.value)
    assert isinstance(caught.value, RiskkitError)
    assert "1 of 2 notebooks failed" in message
    assert "01_broken" in message and "ZeroDivisionError" in message
    broken, fine = caught.value.results
    assert broken["error"] and broken["ipynb"] == out / "01_broken.failed.ipynb"
    assert broken["ipynb"].exists()
    assert not (out / "01_broken.html").exists(), "a stale report outlived a failed run"
    assert fine["error"] is None and fine["html"].exists()  # the next notebook still ran
    nb = nbformat.read(fine["ipynb"], as_version=4)
    assert nb.cells[-1].outputs[0]["text"] == "42\n"
    assert not list(out.glob(".*.running.ipynb"))


_SPAN = ("import os, time; started = time.time(); time.sleep(3); print(rows * {k}); "
         "_ = open(os.path.join(os.getcwd(), '{name}.span'), 'w').write(f'{{started}} {{time.time()}}')")
# each waits (at most 60 s) for the other to have started: "together" only side by side
_MEET = ("import os, time; open('{me}.here', 'w').close(); t = time.time(); "
         "exec('while not os.path.exists(\"{other}.here\") and time.time() - t < 60: time.sleep(0.1)'); "
         "print('together' if os.path.exists('{other}.here') else 'alone')")
# the run both notebooks ask for: small, no charts
_ASK = ("import riskkit.experiment; run = riskkit.experiment.ensure_run(None, rows=1000, seed=3, "
        "config={'models': {'lgbm': {'enabled': False}}, 'policy': {'model': 'scorecard'}, "
        "'figures': {'enabled': False}, 'explain': {'splits': ['test']}}); print(run.path.name)")


def _spans(out: Path, names: list[str]) -> dict[str, tuple[float, float]]:
    spans = {}
    for name in names:
        start, end = (out / f"{name}.span").read_text(encoding="utf-8").split()
        spans[name] = (float(start), float(end))
    return spans


def _printed(result: dict) -> list[str]:
    return [o["text"] for c in nbformat.read(result["ipynb"], as_version=4).cells
            if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "stream"]


def test_kernels_side_by_side_run_at_once_and_share_one_run(tmp_path: Path) -> None:
    """Two kernels at once: both really run together, both ask for the same new run and
    get one (made once), and the results come back in reading order."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    names = ["01_first", "02_second"]
    for name, other in (names, names[::-1]):
        _tiny(src, name, _MEET.format(me=name, other=other) + "; " + _ASK)
    results = nbr.run_notebooks(out, rows=21, source_dir=src, quiet=True, timeout=120,
                                kernels=2)
    assert [r["name"] for r in results] == names
    printed = ["".join(_printed(r)) for r in results]
    made = [p.name for p in (out / "runs").iterdir() if not p.name.startswith(".")]
    assert len(made) == 1, made  # one run, made once, though both asked at the same time
    assert printed == [f"together\n{made[0]}\n"] * 2


def test_one_kernel_after_another_writes_what_side_by_side_writes(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    names = ["01_first", "02_second"]
    for k, name in enumerate(names, start=2):
        _tiny(src, name, _SPAN.format(k=k, name=name))
    outputs = {}
    for kernels in (1, 2):
        out = tmp_path / f"out{kernels}"
        results = nbr.run_notebooks(out, rows=21, source_dir=src, quiet=True, timeout=60,
                                    kernels=kernels)
        assert [r["name"] for r in results] == names
        outputs[kernels] = [_printed(r) for r in results]
        assert not list(out.glob(".*.stderr.log"))  # removed when a notebook succeeds
    (a0, a1), (b0, b1) = _spans(tmp_path / "out1", names).values()
    assert min(a1, b1) <= max(a0, b0)  # one after another
    assert outputs[1] == outputs[2] == [["42\n"], ["63\n"]]


def test_a_notebook_whose_process_dies_fails_alone_and_leaves_no_stale_report(
        tmp_path: Path) -> None:
    """A dead pool worker used to fail every notebook still running or waiting, and left
    their old reports in place."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    # the kernel kills the process driving it, as the out-of-memory killer would
    _tiny(src, "01_killed", "import os, signal; os.kill(os.getppid(), signal.SIGKILL)")
    _tiny(src, "02_fine", "import time; time.sleep(4); print(rows * 2)")
    (out / "01_killed.html").write_text("an old report", encoding="utf-8")
    with pytest.raises(nbr.NotebookError) as caught:
        nbr.run_notebooks(out, rows=21, source_dir=src, quiet=True, timeout=60, kernels=2)
    killed, fine = caught.value.results
    assert "1 of 2 notebooks failed" in str(caught.value)
    assert "SIGKILL" in killed["error"]
    assert not (out / "01_killed.html").exists()
    assert not list(out.glob(".*.running.ipynb"))
    assert fine["error"] is None and _printed(fine) == ["42\n"]


def test_a_dead_kernels_last_words_are_kept_and_named(tmp_path: Path) -> None:
    """Side by side, a notebook's standard error goes to a log: kept and named when the
    notebook fails, removed when it succeeds, so nothing a user needs is thrown away."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    (out / ".01_dies.stderr.log").write_text("an earlier run's log", encoding="utf-8")
    _tiny(src, "01_dies", "import os; os.write(2, b'last words'); os._exit(1)")
    _tiny(src, "02_fine", "print(rows * 2)")
    with pytest.raises(nbr.NotebookError) as caught:
        nbr.run_notebooks(out, rows=21, source_dir=src, quiet=True, timeout=60, kernels=2)
    dies, fine = caught.value.results
    log_file = out / ".01_dies.stderr.log"
    assert str(log_file) in dies["error"]
    assert "last words" in log_file.read_text(encoding="utf-8")
    assert "an earlier run" not in log_file.read_text(encoding="utf-8")
    assert fine["error"] is None and not (out / ".02_fine.stderr.log").exists()


def test_the_notebook_that_took_longest_last_time_starts_first(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    names = ["01_short", "02_long"]
    for name in names:
        _tiny(src, name, _SPAN.format(k=1, name=name).replace("time.sleep(3)", "pass"))
    (out / nbr.SECONDS_FILE).write_text('{"01_short": 1.0, "02_long": 90.0}', encoding="utf-8")
    results = nbr.run_notebooks(out, rows=21, source_dir=src, quiet=True, timeout=60, kernels=1)
    assert [r["name"] for r in results] == names  # still reported in reading order
    spans = _spans(out, names)
    assert spans["02_long"][1] <= spans["01_short"][0]  # but run longest first
    remembered = json.loads((out / nbr.SECONDS_FILE).read_text(encoding="utf-8"))
    assert set(remembered) == set(names) and remembered["02_long"] < 90.0  # this run's seconds
    for bad in (0, True, "2"):
        with pytest.raises(ConfigError, match="kernels must be a whole number >= 1"):
            nbr.run_notebooks(out, source_dir=src, kernels=bad)


def test_names_select_notebooks_and_unknown_names_fail_early(tmp_path: Path) -> None:
    _tiny(tmp_path, "01_alpha", "pass")
    _tiny(tmp_path, "02_beta", "pass")
    (tmp_path / "notes.py").write_text("# not a notebook\n", encoding="utf-8")
    assert [p.stem for p in nbr.find_notebooks(None, tmp_path)] == ["01_alpha", "02_beta"]
    assert [p.stem for p in nbr.find_notebooks(["beta", "01"], tmp_path)] == ["01_alpha", "02_beta"]
    assert [p.stem for p in nbr.find_notebooks(["02_beta.py"], tmp_path)] == ["02_beta"]
    with pytest.raises(ConfigError, match="no notebook named 'gamma'; notebooks: 01_alpha, 02_beta"):
        nbr.run_notebooks(tmp_path / "out", names=["gamma"], source_dir=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(RiskkitError, match="no notebook sources"):
        nbr.find_notebooks(None, tmp_path / "empty")
    with pytest.raises(RiskkitError, match="does not exist"):
        nbr.find_notebooks(None, tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="rows must be a whole number >= 1"):
        nbr.run_notebooks(tmp_path / "out", rows=0, source_dir=tmp_path)
    with pytest.raises(RunError, match="does not exist"):
        nbr.run_notebooks(tmp_path / "out", run_dir=tmp_path / "nope", source_dir=tmp_path)


def test_kernel_check_accepts_ours_and_names_the_fix_for_a_foreign_one(tmp_path, monkeypatch) -> None:
    nbr.check_kernel("python3")
    spec = tmp_path / "kernels" / "riskkit-foreign"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": ["/opt/other/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "other", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with pytest.raises(RiskkitError, match="ipykernel install --sys-prefix --name riskkit-foreign"):
        nbr.check_kernel("riskkit-foreign")
    with pytest.raises(RiskkitError, match="no Jupyter kernel named 'riskkit-missing'"):
        nbr.check_kernel("riskkit-missing")


def test_notebook_sources_are_found_from_the_repo() -> None:
    assert nbr.notebooks_dir() == Path(riskkit.__file__).resolve().parents[2] / "notebooks"


def test_load_population_fresh_or_from_a_run(tmp_path: Path) -> None:
    fresh = nbk.load_population(300, seed=4, world=BASELINE)
    assert len(fresh) == 300
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(RunError, match=r"config\.yaml is missing"):
        nbk.load_population(300, seed=4, run_dir=run)
    (run / "config.yaml").write_text(
        "seed: 4\ndata: {rows: 200, scenario: baseline, bad_rate: 0.04}\n", encoding="utf-8")
    from_run = nbk.load_population(300, seed=99, run_dir=run)
    assert len(from_run) == 200  # never more than the run had; its seed wins
    assert from_run.equals(fresh.head(200))
    (run / "config.yaml").write_text("seed: [\n", encoding="utf-8")
    with pytest.raises(RunError, match="damaged"):
        nbk.load_population(300, seed=4, run_dir=run)


def test_setup_outside_jupyter_applies_the_style() -> None:
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context():
        assert nbk.setup("en") == "en"
        assert mpl.rcParams["axes.titlelocation"] == "left"
    fig = Figure()
    fig.add_subplot().set_title("Bad rate")
    assert nbk.figure_title(fig) == "Bad rate"
    fig.suptitle("Overall")
    assert nbk.figure_title(fig) == "Overall"


def test_sync_creates_pairs_and_never_loses_edits(tmp_path: Path, capsys) -> None:
    source = _tiny(tmp_path, "01_alpha", "x = 1")
    target = source.with_suffix(".ipynb")
    assert notebooks_sync.main(["--dir", str(tmp_path)]) == 0
    assert "01_alpha.ipynb: created" in capsys.readouterr().out
    nb = json.loads(target.read_text(encoding="utf-8"))
    assert nb["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert all(c.get("outputs", []) == [] for c in nb["cells"])
    assert nb["cells"][1]["metadata"]["tags"] == ["parameters"]
    assert target.stat().st_mtime <= source.stat().st_mtime  # jupytext opens the pair

    assert notebooks_sync.sync_notebook(source) == "up to date"
    source.write_text(source.read_text(encoding="utf-8").replace("x = 1", "x = 2"), encoding="utf-8")
    assert notebooks_sync.sync_notebook(source) == "updated"
    assert "x = 2" in target.read_text(encoding="utf-8")

    # an .ipynb edited without jupytext and newer than its source is left alone
    edited = json.loads(target.read_text(encoding="utf-8"))
    edited["cells"][-1]["source"] = ["x = 3"]
    target.write_text(json.dumps(edited), encoding="utf-8")
    later = source.stat().st_mtime + 60
    os.utime(target, (later, later))
    assert notebooks_sync.main(["--dir", str(tmp_path)]) == 0
    assert "has edits that are not in 01_alpha.py" in capsys.readouterr().err
    assert "x = 3" in target.read_text(encoding="utf-8")

    target.write_text("{broken", encoding="utf-8")
    assert notebooks_sync.main(["--dir", str(tmp_path)]) == 2
    assert "delete it to regenerate it" in capsys.readouterr().err


def test_a_chart_of_a_sweep_names_the_sweep_in_its_footer(tmp_path: Path) -> None:
    """Notebook 07 credited every chart to one run of its sweep; a publisher takes the
    footer it should print instead, and refuses to print none."""
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().set_title("AUC gap by interaction strength")
    nbk.publisher(None, tmp_path, source="riskkit · sweep 07_sweeps · 4 runs · seed 5")(fig, "gap")
    assert any("sweep 07_sweeps" in t.get_text() for t in fig.texts)
    assert (tmp_path / "gap.png").exists()
    with pytest.raises(ConfigError, match="source line"):
        nbk.publisher(None, tmp_path)


def test_records_for_tests_stay_out_of_the_html() -> None:
    """Claims and chart checks are outputs of riskkit's own MIME types: the HTML drops them
    without nbconvert's "not able to be represented" warning (which `riskkit notebooks`
    printed once per chart), and keeps every other output."""
    import warnings

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show(fig, 'roc')")
    cell.outputs = [nbformat.v4.new_output("display_data", {"text/plain": "the chart"}),
                    nbformat.v4.new_output("display_data", {nbk.CHART_CHECK_MIME: {"problems": []}})]
    nb.cells = [cell]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = nbr.notebook_html(nb, "t")
    assert "the chart" in page and "chartcheck" not in page
    assert len(cell.outputs) == 2  # the executed notebook keeps its record
    assert nbk.read_chart_checks(nb) == [{"problems": []}]
