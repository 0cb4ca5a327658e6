"""Model parameters a config hands to a third-party library, checked against that library.

``models.lgbm.params`` goes to LightGBM and ``models.scorecard.binning_params`` (and
``feature_binning_params``) to optbinning's ``OptimalBinning``. Both libraries are lenient
in ways that cost an analyst a run: LightGBM ignores a parameter name it does not know
(``num_leave: 7`` trains with 31 leaves, and riskkit's ``verbosity: -1`` hides the warning),
and ``OptimalBinning`` passes any unknown keyword on to its pre-binning tree, which fails
only when the first feature is binned, minutes into a run. Here both are checked before any
work, against the installed library itself rather than a copied list:

* **LightGBM's names and aliases** come from its C API, ``LGBM_DumpParamAliases`` (declared
  in LightGBM's ``c_api.h``: "Dump all parameter names with their aliases to JSON"), read
  from the shared library the ``lightgbm`` package ships. Its **values** are checked by
  LightGBM's own parser: each parameter alone builds a ``Booster`` on a 40-row data set,
  so a wrong type (``num_leaves: "abc"``) or range (``learning_rate: -0.1``) is LightGBM's
  own message, found in a millisecond instead of at the end of a data stage.
* **optbinning's names** are ``OptimalBinning.__init__``'s signature plus the pre-binning
  tree's (scikit-learn's ``DecisionTreeClassifier`` for the default ``cart``), and each set
  of values is checked by fitting ``OptimalBinning`` on 200 synthetic rows.

Equivalent spellings are recognised as one: an alias is stored under the spelling riskkit's
defaults use (``min_data_in_leaf`` -> ``min_child_samples``), a number written as text
(``"0.05"``) as the number, and two spellings of one parameter with different values are an
error naming both. Settings riskkit owns elsewhere (``seed``, ``num_threads``, the monotone
constraints, the objective) are refused with the key that sets them.
"""

from __future__ import annotations

import contextlib
import ctypes
import difflib
import functools
import importlib.resources
import inspect
import io
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import lightgbm as lgb
import numpy as np

from riskkit.models.gbm import DEFAULT_PARAMS

__all__ = ["check_binning_params", "check_lgbm_params", "lgbm_aliases", "lgbm_canonical"]

#: LightGBM settings riskkit sets itself: the config key to use instead.
LGBM_OWNED = {"seed": "seed (the run's top-level seed)",
              "num_threads": "models.lgbm.num_threads",
              "monotone_constraints": "models.lgbm.monotone",
              "objective": "nothing: a credit model's objective is always binary",
              "task": "nothing (riskkit trains)", "data": "the config's data section",
              "valid": "the config's data section", "input_model": "nothing",
              "output_model": "nothing", "label_column": "nothing", "weight_column": "nothing",
              "group_column": "nothing", "ignore_column": "the config's features",
              "categorical_feature": "the feature registry (categorical features are known)"}
#: Parameters whose values refer to the real data's columns: checked by LightGBM at fit.
LGBM_DATA_SPECIFIC = {"interaction_constraints", "forcedsplits_filename", "forcedbins_filename",
                      "cegb_penalty_feature_lazy", "cegb_penalty_feature_coupled",
                      "feature_contri", "max_bin_by_feature", "monotone_constraints_method",
                      "init_score_file", "machines", "machine_list_filename", "num_machines",
                      "local_listen_port", "time_out", "tree_learner"}
#: optbinning settings riskkit sets per feature or elsewhere in the config.
BINNING_OWNED = {"name": "nothing (the feature's name)",
                 "dtype": "the feature registry", "monotonic_trend": "the feature registry "
                 "(each feature's direction)", "special_codes": "models.scorecard.special_codes",
                 "min_bin_size": "models.scorecard.min_bin_size",
                 "max_n_bins": "models.scorecard.max_n_bins"}
_CHECK_FAILED = re.compile(r"Check failed: \((\w+)\) (\S+) \(([^)]*)\)")


def _lib_path() -> str:
    folder = importlib.resources.files("lightgbm")
    for sub in ("lib", "bin", ""):
        for name in ("lib_lightgbm.so", "lib_lightgbm.dylib", "lib_lightgbm.dll"):
            candidate = folder / sub / name if sub else folder / name
            if candidate.is_file():
                return str(candidate)
    raise RuntimeError("the lightgbm package ships no lib_lightgbm shared library")


@functools.cache
def lgbm_aliases() -> dict[str, tuple[str, ...]]:
    """LightGBM's parameters: canonical name -> its aliases, from the installed library.

    Returns
    -------
    dict
        E.g. ``"min_data_in_leaf" -> ("min_data", "min_samples_leaf", "min_child_samples",
        "min_data_per_leaf")``.
    """
    lib = ctypes.CDLL(_lib_path())  # the library lightgbm has loaded: same handle
    size = 1 << 20
    for _ in range(2):
        needed = ctypes.c_int64(0)
        buffer = ctypes.create_string_buffer(size)
        if lib.LGBM_DumpParamAliases(ctypes.c_int64(size), ctypes.byref(needed), buffer) != 0:
            raise RuntimeError("LightGBM's LGBM_DumpParamAliases failed")
        if needed.value <= size:
            break
        size = int(needed.value)
    table = json.loads(buffer.value.decode("utf-8"))
    return {str(k): tuple(str(a) for a in v) for k, v in table.items()}


@functools.cache
def _lgbm_names() -> dict[str, str]:
    """Every accepted spelling -> its canonical name."""
    out = {}
    for canonical, aliases in lgbm_aliases().items():
        out[canonical] = canonical
        for alias in aliases:
            out.setdefault(alias, canonical)
    return out


def lgbm_canonical(name: str) -> str | None:
    """LightGBM's canonical name of ``name`` (an alias or itself), None if LightGBM has none."""
    return _lgbm_names().get(str(name))


def _riskkit_spelling(canonical: str) -> str:
    """The spelling riskkit's defaults use for a parameter (so a user's alias overrides it)."""
    for key in DEFAULT_PARAMS:
        if lgbm_canonical(key) == canonical:
            return key
    return canonical


def natural_number(value: Any) -> Any:
    """``"0.05"`` -> 0.05 and ``"200"`` -> 200 (what LightGBM would parse); else unchanged."""
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        for kind in (int, float):
            try:
                number = kind(text)
            except ValueError:
                continue
            if np.isfinite(number):
                return number
    return value


@functools.cache
def _tiny_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    return x, (x[:, 0] + rng.normal(size=40) > 0).astype(float)


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """File descriptor 2 to the null device for a moment (C code writes there directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _lgbm_value_problem(name: str, value: Any) -> str | None:
    """LightGBM's own complaint about ``name = value`` (None when it accepts it)."""
    x, y = _tiny_data()
    sink = io.StringIO()
    try:  # LightGBM writes "[Fatal] ..." to the C stderr before raising: the same text
        with _native_stderr_silenced(), contextlib.redirect_stdout(sink):
            data = lgb.Dataset(x, label=y, params={"verbosity": -1})
            lgb.Booster({"objective": "binary", "verbosity": -1, name: value}, data)
    except lgb.basic.LightGBMError as exc:
        text = str(exc).strip()
        found = _CHECK_FAILED.search(text)
        if found:
            return f"LightGBM requires {found.group(1)} {found.group(2)} {found.group(3)}"
        return f"LightGBM: {text.splitlines()[0]}"
    except (ValueError, TypeError) as exc:
        return f"LightGBM: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return None


def _not_a_mapping(params: Any, key: str, what: str) -> tuple[None, list[str]] | None:
    """What a check returns for parameters it cannot read: nothing to check for None, one
    problem for anything but a mapping; None when ``params`` is a mapping to check."""
    if params is None:
        return None, []
    if not isinstance(params, Mapping):
        return None, [f"{key} = {params!r}: expected a mapping of {what}"]
    return None


def check_lgbm_params(params: Any, key: str = "models.lgbm.params"
                      ) -> tuple[dict[str, Any] | None, list[str]]:
    """LightGBM parameters, checked and written one way; ``(params, problems)``.

    Parameters
    ----------
    params : mapping or None
        As the config gives them.
    key : str
        Their config key, named in the problems.

    Returns
    -------
    tuple
        The parameters under riskkit's spelling with text numbers read (None stays None),
        and one ``key.name = value: ...`` line per problem.
    """
    refused = _not_a_mapping(params, key, "LightGBM parameters")
    if refused is not None:
        return refused
    problems: list[str] = []
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for name, raw in params.items():
        where = f"{key}.{name}"
        canonical = lgbm_canonical(str(name))
        if canonical is None:
            close = difflib.get_close_matches(str(name), list(_lgbm_names()), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}: LightGBM has no parameter {name!r}{hint}")
            continue
        value = natural_number(raw)
        if canonical in LGBM_OWNED and not (canonical == "objective" and value == "binary"):
            problems.append(f"{where} = {raw!r}: riskkit sets this itself; use "
                            f"{LGBM_OWNED[canonical]}")
            continue
        spelling = _riskkit_spelling(canonical)
        if spelling in out:
            if out[spelling] != value:
                problems.append(f"{where} = {raw!r} and {key}.{spelled[spelling]} = "
                                f"{out[spelling]!r} are the same LightGBM parameter "
                                f"({canonical}) with different values; keep one")
            continue
        if canonical not in LGBM_DATA_SPECIFIC and value is not None:
            problem = _lgbm_value_problem(canonical, value)
            if problem:
                problems.append(f"{where} = {raw!r}: {problem}")
                continue
        out[spelling], spelled[spelling] = value, str(name)
    return out, problems


@functools.cache
def _binning_names(prebinning_method: str) -> frozenset[str]:
    from optbinning import OptimalBinning
    from sklearn.tree import DecisionTreeClassifier

    names = set(inspect.signature(OptimalBinning.__init__).parameters) - {"self",
                                                                          "prebinning_kwargs"}
    if prebinning_method == "cart":  # optbinning's pre-binning tree takes the rest
        names |= set(inspect.signature(DecisionTreeClassifier.__init__).parameters) - {"self"}
    return frozenset(names)


def _binning_value_problem(params: Mapping[str, Any]) -> str | None:
    from optbinning import OptimalBinning

    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = (x + rng.normal(size=200) > 1).astype(int)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            OptimalBinning(name="check", dtype="numerical", **params).fit(x, y)
    except (ValueError, TypeError) as exc:
        return f"optbinning: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    except Exception as exc:  # a solver's own error type; still the value's fault
        return f"optbinning: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def check_binning_params(params: Any, key: str = "models.scorecard.binning_params"
                         ) -> tuple[dict[str, Any] | None, list[str]]:
    """optbinning ``OptimalBinning`` keyword arguments, checked; ``(params, problems)``.

    Parameters and returns as :func:`check_lgbm_params`'s, against optbinning's own
    settings (and the pre-binning tree's); text numbers are read, names kept as written.
    """
    refused = _not_a_mapping(params, key, "OptimalBinning settings")
    if refused is not None:
        return refused
    method = str(params.get("prebinning_method", "cart"))
    known = _binning_names(method)
    problems: list[str] = []
    out: dict[str, Any] = {}
    for name, raw in params.items():
        where = f"{key}.{name}"
        if name in BINNING_OWNED:
            problems.append(f"{where} = {raw!r}: riskkit sets this itself; use "
                            f"{BINNING_OWNED[str(name)]}")
        elif name not in known:
            close = difflib.get_close_matches(str(name), sorted(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}: OptimalBinning has no setting {name!r}{hint}")
        else:
            out[str(name)] = natural_number(raw)
    if not problems and out:
        problem = _binning_value_problem(out)
        if problem:
            shown = ", ".join(f"{k}={v!r}" for k, v in out.items())
            problems.append(f"{key} ({shown}): {problem}")
    return out, problems
