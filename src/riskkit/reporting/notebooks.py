"""Run the notebook suite headless: the runner behind ``riskkit notebooks``.

Notebooks live in ``notebooks/NN_name.py`` as jupytext ``py:percent`` sources: that is the
reviewed file, with clean diffs and no outputs to conflict. ``run_notebooks`` converts each
source in memory (the ``.ipynb`` is never committed), injects parameters with papermill into
the cell tagged ``parameters``, executes it and writes, per notebook:

* ``OUT/NN_name.ipynb``: the executed notebook, outputs included;
* ``OUT/NN_name.html``: the same without code, self-contained (no script or stylesheet is
  fetched, so it opens offline and can be mailed), honouring ``remove_input``,
  ``remove_cell`` and ``remove_output`` cell tags;
* ``OUT/figures/NN_name/``: the charts the notebook exported (``fig_dir`` parameter).

Every notebook runs even when an earlier one fails; failures are reported together at the
end in one :class:`NotebookError` that names each notebook and its failing cell's error.

Kernel: papermill asks Jupyter for the ``python3`` kernel. In a virtual environment Jupyter
finds the spec ``pip install ipykernel`` put into ``<venv>/share/jupyter/kernels/python3``
first, and that spec starts ``python``, which jupyter_client replaces by the interpreter
running riskkit; without any spec ipykernel's built-in one is used, which is the same
interpreter. :func:`check_kernel` fails early, with the command that fixes it, when a
``python3`` spec would start some other interpreter (one without riskkit).
"""

from __future__ import annotations

import ast
import copy
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from riskkit.core.errors import ConfigError, RiskkitError, RunError
from riskkit.core.io import write_json, write_text
from riskkit.core.machinery import in_own_processes, worker_count
from riskkit.core.paths import repo_root

log = logging.getLogger(__name__)

#: ``NN_name.py``: two digits fix the reading order of the suite.
SOURCE_PATTERN = re.compile(r"\d{2}_[A-Za-z0-9_]+\.py")
PARAMETERS_TAG = "parameters"
#: Cell tags that hide parts of a cell in the HTML version (jupyter-book spellings too).
REMOVE_INPUT_TAGS = frozenset({"remove_input", "remove-input", "hide_input", "hide-input"})
#: Outputs of these MIME types are records for tests (claims, chart checks), never shown.
RECORD_MIME_PREFIX = "application/vnd.riskkit."
REMOVE_CELL_TAGS = frozenset({"remove_cell", "remove-cell"})
REMOVE_OUTPUT_TAGS = frozenset({"remove_output", "remove-output"})
FIGURES = "figures"
#: A notebook that declares this parameter gets ``False`` from the headless runner.
INTERACTIVE_PARAMETER = "interactive"
#: Set for headless kernels; see :func:`riskkit.widgets.live_frontend`.
HEADLESS_ENV = "RISKKIT_HEADLESS"
DEFAULT_TIMEOUT = 600
#: Memory one notebook is given room for when the runner decides how many run at once: the
#: largest one notebook's process tree reached (2.2 GiB, notebooks 01-08 at 20,000 rows), rounded
#: up (:func:`riskkit.core.machinery.worker_count`; more rows need more: ``--kernels``).
KERNEL_MEMORY = 3 * 2**30
#: Seconds each notebook took the last time, in the output folder: the order of the next run.
SECONDS_FILE = ".seconds.json"

# nbconvert's "lab" template without the scripts it fetches from a CDN (require.js, MathJax,
# mermaid, widgets): riskkit notebooks need none of them, and an HTML file that loads
# nothing from the network opens offline and survives being mailed. Charts get their title as
# alternative text (see ``setup``), so the report reads out in a screen reader.
_HTML_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_png scoped -%}
{%- set alt = output.data.get('text/plain', 'chart') | escape_html -%}
{{ super() | replace('<img src=', '<img alt="' ~ alt ~ '" src=', 1) }}
{%- endblock data_png -%}
"""


class NotebookError(RiskkitError):
    """One or more notebooks failed; ``results`` holds every notebook's outcome."""

    def __init__(self, message: str, results: list[dict[str, Any]]):
        super().__init__(message)
        self.results = results


# ----------------------------------------------------------------------------- finding
def notebooks_dir() -> Path:
    """``<repo>/notebooks``, or a RiskkitError saying why the sources are not there."""
    folder = repo_root() / "notebooks"
    if not folder.is_dir():
        raise RiskkitError(
            f"notebook sources not found at {folder}: the notebooks ship with the source "
            "checkout, not the wheel; clone the repository and 'pip install -e .' there")
    return folder


def find_notebooks(names: Sequence[str] | None = None,
                   source_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Notebook sources in reading order, optionally only those ``names`` selects.

    A name matches by stem (``01_population``), number (``01``) or title (``population``);
    a name that matches nothing is an error listing what exists, before anything runs.
    """
    folder = Path(source_dir) if source_dir is not None else notebooks_dir()
    if not folder.is_dir():
        raise RiskkitError(f"notebook folder {folder} does not exist")
    sources = sorted(p for p in folder.iterdir() if SOURCE_PATTERN.fullmatch(p.name))
    if not sources:
        raise RiskkitError(f"no notebook sources (NN_name.py) in {folder}")
    if names is None:
        return sources
    chosen: list[Path] = []
    for name in names:
        key = Path(str(name)).name.removesuffix(".py").removesuffix(".ipynb")
        hits = [p for p in sources if key in (p.stem, p.stem[:2], p.stem[3:])]
        if not hits:
            known = ", ".join(p.stem for p in sources)
            raise ConfigError(f"no notebook named {name!r}; notebooks: {known}")
        chosen.extend(h for h in hits if h not in chosen)
    return sorted(chosen)


def check_kernel(kernel_name: str = "python3") -> None:
    """Fail early unless ``kernel_name`` starts the interpreter running riskkit."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    fix = f"{sys.executable} -m ipykernel install --sys-prefix --name {kernel_name}"
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise RiskkitError(f"no Jupyter kernel named {kernel_name!r}; install it with: {fix}") from None
    exe = spec.argv[0] if spec.argv else ""
    # jupyter_client swaps a bare "python" for sys.executable when it starts the kernel
    same = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    if exe not in same and os.path.abspath(exe) != os.path.abspath(sys.executable):
        raise RiskkitError(
            f"Jupyter kernel {kernel_name!r} ({spec.resource_dir}) starts {exe}, not "
            f"{sys.executable}, so it may not see riskkit; point it here with: {fix}")


# ----------------------------------------------------------------------------- converting
def read_source(path: str | os.PathLike[str]) -> Any:
    """A jupytext ``py:percent`` source as an nbformat notebook (no outputs)."""
    import jupytext

    nb = jupytext.read(Path(path), fmt="py:percent")
    # an executed copy is an output, not a pairing partner of the source
    nb.metadata.pop("jupytext", None)
    return nb


def parameters_cell(nb: Any) -> Any | None:
    """The first code cell if it is tagged ``parameters`` (papermill's contract), else None."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code and PARAMETERS_TAG in code[0].get("metadata", {}).get("tags", []):
        return code[0]
    return None


def declared_parameters(nb: Any) -> set[str]:
    """Names the ``parameters`` cell assigns (papermill warns about any others passed)."""
    cell = parameters_cell(nb)
    if cell is None:
        return set()
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return set()
    return {t.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)}


def without_records(nb: Any) -> Any:
    """A copy of ``nb`` without the outputs only tests read (MIME types
    ``application/vnd.riskkit.*``: claims, chart checks). No renderer knows them, and
    nbconvert warns about each one it cannot represent."""
    clean = copy.deepcopy(nb)
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if not any(k.startswith(RECORD_MIME_PREFIX) for k in o.get("data", {}))]
    return clean


def notebook_html(nb: Any, title: str) -> str:
    """HTML of an executed notebook without code cells' inputs, loading nothing external."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    exporter = HTMLExporter(config=config, exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True,
                            extra_loaders=[DictLoader({"riskkit.html.j2": _HTML_TEMPLATE})],
                            template_file="riskkit.html.j2")
    body, _ = exporter.from_notebook_node(without_records(nb), resources={"metadata": {"name": title}})
    return body


def _kernel_config() -> Any:
    """Encrypt kernel traffic when libzmq can (it also silences ipykernel's TCP warning)."""
    import zmq
    from traitlets.config import Config

    config = Config()
    if zmq.has("curve"):
        config.KernelManager.transport_encryption = "auto"
    return config


@contextmanager
def _kernel_environment(side_by_side: int = 1) -> Iterator[None]:
    """Environment the headless kernels inherit, restored afterwards.

    Every headless kernel's OpenBLAS uses one thread (``OPENBLAS_NUM_THREADS=1``, unless
    set). Why: a BLAS sum split over threads adds in another order, so notebook 08's claims
    moved in the 16th digit between kernels one after another and side by side; and two
    kernels' four BLAS threads on two cores waited on each other (the eight notebooks at
    20,000 rows side by side: 284 s, 159 s with one thread). ``riskkit run`` and interactive
    kernels keep OpenBLAS's default, so a run made there can differ from a headless one in
    the last digit, as between machines with other cores. Side by side, idle OpenMP threads
    also sleep at once (``OMP_WAIT_POLICY=PASSIVE``, unless set): waiting computes nothing.

    ``RISKKIT_HEADLESS=1`` tells :mod:`riskkit.widgets` that no browser will draw
    its panels, so they render a static snapshot instead of widgets.

    tqdm.auto warns in every kernel that lacks ipywidgets ("IProgress not found"), which
    would print a red box at the top of every report; headless runs show no progress bars,
    so the warning is filtered there (Python's own ``PYTHONWARNINGS`` mechanism).
    """
    extra = "ignore:IProgress not found:Warning"
    saved = {name: os.environ.get(name) for name in
             ("PYTHONWARNINGS", HEADLESS_ENV, "OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS")}
    old = saved["PYTHONWARNINGS"]
    os.environ["PYTHONWARNINGS"] = f"{old},{extra}" if old else extra
    os.environ[HEADLESS_ENV] = "1"  # no frontend: widget panels show a static snapshot
    if side_by_side > 1 and saved["OMP_WAIT_POLICY"] is None:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    if saved["OPENBLAS_NUM_THREADS"] is None:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _quiet_logger(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    old = logger.level
    logger.setLevel(max(level, old))
    try:
        yield
    finally:
        logger.setLevel(old)


# ----------------------------------------------------------------------------- running
def _error_text(exc: BaseException) -> str:
    """One readable line for the failing cell: papermill's ename/evalue, else the exception."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        cell = getattr(exc, "exec_count", None)
        where = f"cell [{cell}]: " if cell is not None else ""
        return f"{where}{ename}: {evalue}"
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''}"


def _check_arguments(rows: int, seed: int, timeout: int, lang: str) -> None:
    for name, value, low in (("rows", rows, 1), ("seed", seed, 0), ("timeout", timeout, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"{name} must be a whole number >= {low}, got {value!r}")
    if lang not in ("en", "zh"):
        raise ConfigError(f"lang must be 'en' or 'zh', got {lang!r}")


def run_notebook(source: Path, out_dir: Path, parameters: dict[str, Any], quiet: bool = False,
                 timeout: int = DEFAULT_TIMEOUT, kernel_name: str = "python3") -> dict[str, Any]:
    """Execute one source into ``out_dir``; return its outcome (never raises on cell errors).

    The executed notebook is written under a temporary name while it runs (papermill saves
    after each cell) and renamed when it finishes: ``NN_name.ipynb`` on success,
    ``NN_name.failed.ipynb`` on failure, in which case any older ``.ipynb`` / ``.html`` of
    the same notebook is removed so a stale report is never mistaken for a current one.
    """
    import papermill

    name = source.stem
    ipynb, html = out_dir / f"{name}.ipynb", out_dir / f"{name}.html"
    failed = out_dir / f"{name}.failed.ipynb"
    partial = out_dir / f".{name}.running.ipynb"
    fig_dir = Path(parameters["fig_dir"])
    if fig_dir.exists():  # charts of an earlier version of the notebook must not linger
        shutil.rmtree(fig_dir)
    fig_dir.mkdir(parents=True)
    started = time.perf_counter()
    result: dict[str, Any] = {"name": name, "source": source, "ipynb": None, "html": None,
                              "fig_dir": fig_dir, "figures": [], "seconds": 0.0, "error": None}
    try:
        nb = read_source(source)
        if INTERACTIVE_PARAMETER in declared_parameters(nb):  # no browser here
            parameters = {**parameters, INTERACTIVE_PARAMETER: False}
        executed = papermill.execute_notebook(
            nb, str(partial), parameters=parameters, language="python",
            # no per-cell bar: the suite's own bar counts notebooks, and papermill's nested
            # bar printed a line per cell when stderr is not a terminal (115 of make demo's
            # 178 lines)
            kernel_name=kernel_name, progress_bar=False, cwd=str(out_dir),
            execution_timeout=timeout, config=_kernel_config())
    except Exception as exc:  # a cell error, a timeout, a dead kernel: report, go on
        result["error"] = _error_text(exc)
        for stale in (ipynb, html):
            stale.unlink(missing_ok=True)
        if partial.exists():
            os.replace(partial, failed)
            result["ipynb"] = failed
        result["seconds"] = time.perf_counter() - started
        return result

    os.replace(partial, ipynb)
    failed.unlink(missing_ok=True)
    write_text(html, notebook_html(executed, name))
    result.update(ipynb=ipynb, html=html, seconds=time.perf_counter() - started,
                  figures=sorted(p for p in fig_dir.rglob("*") if p.is_file()))
    return result


def run_notebooks(
    out_dir: str | os.PathLike[str],
    rows: int = 20_000,
    seed: int = 7,
    run_dir: str | os.PathLike[str] | None = None,
    names: Sequence[str] | None = None,
    quiet: bool = False,
    timeout: int = DEFAULT_TIMEOUT,
    *,
    lang: str = "en",
    source_dir: str | os.PathLike[str] | None = None,
    kernel_name: str = "python3",
    kernels: int | None = None,
) -> list[dict[str, Any]]:
    """Execute every notebook (or those ``names`` selects) headless at ``rows`` applicants.

    Each notebook receives ``rows``, ``seed``, ``run_dir`` (absolute, or None), ``lang`` and
    its own ``fig_dir`` (``out_dir/figures/NN_name``). ``timeout`` is per cell, in seconds.
    Returns one dict per notebook, in reading order: ``name``, ``source``, ``ipynb``,
    ``html``, ``fig_dir``, ``figures`` (paths), ``seconds`` and ``error`` (None on success).
    All notebooks run; if any failed, a :class:`NotebookError` listing each failure is
    raised at the end (its ``results`` attribute holds the same list).

    ``kernels`` notebooks run at once, each in a worker process of its own driving its own
    kernel (None: one per usable core, as many as the available memory holds at
    :data:`KERNEL_MEMORY` each; 1: one after another). Why this changes no output: each
    notebook writes only its own files, and the runs they share are found or made by
    :func:`riskkit.experiment.ensure_run`, which makes a run once however many kernels ask
    for it at the same time. The longest notebooks (by the seconds each took the last time
    in ``out_dir``, kept in :data:`SECONDS_FILE`) start first, so the last to finish is not
    a long one started late.
    """
    _check_arguments(rows, seed, timeout, lang)
    if kernels is not None and (not isinstance(kernels, int) or isinstance(kernels, bool)
                                or kernels < 1):
        raise ConfigError(f"kernels must be a whole number >= 1, got {kernels!r}")
    sources = find_notebooks(names, source_dir)
    if run_dir is not None and not Path(run_dir).is_dir():
        raise RunError(f"run folder {run_dir} does not exist")
    check_kernel(kernel_name)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    count = worker_count(kernels, len(sources), KERNEL_MEMORY)
    jobs = {source: (source, out, {"rows": rows, "seed": seed, "lang": lang,
                                   "run_dir": None if run_dir is None
                                   else str(Path(run_dir).resolve()),
                                   "fig_dir": str(out / FIGURES / source.stem)},
                     quiet, timeout, kernel_name)
            for source in sources}
    done: dict[Path, dict[str, Any]] = {}
    bar = tqdm(total=len(sources), desc="notebooks", unit="notebook", disable=quiet)
    with _quiet_logger("papermill", logging.WARNING), _kernel_environment(count), bar:
        for source, result in _execute(jobs, _longest_first(sources, out), count):
            done[source] = result
            bar.set_postfix_str(source.stem)
            bar.update(1)
            if result["error"] is None:
                log.info("%s: %s, %s and %d chart files in %s (%.1f s)", source.stem,
                         result["ipynb"], result["html"].name, len(result["figures"]),
                         result["fig_dir"], result["seconds"])
            else:
                log.warning("%s failed after %.1f s: %s", source.stem, result["seconds"],
                            result["error"])
    results = [done[source] for source in sources]
    _remember_seconds(out, results)
    failures = [r for r in results if r["error"] is not None]
    if failures:
        lines = "; ".join(f"{r['name']} ({r['source']}) {r['error']}"
                          + (f" [see {r['ipynb']}]" if r["ipynb"] else "") for r in failures)
        raise NotebookError(f"{len(failures)} of {len(results)} notebooks failed: {lines}", results)
    return results


def _execute(jobs: dict[Path, tuple[Any, ...]], order: list[Path],
             count: int) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Each job's source and outcome as it finishes: here one after another when ``count``
    is 1, else each notebook in a fresh interpreter of its own, ``count`` at once
    (:func:`riskkit.core.machinery.in_own_processes`: a notebook whose process dies fails
    alone; an interrupt stops the running ones, whose kernels are shut down by papermill's
    own signal handlers, and starts no other)."""
    if count == 1:
        for source in order:
            yield source, run_notebook(*jobs[source])
        return
    for source in order:  # a log left by an earlier, interrupted runner is not this run's
        _stderr_log(jobs[source][1], source).unlink(missing_ok=True)
    for source, ok, value in in_own_processes(_run_in_worker, dict(jobs), order, count):
        yield source, value if ok else _lost(source, jobs[source][1], value)


def _run_in_worker(source: Path, out_dir: Path, parameters: dict[str, Any], quiet: bool,
                   timeout: int, kernel_name: str) -> dict[str, Any]:
    """:func:`run_notebook` in a process of its own, silent on the terminal (the runner logs
    each outcome): its logs are off and its standard error, which its kernel inherits, goes
    to ``OUT/.NN_name.stderr.log``, kept and named in the error when the notebook fails and
    something was written there, else removed. So third-party lines (ipykernel's
    "KeyboardInterrupt caught in kernel" at shutdown) stay off the terminal and a dead
    kernel's last words are kept."""
    logging.disable(logging.CRITICAL)
    log_file = _stderr_log(out_dir, source)
    with open(log_file, "wb") as sink:
        os.dup2(sink.fileno(), 2)
    result = run_notebook(source, out_dir, parameters, quiet, timeout, kernel_name)
    if result["error"] is None or not log_file.stat().st_size:
        log_file.unlink(missing_ok=True)  # a success, or nothing said: no log to keep
    else:
        result["error"] += f" (the kernel's standard error: {log_file})"
    return result


def _stderr_log(out_dir: Path, source: Path) -> Path:
    return out_dir / f".{source.stem}.stderr.log"


def _lost(source: Path, out_dir: Path, reason: str) -> dict[str, Any]:
    """The outcome of a notebook whose process ended without one (killed, out of memory):
    what :func:`run_notebook` does on failure, done here, so a stale report is never
    mistaken for a current one."""
    name = source.stem
    for stale in (out_dir / f"{name}.ipynb", out_dir / f"{name}.html"):
        stale.unlink(missing_ok=True)
    partial, failed = out_dir / f".{name}.running.ipynb", out_dir / f"{name}.failed.ipynb"
    kept = None
    if partial.exists():
        os.replace(partial, failed)
        kept = failed
    log_file = _stderr_log(out_dir, source)  # removed before the run: this run's, if any
    said = log_file.exists() and log_file.stat().st_size > 0
    where = f" (the kernel's standard error: {log_file})" if said else ""
    return {"name": name, "source": source, "ipynb": kept, "html": None,
            "fig_dir": out_dir / FIGURES / name, "figures": [], "seconds": 0.0,
            "error": f"{reason}{where}"}


def _longest_first(sources: list[Path], out: Path) -> list[Path]:
    """``sources`` by their seconds the last time in ``out``, longest first, else in order."""
    seconds = _read_seconds(out)
    return sorted(sources, key=lambda p: (-seconds.get(p.stem, 0.0), p.name))


def _read_seconds(out: Path) -> dict[str, float]:
    try:
        raw = json.loads((out / SECONDS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: reading order
    items = raw.items() if isinstance(raw, dict) else ()
    return {str(k): float(v) for k, v in items if isinstance(v, (int, float))}


def _remember_seconds(out: Path, results: list[dict[str, Any]]) -> None:
    seconds = _read_seconds(out)
    seconds.update({r["name"]: round(float(r["seconds"]), 1) for r in results
                    if r["error"] is None})
    write_json(out / SECONDS_FILE, dict(sorted(seconds.items())))
