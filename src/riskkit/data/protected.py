"""Which columns of a user's file are protected attributes, recognised by name.

A lender's extract often carries sex, age, marital status or nationality next to the credit
features (UCI German Credit has ``personal_status_and_sex``, ``age_in_years`` and
``foreign_worker``). Fitted naively, a model uses them and a denial letter cites them.
:func:`detect_protected` finds such columns by name so that a bring-your-own-data run can
treat them as protected by default: analysed for fairness, never a model feature unless the
config says so, never a reason.

How names are matched
---------------------
A name is normalised (camelCase split, lower case, every run of characters other than
letters and digits becomes ``_``) and cut into tokens. It is protected when

* one of its tokens is a protected word (``sex``, ``gender``, ``age``, ``race``,
  ``ethnicity``, ``religion``, ``nationality``, ``citizenship``, ``marital``, ...), or
* it contains a protected phrase of several tokens (``marital_status``,
  ``personal_status`` -- German Credit's code for sex and marital status --,
  ``foreign_worker``, ``date_of_birth``, ``national_origin``), or
* it contains one of the Chinese words 性别, 年龄, 民族, 种族, 婚姻, 国籍, 宗教, 出生.

Whole tokens, not substrings: ``mortgage``, ``usage`` and ``percentage`` contain "age" and
are not ages. An ``age`` next to a word naming a thing rather than a person
(``account_age``, ``age_of_oldest_trade``, ``car_age``) is the age of that thing, a
legitimate credit feature, and is not matched. Detection is a default, not a verdict: the
fit config's ``protected:`` section overrides it either way.

Hand-written rather than taken from a library: fairlearn and aif360 take the sensitive
features as given and have no name detector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["PROTECTED_KINDS", "detect_protected", "normalise_name", "protected_kind"]

#: kind -> (single tokens, multi-token phrases, Chinese words). The kind names the reason.
PROTECTED_KINDS: dict[str, tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]] = {
    "sex": (frozenset({"sex", "gender"}), ("personal_status",), ("性别",)),
    "age": (frozenset({"age", "dob", "birthdate", "birthday"}),
            ("date_of_birth", "birth_date", "birth_year", "year_of_birth"), ("年龄", "出生")),
    "race": (frozenset({"race", "racial", "ethnicity", "ethnic"}), (), ("民族", "种族")),
    "marital_status": (frozenset({"marital", "marriage", "married"}),
                       ("marital_status", "personal_status", "civil_status"), ("婚姻",)),
    "nationality": (frozenset({"nationality", "citizenship"}),
                    ("national_origin", "country_of_birth"), ("国籍",)),
    "foreign_worker": (frozenset(), ("foreign_worker",), ("外籍",)),
    "religion": (frozenset({"religion", "religious"}), (), ("宗教",)),
}

#: Tokens that make an "age" the age of a thing (an account, a loan, a car), not a person's.
_AGE_OF_A_THING = frozenset({
    "account", "accounts", "acct", "credit", "loan", "loans", "trade", "trades", "tradeline",
    "oldest", "newest", "youngest", "file", "history", "car", "vehicle", "auto", "house",
    "home", "property", "building", "card", "cards", "relationship", "business", "company",
    "firm", "debt", "record", "contract", "policy",
})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")


def normalise_name(name: str) -> str:
    """``"Marital Status"``, ``"maritalStatus"`` and ``"MARITAL-STATUS"`` -> ``marital_status``."""
    text = _CAMEL.sub("_", str(name).strip())
    return _NOT_WORD.sub("_", text.lower()).strip("_")


def protected_kind(name: str) -> str | None:
    """The kind of protected attribute a column name denotes (``"sex"``, ``"age"`` ...), or None.

    Parameters
    ----------
    name
        a column name as written in the file (any case, any separators, Chinese allowed).

    Returns
    -------
    str or None
        the first matching key of :data:`PROTECTED_KINDS`, None when the name is not one.
    """
    norm = normalise_name(name)
    tokens = norm.split("_")
    padded = f"_{norm}_"
    for kind, (words, phrases, chinese) in PROTECTED_KINDS.items():
        if any(word in norm for word in chinese):
            return kind
        if any(f"_{phrase}_" in padded for phrase in phrases):
            return kind
        hit = words & set(tokens)
        if not hit:
            continue
        if kind == "age" and hit <= {"age"} and _AGE_OF_A_THING & set(tokens):
            continue
        return kind
    return None


def detect_protected(names: Iterable[str]) -> dict[str, str]:
    """Column name -> kind of protected attribute, for every name that is one.

    Parameters
    ----------
    names
        column names (of a file, or model feature names).

    Returns
    -------
    dict
        only the protected names, in the order given, each mapped to its kind.
    """
    out: dict[str, str] = {}
    for name in names:
        kind = protected_kind(name)
        if kind is not None:
            out[name] = kind
    return out
