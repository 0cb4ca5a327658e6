"""A run folder read once, checked, and seen in one language: what every report section uses.

:func:`load_view` reads what the run wrote (after
:func:`riskkit.experiment.runfolder.verify` has checked each file against the SHA-256 in the
manifest, so a report never shows numbers from a damaged or edited run) into a frozen
:class:`RunView`. The view also answers the questions every section asks in the reader's
language: the words for a key, a model, a split, a feature or a category level, and a value
formatted by its key (:mod:`riskkit.reporting.numbers`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from riskkit.core import features as F
from riskkit.core.errors import RunError
from riskkit.core.io import read_json
from riskkit.core.narrative import Narrative
from riskkit.experiment.runfolder import verify
from riskkit.reporting import numbers as fmt
from riskkit.reporting.numbers import humanise
from riskkit.reporting.page import figure, paragraphs
from riskkit.reporting.words import REPORT, label, text
from riskkit.texts import category_text

__all__ = ["IMAGE_TYPES", "Figures", "RunView", "data_uri", "figure_files", "figure_title",
           "load_view", "model_of", "numbers_in", "place"]

IMAGE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
#: Chart-name prefixes in reading order; any other chart follows alphabetically.
FIGURE_ORDER = ("roc", "ks", "gains", "swap_set", "reliability", "score_distribution", "csi",
                "psi", "strategy", "segments", "reason_frequency", "contrib_vs_truth",
                "waterfall", "fairness", "reject")


@dataclass(frozen=True)
class RunView:
    """Everything the report shows of one run, and how to say it in ``lang``."""

    folder: Path
    lang: str
    manifest: Mapping[str, Any]
    config: Mapping[str, Any]
    config_text: str
    metrics: Mapping[str, Any]
    card: Mapping[str, Any] | None = None
    decisions: pd.DataFrame | None = None
    reasons: pd.DataFrame | None = None
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    policy_file: Mapping[str, Any] | None = None
    registry_file: Mapping[str, Any] | None = None
    figures: Sequence[Path] = ()
    #: Every sentence that states a direction or a comparison, recorded with its numbers
    #: (:meth:`choose`); the report writes the record next to itself (``claims.json``).
    narrative: Narrative = field(default_factory=Narrative)

    # ------------------------------------------------------------------ words
    def t(self, key: str, **values: Any) -> str:
        """The catalogue text ``key`` (section ``report``) in the view's language, filled."""
        return text(key, self.lang, **values)

    def choose(self, value: float, reference: float, keys: tuple[str, str, str], *,
               say: Callable[[str], str] | None = None, unit: str = "", decimals: int = 4,
               tolerance: float = 0.0, table: str | None = "metrics",
               shown: Callable[[float], str] | None = None, **fields: Any) -> str:
        """The sentence the numbers call for, recorded as a claim of :attr:`narrative`.

        Why: a sentence that says "higher", "lowers" or "below the oracle" must not be typed
        ahead of its numbers; here the numbers pick it, and the claim (the chosen key, both
        numbers, the table they come from) lets a test re-check the report as it was written
        (:func:`riskkit.reporting.narration.check_claims`).

        Parameters
        ----------
        value, reference : float
            What the sentence is about, and what it is compared with.
        keys : tuple of str
            Catalogue keys (section ``report``) for ``value`` above ``reference``, below it,
            and the same (within ``tolerance``, or equal when printed with ``unit`` and
            ``decimals``).
        say : callable, optional
            Key -> sentence, for words of another section or a word set into a sentence;
            by default ``self.t(key, **fields)``.
        unit, decimals, tolerance
            As :meth:`riskkit.core.narrative.Narrative.pick` reads them.
        table : str or None
            The recorded table both numbers must be found in (``metrics``: every number of
            metrics.json; ``datacard``; ``validation``); None for a number the report derives.
        shown : callable, optional
            The formatter the sentence prints both numbers with (``fmt.percent``,
            ``fmt.sig``): given, the two are the same exactly when they print the same, and
            different otherwise (``unit``, ``decimals`` and ``tolerance`` are then unused),
            so "over-predicts" never stands beside "12.3% against 12.3%".
        **fields
            The sentence's placeholders, already formatted.

        Returns
        -------
        str
            The sentence. Every key is rendered first, so a key missing from the catalogue
            fails whichever way the numbers fall.
        """
        render = say or (lambda key: self.t(key, **fields))
        printed = (shown(value), shown(reference)) if shown is not None else None
        return self.narrative.pick(value, reference, keys, tolerance=tolerance, unit=unit,
                                   decimals=decimals, table=table, say=render, printed=printed)

    def unrecorded(self) -> RunView:
        """The same view with a scratch narrative: for sentences built again only to be
        counted (the model card counts the limitations), so no claim is recorded twice."""
        scratch = Narrative(self.lang)
        scratch.tables = dict(self.narrative.tables)
        return replace(self, narrative=scratch)

    def label(self, key: str) -> str:
        """A metric or config key in words (``bad_rate_denied`` -> "Bad rate among declined")."""
        return label(key, self.lang)

    def fmt(self, key: str, value: Any) -> str:
        """``value`` formatted by what ``key`` says it is (rates in percent, counts, ...)."""
        if isinstance(value, str):
            return self.value_text(value)
        return fmt.metric(key, value, self.lang, (self.t("yes"), self.t("no")))

    def value_text(self, value: str) -> str:
        """A string value of metrics.json in words: ``train vs oot``, ``platt``, ``approved``."""
        if " vs " in value:
            return self.t("vs").join(self.split(p) for p in value.split(" vs "))
        return label(f"val.{value}", self.lang, default=value.replace("_", " "))

    def para(self, *sentences: str) -> str:
        """Sentences as one paragraph, joined as the language joins them (no space in Chinese)."""
        return paragraphs(*(s[:1].upper() + s[1:] for s in sentences), sep=self.t("sep.sentence"))

    def join(self, items: Sequence[str], semi: bool = False) -> str:
        """A list in words: ``a, b`` / ``a、b`` (``semi``: ``a; b`` / ``a；b``)."""
        return self.t("sep.semi" if semi else "sep.list").join(items)

    def paren(self, a: Any, b: Any) -> str:
        """``a (b)`` with the language's brackets."""
        return self.t("paren", a=a, b=b)

    def unit(self, unit: str) -> str:
        """A registry unit in words (``years`` -> 岁); an unknown unit as it is."""
        return label(f"unit.{unit}", self.lang, default=unit) if unit else ""

    def model(self, name: str) -> str:
        """A model's name in words (``lgbm`` -> LightGBM)."""
        return label(f"model.{name}", self.lang, default=humanise(name))

    def split(self, name: str) -> str:
        """A split's name in words (``oot`` -> out-of-time)."""
        return label(f"split.{name}", self.lang, default=humanise(name))

    def feature(self, name: str) -> str:
        """A feature's short label, from the run's own registry (a user's file) or the
        synthetic world's, else the data card's description, else the name made readable."""
        names = (self.registry_file or {}).get("display_names") or {}
        for record in (self.registry_file or {}).get("features") or []:
            if isinstance(record, Mapping) and record.get("name") == name:
                found = record.get(f"label_{self.lang}") or record.get("label_en") or names.get(name)
                if found:  # a user's column name, made readable
                    return str(found) if " " in str(found) else humanise(str(found))
        if self.synthetic:
            try:
                return F.get(name).label(self.lang)
            except KeyError:
                pass
        for record in (self.card or {}).get("features") or []:
            if isinstance(record, Mapping) and record.get("name") == name:
                found = record.get(f"description_{self.lang}") or record.get("description_en")
                if found:
                    return str(found)
        return humanise(name)

    def attribute(self, name: str) -> str:
        """A fairness attribute in words: a derived one (``age_band``) or a feature's label."""
        return label(f"attr.{name}", self.lang, default="") or self.feature(name)

    def level(self, attribute: str, value: Any) -> str:
        """A category level in words: ``female`` -> female / 女, city tier 1 -> tier 1 / 一线城市."""
        said = category_text(attribute, value, self.lang)
        if said:
            return said
        if attribute == "city_tier":
            return self.t("level.city_tier", tier=value)
        return str(value)

    def knockout(self, rule: str) -> str:
        """A knock-out rule's sentence, from the policy the run saved."""
        for record in (self.policy_file or {}).get("knockouts") or []:
            if isinstance(record, Mapping) and record.get("name") == rule:
                return str(record.get(f"text_{self.lang}") or record.get("text_en") or rule)
        return humanise(rule)

    # ------------------------------------------------------------------ numbers
    @property
    def deployed(self) -> str:
        """The model the policy decides with."""
        policy = self.metrics.get("policy")
        if isinstance(policy, Mapping) and isinstance(policy.get("model"), str):
            return policy["model"]
        return str((self.config.get("policy") or {}).get("model") or "lgbm")

    @property
    def models(self) -> Mapping[str, Mapping[str, Any]]:
        """metrics.json's ``models`` section (empty when absent)."""
        models = self.metrics.get("models")
        return models if isinstance(models, Mapping) else {}

    def score(self, model: str, split: str, key: str) -> float | None:
        """One performance figure, or None when the run did not compute it."""
        value = (self.models.get(model) or {}).get(split, {})
        value = value.get(key) if isinstance(value, Mapping) else None
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def card_value(self, key: str, split: str) -> float | None:
        """A per-split figure of the data card (``rows``, ``bad_rate``), or None."""
        value = ((self.card or {}).get(key) or {}).get(split)
        return float(value) if isinstance(value, (int, float)) else None

    def split_frame(self, split: str) -> pd.DataFrame | None:
        """The decisions of one split, or None when the run wrote none."""
        if self.decisions is None or "split" not in self.decisions.columns:
            return None
        part = self.decisions[self.decisions["split"].astype(str) == split]
        return part if len(part) else None

    def figures_with(self, prefixes: Sequence[str]) -> list[Path]:
        """The charts whose names start with one of ``prefixes``, in reading order."""
        return [p for p in self.figures
                if any(p.stem == x or p.stem.startswith(f"{x}_") for x in prefixes)]

    @property
    def world(self) -> str:
        """The synthetic world's name (``data.world``), ``baseline`` when not set."""
        data = self.config.get("data") or {}
        world = data.get("world") if isinstance(data, Mapping) else None
        return str(world) if world else "baseline"

    @property
    def has_oot(self) -> bool:
        """Whether the run has an out-of-time sample (a user's file has none)."""
        return any(isinstance(e.get("oot"), Mapping) for e in self.models.values())

    def oot(self, key: str) -> str:
        """``key``, or its one-sample variant (``key1``) when the run has no out-of-time sample."""
        return key if self.has_oot else f"{key}1"

    @property
    def world_text(self) -> str:
        """The world's name in words (``thin_file`` -> thin file; ``baseline`` -> 基准 in zh)."""
        return label(f"val.{self.world}", self.lang, default=self.world.replace("_", " "))

    @property
    def synthetic(self) -> bool:
        """True for a generated population (the truth is known), False for a user's file."""
        return self.registry_file is None


@dataclass
class Figures:
    """Numbers the charts in the order sections place them, and remembers which were placed
    (the appendix shows the rest). One per rendered report, never shared."""

    view: RunView
    placed: list[Path] = field(default_factory=list)

    def render(self, path: Path, title: str, interpretation: str) -> str:
        """The numbered figure of ``path`` with its title and interpretation."""
        self.placed.append(path)
        return figure(len(self.placed), title, data_uri(path), interpretation, self.view.t("figure"))

    @property
    def rest(self) -> list[Path]:
        """The charts no section placed."""
        return [p for p in self.view.figures if p not in self.placed]



# ----------------------------------------------------------------------------- placing charts
def figure_title(view: RunView, stem: str, prefix: str) -> str:
    """A chart's title from its file name: ``ks_lgbm`` -> "KS curve: LightGBM"."""
    if f"fig.{prefix}" not in REPORT:  # a chart the catalogue does not know yet
        return humanise(stem)
    rest = stem[len(prefix) + 1:] if stem.startswith(f"{prefix}_") else ""
    who = view.model(rest) if rest in view.models else view.label(f"who.{rest}")
    return view.t(f"fig.{prefix}", model=who, who=who)


def model_of(view: RunView, stem: str, prefix: str) -> str:
    """The model a per-model chart is about (``ks_lgbm`` -> ``lgbm``), else the deployed one."""
    rest = stem[len(prefix) + 1:] if stem.startswith(f"{prefix}_") else ""
    return rest if rest in view.models else view.deployed


def place(view: RunView, figs: Figures, prefixes: tuple[str, ...], interpret) -> str:
    """Every chart of ``prefixes`` with its title and interpretation ``interpret(stem, prefix)``."""
    out = []
    for path in view.figures_with(prefixes):
        prefix = next(x for x in prefixes if path.stem == x or path.stem.startswith(f"{x}_"))
        out.append(figs.render(path, figure_title(view, path.stem, prefix),
                               interpret(path.stem, prefix) or view.t("fig.no_text")))
    return "".join(out)


# ----------------------------------------------------------------------------- reading
def _load_json(path: Path, required: bool = True) -> Any:
    if not path.exists():
        if required:
            raise RunError(f"{path} is missing: not a complete run folder")
        return None
    try:
        return read_json(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunError(f"{path} is damaged: {exc}") from None


def _load_config(path: Path) -> tuple[str, Any]:
    if not path.exists():
        raise RunError(f"{path} is missing: not a complete run folder")
    try:
        raw = path.read_text(encoding="utf-8")
        return raw, yaml.safe_load(raw)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RunError(f"{path} is damaged: {' '.join(str(exc).split())}") from None


def _check_shape(metrics: Any, path: Path) -> None:
    if not isinstance(metrics, dict):
        raise RunError(f"{path} is damaged: expected a JSON object of sections, "
                       f"got {type(metrics).__name__}")
    models = metrics.get("models", {})
    if not isinstance(models, dict) or not all(isinstance(v, dict) for v in models.values()):
        raise RunError(f"{path} is damaged: 'models' must map each model name to its metrics")


def _parquet(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise RunError(f"{path} is damaged: {exc}") from None


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        try:
            out[path.stem] = pd.read_csv(path)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise RunError(f"{path} is damaged: {' '.join(str(exc).split())}") from None
    return out


def figure_files(folder: Path, prefer: str = "svg") -> list[Path]:
    """One file per chart under ``folder`` (recursively), in the ``prefer`` format if it exists.

    Parameters
    ----------
    folder : Path
        The run's ``figures/`` folder.
    prefer : str
        ``svg`` or ``png``; a chart without that format falls back to the other.

    Returns
    -------
    list of Path
        Charts in reading order (discrimination, calibration, stability, policy,
        explanations, fairness, then the rest alphabetically). Hidden files (``.tmp-``
        leftovers of an interrupted write) are never picked up.
    """
    if prefer not in IMAGE_TYPES:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_TYPES)}, got {prefer!r}")
    order = [prefer, *(f for f in IMAGE_TYPES if f != prefer)]
    stems: dict[Path, Path] = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        suffix = path.suffix.lstrip(".").lower()
        if not path.is_file() or path.name.startswith(".") or suffix not in IMAGE_TYPES:
            continue
        stem = path.with_suffix("")
        best = stems.get(stem)
        if best is None or order.index(suffix) < order.index(best.suffix.lstrip(".").lower()):
            stems[stem] = path

    def rank(stem: Path) -> tuple[int, str]:
        name = stem.name
        hits = [i for i, prefix in enumerate(FIGURE_ORDER)
                if name == prefix or name.startswith(f"{prefix}_")]
        return (hits[0] if hits else len(FIGURE_ORDER), stem.as_posix())

    return [stems[s] for s in sorted(stems, key=rank)]


def data_uri(path: Path) -> str:
    """The chart file as a ``data:`` URI, after checking it is the image its name says."""
    data = path.read_bytes()
    suffix = path.suffix.lstrip(".").lower()
    ok = data.startswith(b"\x89PNG\r\n\x1a\n") if suffix == "png" else b"<svg" in data[:4096]
    if not ok:
        raise RunError(f"{path} is damaged: not a {suffix.upper()} image")
    return f"data:{IMAGE_TYPES[suffix]};base64,{base64.b64encode(data).decode('ascii')}"


def load_view(run_dir: Path, lang: str = "en", images: str = "svg") -> RunView:
    """Read and check a run folder; raise :class:`~riskkit.core.errors.RunError` if it is not one.

    Parameters
    ----------
    run_dir : Path
        The run folder.
    lang : str
        ``en`` or ``zh``: the language of every word the view returns.
    images : str
        Preferred chart format, ``svg`` or ``png``.

    Returns
    -------
    RunView
        The run as the report sections see it.
    """
    folder = Path(run_dir)
    if not folder.is_dir():
        raise RunError(f"run folder {folder} does not exist" if not folder.exists()
                       else f"{folder} is not a run folder")
    figures = figure_files(folder / "figures", images)  # checks `images` before any reading
    manifest = verify(folder)
    config_text, config = _load_config(folder / "config.yaml")
    metrics = _load_json(folder / "metrics.json")
    _check_shape(metrics, folder / "metrics.json")
    card = _load_json(folder / "datacard.json", required=False)
    narrative = Narrative(lang)
    narrative.table(np.asarray(numbers_in(metrics), dtype=float), "metrics")
    narrative.table(np.asarray(numbers_in(card), dtype=float), "datacard")
    return RunView(
        folder=folder, lang=lang, manifest=manifest,
        config=config if isinstance(config, Mapping) else {}, config_text=config_text,
        metrics=metrics, card=card if isinstance(card, Mapping) else None,
        decisions=_parquet(folder / "decisions.parquet"),
        reasons=_parquet(folder / "reasons.parquet"), tables=_tables(folder / "tables"),
        policy_file=_load_json(folder / "models" / "policy.json", required=False),
        registry_file=_load_json(folder / "registry.json", required=False),
        figures=tuple(figures), narrative=narrative)


def numbers_in(record: Any) -> list[float]:
    """Every number of a JSON record (booleans aside), depth first: the table a claim's
    numbers are looked up in."""
    if isinstance(record, Mapping):
        return [n for v in record.values() for n in numbers_in(v)]
    if isinstance(record, (list, tuple)):
        return [n for v in record for n in numbers_in(v)]
    if isinstance(record, (int, float)) and not isinstance(record, bool):
        return [float(record)]
    return []
