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
* it contains one of the Chinese words 性别, 年龄, 民族, 种族, 人种, 族别, 婚姻, 国籍, 宗教, 出生.

Race and ethnicity travel under short names and codes in lenders' extracts (HMDA's
``applicant_race_1``, ``derived_ethnicity``; warehouse names like ``race_cd``, ``ETH_CODE``,
``raceid``, ``hisp_flag``, ``minority_ind``). So a token also counts when it is a protected
word followed by digits (``race1``) or glued to a code suffix (``racecd``, ``ethcode``,
``raceid``): ``eth``, ``ethn``, ``hisp``, ``hispanic``, ``latino``, ``minority`` and
``raceeth`` are race words beside ``race``, ``racial``, ``ethnic`` and ``ethnicity``.

Whole tokens, not substrings: ``mortgage``, ``usage`` and ``percentage`` contain "age" and
are not ages; ``trace``, ``grace_period``, ``embrace`` are not races and ``ethanol``,
``ethics``, ``method`` not ethnicities. An ``age`` next to a word naming a thing rather than
a person (``account_age``, ``age_of_oldest_trade``, ``car_age``) is the age of that thing, a
legitimate credit feature, and is not matched; likewise ``eth`` next to a word of crypto
holdings (``eth_balance``, ``eth_wallet``: Ether, not ethnicity) and ``minority`` next to a
word of ownership (``minority_interest``, ``minority_stake``). Detection is a default, not a verdict: the
fit config's ``protected:`` section overrides it either way.

Hand-written rather than taken from a library: fairlearn and aif360 take the sensitive
features as given and have no name detector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["PROTECTED_KINDS", "detect_protected", "normalise_name", "protected_kind",
           "protected_match", "protected_reason"]

#: kind -> (single tokens, multi-token phrases, Chinese words). The kind names the reason.
PROTECTED_KINDS: dict[str, tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]] = {
    "sex": (frozenset({"sex", "gender"}), ("personal_status",), ("性别",)),
    "age": (frozenset({"age", "dob", "birthdate", "birthday"}),
            ("date_of_birth", "birth_date", "birth_year", "year_of_birth"), ("年龄", "出生")),
    "race": (frozenset({"race", "racial", "ethnicity", "ethnic", "eth", "ethn", "raceeth",
                        "hisp", "hispanic", "latino", "latina", "latinx", "minority"}),
             ("race_ethnicity", "race_eth"), ("民族", "种族", "人种", "族别")),
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
#: Tokens that make ``eth`` a crypto holding, ``minority`` a share of ownership.
_NOT_A_PERSON = {
    "eth": frozenset({"balance", "wallet", "price", "usd", "btc", "crypto", "amount", "amt",
                      "holding", "holdings", "address", "gas", "value", "token", "tokens"}),
    "minority": frozenset({"interest", "interests", "stake", "stakes", "shareholder",
                           "shareholders", "share", "shares", "holding", "holdings"}),
}
#: Suffixes of coded columns glued to a word (``racecd``, ``ethcode``, ``raceid``).
_CODE_SUFFIXES = ("code", "cde", "cd", "id", "grp", "ind", "flag", "flg", "desc", "cat")
_TRAILING_DIGITS = re.compile(r"\d+$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")


def normalise_name(name: str) -> str:
    """``"Marital Status"``, ``"maritalStatus"`` and ``"MARITAL-STATUS"`` -> ``marital_status``."""
    text = _CAMEL.sub("_", str(name).strip())
    return _NOT_WORD.sub("_", text.lower()).strip("_")


def _word_of(token: str, words: frozenset[str]) -> str | None:
    """The protected word a token is: itself, itself less trailing digits (``race1``), or
    itself less a glued code suffix (``racecd``); None otherwise."""
    bare = _TRAILING_DIGITS.sub("", token)
    for candidate in (token, bare):
        if candidate in words:
            return candidate
    for suffix in _CODE_SUFFIXES:
        if bare.endswith(suffix) and bare[:-len(suffix)] in words:
            return bare[:-len(suffix)]
    return None


def protected_match(name: str) -> tuple[str, str] | None:
    """The kind of protected attribute a column name denotes and the word that says so.

    Parameters
    ----------
    name
        a column name as written in the file (any case, any separators, Chinese allowed).

    Returns
    -------
    tuple of str or None
        ``(kind, word)``: the first matching key of :data:`PROTECTED_KINDS` and the word,
        phrase or Chinese term found; None when the name is not a protected attribute.
    """
    norm = normalise_name(name)
    tokens = norm.split("_")
    padded = f"_{norm}_"
    for kind, (words, phrases, chinese) in PROTECTED_KINDS.items():
        found = next((word for word in chinese if word in norm), None)
        found = found or next((p for p in phrases if f"_{p}_" in padded), None)
        if found:
            return kind, found
        hits = {w for w in (_word_of(t, words) for t in tokens) if w is not None}
        hits = {w for w in hits if not (_NOT_A_PERSON.get(w, frozenset()) & set(tokens))}
        if kind == "age" and hits <= {"age"} and _AGE_OF_A_THING & set(tokens):
            continue
        if hits:
            return kind, sorted(hits)[0]
    return None


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
    match = protected_match(name)
    return None if match is None else match[0]


def protected_reason(name: str) -> str | None:
    """Why a column is taken for a protected attribute, in words (for notes and logs):
    ``"its name denotes race (the word 'race' in 'race_cd')"``; None when it is not one."""
    match = protected_match(name)
    if match is None:
        return None
    kind, word = match
    return f"its name denotes {kind.replace('_', ' ')} (the word {word!r} in {name!r})"


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
