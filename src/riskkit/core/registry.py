"""The feature registry as a value: what riskkit knows about each column of a population.

A :class:`Registry` is immutable and carried by whatever needs it (a model, a loaded run, a
bring-your-own-data fit) instead of living in a module-level dict that loading a run would
change: two runs in one process never see each other's features. The synthetic world's
registry is :data:`riskkit.core.features.SYNTHETIC`; a ``riskkit fit`` run carries its own,
built from the user's columns and stored in the run's ``registry.json``.

Vocabulary
----------
direction
    ``"increasing"``: a higher value raises risk; ``"decreasing"``: a higher value lowers
    risk; ``"none"``: no monotone relation (categoricals, or features with no true effect).
kind
    ``"actionable"``: the applicant can change it now (pay down debt, ask for less);
    ``"time_decaying"``: it changes only with time (application counts age out of their
    window, overdue history ages out of 24 months); ``"immutable"``: never changes for
    recourse (occupation, city, age).
group
    The driver a feature belongs to; lifecycle analysis attributes lost lines to groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal

from riskkit.texts import LANGS, Words

Direction = Literal["increasing", "decreasing", "none"]
Kind = Literal["actionable", "time_decaying", "immutable"]
Dtype = Literal["int", "float", "category"]

#: The driver groups a feature belongs to, with their words ("borrowing frequency" /
#: "借款频率") from the text catalogue's ``groups`` section.
GROUP_NAMES: tuple[str, ...] = ("borrowing_frequency", "multi_platform", "income_stability",
                                "repayment_capacity", "overdue_history", "debt", "profile",
                                "loan")
GROUPS: dict[str, dict[str, str]] = {name: {lang: Words("groups")(name, lang) for lang in LANGS}
                                     for name in GROUP_NAMES}


@dataclass(frozen=True)
class Feature:
    """One column of the borrower population and everything said about it.

    ``reason_en`` / ``reason_zh`` are templates filled with ``{value}`` (the applicant's own
    value, formatted with ``fmt``) and ``{reference}`` (the median among approved applicants)
    so that a reason code always quotes a number the applicant recognises.

    ``citable=False`` marks a feature a model may score but no reason may cite: no reason
    code, denial letter, recourse text or what-if panel names it, and no knock-out rule may
    read it (a rule's decline is its own reason). Where a lender may not state a feature to
    an applicant -- a geographic attribute that stands in for a protected one, say -- it
    can still be measured, but never given as why.
    """

    name: str
    dtype: Dtype
    unit: str
    description_en: str
    description_zh: str
    direction: Direction
    kind: Kind
    group: str
    reason_en: str
    reason_zh: str
    fmt: str = "{:,.0f}"
    model_feature: bool = True
    protected: bool = False
    categories: tuple[str, ...] | None = None
    #: months after which a time-decaying window count has fully aged out (recourse).
    window_months: int | None = None
    #: smallest meaningful change for recourse (1 for counts, 0 for categoricals).
    step: float = 0.0
    lower: float | None = None
    upper: float | None = None
    label_en: str = ""
    label_zh: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    citable: bool = True

    @property
    def monotone_sign(self) -> int:
        """+1 / -1 / 0 as LightGBM's ``monotone_constraints`` wants it."""
        return {"increasing": 1, "decreasing": -1, "none": 0}[self.direction]

    @property
    def is_categorical(self) -> bool:
        return self.dtype == "category"

    def label(self, lang: str = "en") -> str:
        """Short axis / table label with unit, in English or Chinese."""
        text = self.label_zh if lang == "zh" else self.label_en
        return text or self.name

    def format_value(self, value: object) -> str:
        """Format a value the way reason codes print it (missing -> 'none')."""
        if value is None or (isinstance(value, float) and value != value):
            return "none"
        if self.is_categorical:
            return str(value)
        try:
            return self.fmt.format(value)
        except (ValueError, TypeError):
            return str(value)



class Registry(Mapping[str, Feature]):
    """An immutable, ordered set of :class:`Feature` entries, looked up by name.

    It behaves as a read-only mapping (``reg["age"]``, ``"age" in reg``, ``reg.values()``)
    and adds the derived views riskkit needs (model features, protected attributes,
    monotone constraints). "Adding" features returns a new registry.

    Parameters
    ----------
    features:
        The entries, in the order charts, tables and models list them. Names must be unique.
    """

    def __init__(self, features: Iterable[Feature]) -> None:
        entries = tuple(features)
        by_name: dict[str, Feature] = {}
        for feat in entries:
            if not isinstance(feat, Feature):
                raise TypeError(f"registry entries must be Feature, got {type(feat).__name__}")
            if feat.name in by_name:
                raise ValueError(f"feature {feat.name!r} is defined twice")
            by_name[feat.name] = feat
        self._features = entries
        self._by_name = MappingProxyType(by_name)

    # Mapping protocol ---------------------------------------------------------------
    def __getitem__(self, name: str) -> Feature:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._features)

    def __repr__(self) -> str:
        return f"Registry({len(self)} features: {', '.join(list(self)[:5])}{', ...' if len(self) > 5 else ''})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Registry) and self._features == other._features

    def __hash__(self) -> int:
        return hash(self._features)

    # lookups ------------------------------------------------------------------------
    def get_feature(self, name: str) -> Feature:
        """The entry for ``name``, or a KeyError that lists the known features.

        Parameters
        ----------
        name:
            A feature (column) name.

        Returns
        -------
        Feature
        """
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"unknown feature {name!r}; known features: {', '.join(self)}") from None

    @property
    def features(self) -> tuple[Feature, ...]:
        """Every entry, in registry order."""
        return self._features

    @property
    def model_features(self) -> tuple[str, ...]:
        """Names a model may use, in order. A protected attribute is one only where its entry
        says so (a user's fit config may ask for it); it is never cited as a reason."""
        return tuple(f.name for f in self._features if f.model_feature)

    @property
    def protected(self) -> tuple[str, ...]:
        """Protected attributes: analysed for fairness, never a model feature or a reason."""
        return tuple(f.name for f in self._features if f.protected)

    @property
    def categorical(self) -> tuple[str, ...]:
        """Names of the categorical entries."""
        return tuple(f.name for f in self._features if f.is_categorical)

    def may_cite(self, name: str) -> bool:
        """True when ``name`` may be given as a reason: a registry feature, not protected,
        and citable (see :class:`Feature`)."""
        feat = self._by_name.get(name)
        return feat is not None and not feat.protected and feat.citable

    def is_model_feature(self, name: str) -> bool:
        """True when ``name`` is in the registry and marked a model feature (see
        :attr:`model_features`)."""
        feat = self._by_name.get(name)
        return feat is not None and feat.model_feature

    def monotone_constraints(self, names: Iterable[str]) -> list[int]:
        """LightGBM ``monotone_constraints`` (+1 / -1 / 0) in the order of ``names``."""
        return [self.get_feature(n).monotone_sign for n in names]

    # derived registries -------------------------------------------------------------
    def with_features(self, entries: Iterable[Feature]) -> Registry:
        """A new registry with ``entries`` appended; an existing name cannot be redefined.

        Parameters
        ----------
        entries:
            Features to add.

        Returns
        -------
        Registry
            A new value; ``self`` is unchanged.
        """
        added = tuple(entries)
        clash = [f.name for f in added if f.name in self._by_name]
        if clash:
            raise ValueError(f"feature(s) {clash} are already defined and cannot be redefined")
        return Registry(self._features + added)

    # plain records ------------------------------------------------------------------
    def to_records(self) -> list[dict[str, Any]]:
        """Every entry as a JSON-ready dict (``categories`` as a list), for ``registry.json``."""
        return [feature_to_dict(f) for f in self._features]

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Registry:
        """Inverse of :meth:`to_records`; an unknown field is an error, never ignored."""
        return cls(feature_from_dict(r) for r in records)

    def describe(self) -> list[dict[str, object]]:
        """The registry as plain records for data cards, reports and JSON (no templates)."""
        out = []
        for f in self._features:
            out.append({
                "name": f.name, "dtype": f.dtype, "unit": f.unit,
                "description_en": f.description_en, "description_zh": f.description_zh,
                "direction": f.direction, "kind": f.kind, "group": f.group,
                "model_feature": f.model_feature, "protected": f.protected,
                "citable": f.citable, "categories": list(f.categories) if f.categories else None,
            })
        return out


def feature_to_dict(feat: Feature) -> dict[str, Any]:
    """One entry as plain JSON (``categories`` as a list)."""
    record = {f.name: getattr(feat, f.name) for f in fields(Feature)}
    if record["categories"] is not None:
        record["categories"] = list(record["categories"])
    record["extra"] = dict(record["extra"])
    return record


def feature_from_dict(record: Mapping[str, Any]) -> Feature:
    """Inverse of :func:`feature_to_dict`; unknown fields raise ValueError naming them."""
    known = {f.name for f in fields(Feature)}
    unknown = sorted(set(record) - known)
    if unknown:
        raise ValueError(f"registry entry {record.get('name')!r}: unknown field(s) {unknown}")
    values = dict(record)
    if values.get("categories") is not None:
        values["categories"] = tuple(str(c) for c in values["categories"])
    values["extra"] = {str(k): str(v) for k, v in (values.get("extra") or {}).items()}
    return Feature(**values)
