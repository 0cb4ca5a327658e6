"""What a bring-your-own-data schema is: its options, one record per column, and how it
cleans new data exactly like the training data.

:func:`riskkit.data.infer.infer_schema` decides what every column is; this module holds the
result (:class:`InferredSchema`, plain JSON via ``to_dict``/``from_dict``, no pickle) and
:class:`SchemaOptions`, the knobs. The rules the options control are in
:mod:`riskkit.data.infer`; how text becomes numbers and dates in :mod:`riskkit.data.values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Literal, cast

import pandas as pd

from riskkit.core.errors import ConfigError, DataError
from riskkit.core.features import Dtype
from riskkit.data.validate import check_scoring_frame
from riskkit.data.values import (
    MISSING_TOKENS,
    as_text,
    examples,
    handle_infinity,
    missing_columns_problem,
    name_list,
    parse_dates,
    parse_numbers,
    text_in_numeric_problem,
    too_large_problem,
)

__all__ = ["DEFAULT_CONDITIONAL_SENTINELS", "DEFAULT_SENTINELS", "OTHER_LEVEL", "ColumnInfo",
           "InferredSchema", "SchemaOptions"]

#: Numbers that mean "not available" wherever they occur in a numeric column.
DEFAULT_SENTINELS: tuple[float, ...] = (-999.0, -9999.0, -99999.0, -999999.0, -9999999.0)
#: Numbers that mean "not available" only when they are a column's only negative value.
DEFAULT_CONDITIONAL_SENTINELS: tuple[float, ...] = (-1.0,)
OTHER_LEVEL = "other"

Role = Literal["numeric", "categorical", "date", "excluded", "target"]



@dataclass(frozen=True)
class SchemaOptions:
    """Knobs of :func:`riskkit.data.infer.infer_schema` (its module docstring says what each does)."""

    id_columns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    as_of: pd.Timestamp | None = None
    sentinels: tuple[float, ...] = DEFAULT_SENTINELS
    conditional_sentinels: tuple[float, ...] = DEFAULT_CONDITIONAL_SENTINELS
    missing_values: tuple[str, ...] = ()
    max_levels: int = 50
    max_level_share: float = 0.05
    min_level_count: int = 10
    high_cardinality: Literal["group", "exclude"] = "group"
    infinity: Literal["missing", "error"] = "missing"
    #: single-feature training AUC from which a feature is excluded as probable leakage
    leakage_auc: float = 0.99

    @classmethod
    def build(cls, **options: object) -> SchemaOptions:
        """Validate keyword options (unknown names and bad values are a ``ConfigError``)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values: dict[str, object] = {}
        for name, value in options.items():
            if value is None:
                continue
            if name in ("id_columns", "exclude", "categorical", "missing_values"):
                value = (value,) if isinstance(value, str) else tuple(str(v) for v in value)  # type: ignore[attr-defined]
            elif name in ("sentinels", "conditional_sentinels"):
                items = [value] if isinstance(value, str | int | float) else list(value)  # type: ignore[call-overload]
                try:
                    value = tuple(float(v) for v in items)
                except (TypeError, ValueError):
                    raise ConfigError(f"{name} must be numbers, not {value!r}") from None
            elif name == "as_of":
                try:
                    value = pd.Timestamp(value).tz_localize(None).normalize()  # type: ignore[arg-type]
                except (ValueError, TypeError) as exc:
                    raise ConfigError(f"as_of {value!r} is not a date: {exc}") from None
            values[name] = value
        opts = cls(**values)  # type: ignore[arg-type]
        if opts.high_cardinality not in ("group", "exclude"):
            raise ConfigError(f"high_cardinality must be 'group' or 'exclude', not {opts.high_cardinality!r}")
        if opts.infinity not in ("missing", "error"):
            raise ConfigError(f"infinity must be 'missing' or 'error', not {opts.infinity!r}")
        if not isinstance(opts.leakage_auc, int | float) or not 0.5 < float(opts.leakage_auc) <= 1.0:
            raise ConfigError(f"leakage_auc must be a number above 0.5 and at most 1, not {opts.leakage_auc!r}")
        if opts.max_levels < 2:
            raise ConfigError(f"max_levels must be at least 2, not {opts.max_levels}")
        return opts

    @property
    def missing_tokens(self) -> frozenset[str]:
        return frozenset(MISSING_TOKENS) | {v.strip().lower() for v in self.missing_values}


@dataclass
class ColumnInfo:
    """What one input column became; enough to repeat the cleaning on new data."""

    name: str
    role: Role
    feature: str = ""
    dtype: Dtype | None = None
    n_missing: int = 0
    n_unique: int = 0
    note: str = ""
    levels: tuple[str, ...] = ()
    other_level: str | None = None
    missing_codes: tuple[float, ...] = ()
    date_format: str | None = None
    reference: str | None = None
    #: the exclusion is one an analyst would not expect (said as a warning, not a note)
    warning: bool = False


@dataclass
class InferredSchema:
    """The cleaned model frame (columns named by :func:`safe_name`) and how it was made."""

    frame: pd.DataFrame
    columns: dict[str, ColumnInfo]
    notes: list[str]
    target: str | None
    options: SchemaOptions = field(default_factory=SchemaOptions)

    @property
    def features(self) -> list[str]:
        return [c.feature for c in self.kept]

    @property
    def kept(self) -> list[ColumnInfo]:
        return [c for c in self.columns.values() if c.feature]

    @property
    def numeric(self) -> list[str]:
        return [c.feature for c in self.kept if c.role != "categorical"]

    @property
    def categorical_levels(self) -> dict[str, list[str]]:
        return {c.feature: list(c.levels) for c in self.kept if c.role == "categorical"}

    @property
    def display_names(self) -> dict[str, str]:
        """Model feature name -> column name as in the file (Chinese names kept)."""
        return {c.feature: c.name for c in self.kept}

    def info(self, feature: str) -> ColumnInfo:
        for c in self.kept:
            if c.feature == feature:
                return c
        raise KeyError(f"no model feature {feature!r}; features: {', '.join(self.features)}")

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready record of the schema (no pickle), for :meth:`from_dict`."""
        options = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.options).items()}
        options["as_of"] = None if self.options.as_of is None else f"{self.options.as_of:%Y-%m-%d}"
        columns = [asdict(c) | {"levels": list(c.levels), "missing_codes": list(c.missing_codes)}
                   for c in self.columns.values()]
        return {"target": self.target, "options": options, "columns": columns, "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, record: Mapping[str, object]) -> InferredSchema:
        """Rebuild a schema saved with :meth:`to_dict`; its ``frame`` has no rows."""
        raw_columns = cast("list[dict[str, object]]", record["columns"])
        columns = {}
        for c in raw_columns:
            fields_ = dict(c) | {"levels": tuple(c["levels"]), "missing_codes": tuple(c["missing_codes"])}  # type: ignore[call-overload]
            columns[str(c["name"])] = ColumnInfo(**fields_)  # type: ignore[arg-type]
        options = SchemaOptions.build(**cast("dict[str, object]", record["options"]))
        kept = [c for c in columns.values() if c.feature]
        frame = pd.DataFrame({c.feature: pd.Series(dtype="float64") for c in kept})
        for c in kept:
            if c.role == "categorical":
                frame[c.feature] = pd.Categorical([], categories=list(c.levels))
        notes = [str(n) for n in cast("list[object]", record.get("notes", []))]
        return cls(frame, columns, notes, cast("str | None", record.get("target")), options)

    def transform(self, raw: pd.DataFrame, source: str = "frame") -> pd.DataFrame:
        """Clean new data (to score) exactly as the training data was cleaned.

        Dates count days before the *training* reference date; rare levels grouped in
        training go to ``"other"``; anything else unseen is handled by
        :func:`check_scoring_frame` (missing, with a warning).
        """
        opts, tokens = self.options, self.options.missing_tokens
        out: dict[str, pd.Series] = {}
        problems: list[str] = []
        missing = [c.name for c in self.kept if c.name not in raw.columns]
        if missing:
            problems.append(missing_columns_problem(missing, raw.columns))
        notes: list[str] = []
        for info in self.kept:
            if info.name not in raw.columns:
                continue
            s = raw[info.name].reset_index(drop=True)
            if info.role == "categorical":
                text = as_text(s, tokens)
                if info.other_level:
                    rare = text.notna() & ~text.isin(info.levels)
                    text = text.mask(rare, info.other_level)
                out[info.feature] = text
            elif info.role == "date":
                dates, bad = parse_dates(s, info.date_format, tokens)
                if bad.any():
                    problems.append(f"column {info.name!r}: expected dates, found {examples(as_text(s, tokens), bad)}")
                ref = pd.Timestamp(info.reference)
                out[info.feature] = (ref - dates.dt.normalize()).dt.days.astype("float64")
            else:
                values, bad, _ = parse_numbers(s, tokens)
                if bad.any():
                    problems.append(text_in_numeric_problem(info.name, as_text(s, tokens), bad))
                values, note, problem = handle_infinity(info.name, values, opts.infinity)
                notes += [note] if note else []
                problems += [problem] if problem else []
                big = too_large_problem(info.name, values)
                problems += [big] if big else []
                out[info.feature] = values.mask(values.isin(info.missing_codes))
        if problems:
            raise DataError(source, problems)
        extra = [str(c) for c in raw.columns if c not in self.columns or self.columns[c].feature == ""]
        extra = [c for c in extra if c != self.target]
        if extra:
            notes.append(f"ignored {len(extra)} column(s) the model does not use: {name_list(extra)}")
        frame = pd.DataFrame(out, index=pd.RangeIndex(len(raw)))
        frame.index = raw.index
        checked = check_scoring_frame(frame, self.features, self.categorical_levels, self.numeric, source)
        checked.attrs["notes"] = notes + checked.attrs.get("notes", [])
        return checked
