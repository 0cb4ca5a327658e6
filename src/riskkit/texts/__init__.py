"""riskkit's words: every string a reader sees, one YAML file per language.

``en.yaml`` and ``zh.yaml`` (package data, read with :mod:`importlib.resources`) hold the
same sections and keys: the features' labels and reasons, the letters, recourse, the
charts, the what-if panel, the report, the notebooks' sentences. A translator edits those
files and never reads Python; the code refers to a key of a section through a
:class:`Words` (``LETTERS = Words("letters")``, then ``LETTERS("denied", lang)``).
Sentences stating a figure are :meth:`str.format` templates whose ``{placeholders}`` the
code fills with numbers it has already formatted, so the words can move around the number
in either language. ``tests/test_texts.py`` checks that both files have the same keys with
the same placeholders and that every key the code asks for exists.

This package imports nothing of riskkit: every other package may use it, the feature
registry included.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

import yaml

__all__ = ["LANGS", "Words", "catalogue", "category_text", "check_lang", "placeholders"]

#: The languages riskkit speaks; the first is the default.
LANGS: tuple[str, ...] = ("en", "zh")

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_lang(lang: str) -> str:
    """``lang`` when it is one of :data:`LANGS`, else a ValueError naming it.

    Parameters
    ----------
    lang : str
        A language code.

    Returns
    -------
    str
        ``lang`` itself.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


@cache
def catalogue(lang: str) -> Mapping[str, Mapping[str, str]]:
    """Every section of one language's file, ``{section: {key: text}}`` (read once).

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"zh"``.

    Returns
    -------
    Mapping
        Read-only: the words are data, edited in the YAML file, never at run time.
    """
    source = resources.files(__name__).joinpath(f"{check_lang(lang)}.yaml")
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=_LOADER)
    return MappingProxyType({name: MappingProxyType({str(k): str(v) for k, v in entries.items()})
                             for name, entries in data.items()})


def placeholders(template: str) -> frozenset[str]:
    """The field names of a :meth:`str.format` template (``"{n} of {k:,}"`` -> n, k).

    Parameters
    ----------
    template : str
        A catalogue text.

    Returns
    -------
    frozenset of str
    """
    return frozenset(field.split(".")[0].split("[")[0]
                     for _, field, _, _ in string.Formatter().parse(template) if field)


class Words:
    """The texts of one section of the catalogue, looked up by key and language.

    Parameters
    ----------
    section : str
        A top-level key of ``en.yaml`` / ``zh.yaml`` (``"letters"``, ``"report"``, ...).
    """

    def __init__(self, section: str) -> None:
        self.section = section

    def __repr__(self) -> str:
        return f"Words({self.section!r})"

    def texts(self, lang: str = "en") -> Mapping[str, str]:
        """The whole section in ``lang``, ``{key: text}`` (a KeyError names a missing section)."""
        try:
            return catalogue(lang)[self.section]
        except KeyError:
            raise KeyError(f"the text catalogue has no section {self.section!r}") from None

    def template(self, key: str, lang: str = "en") -> str:
        """The text of ``key`` in ``lang`` as written, placeholders unfilled."""
        texts = self.texts(lang)
        try:
            return texts[key]
        except KeyError:
            raise KeyError(f"the text catalogue's section {self.section!r} has no key "
                           f"{key!r}") from None

    def __call__(self, key: str, lang: str = "en", /, **values: object) -> str:
        """The text of ``key`` in ``lang`` with ``values`` filled in.

        Parameters
        ----------
        key : str
            A key of this section; an unknown key is a programming error (KeyError).
        lang : str
            ``"en"`` or ``"zh"``.
        **values
            The template's fields (numbers already formatted, or format specs in the
            template).

        Returns
        -------
        str
        """
        template = self.template(key, lang)
        return template.format(**values) if values else template

    def get(self, key: str, lang: str = "en", default: str | None = None) -> str | None:
        """The text of ``key`` as written, or ``default`` when the section has no such key."""
        return self.texts(lang).get(key, default)

    def pair(self, key: str, /, **values: object) -> tuple[str, str]:
        """``(English, Chinese)`` of ``key``: for records that keep both (``text_en``,
        ``text_zh``)."""
        return self(key, "en", **values), self(key, "zh", **values)

    def plural(self, key: str, count: int, lang: str = "en", /, **values: object) -> str:
        """``key.one`` when ``count`` is 1, else ``key.other``, with ``n=count`` and
        ``values`` filled in ("1 month", "3 months"; Chinese has one form for both)."""
        return self(f"{key}.{'one' if count == 1 else 'other'}", lang, n=count, **values)

    def __contains__(self, key: object) -> bool:
        return key in self.texts()

    def __iter__(self) -> Iterator[str]:
        return iter(self.texts())


def category_text(name: str, value: object, lang: str = "en") -> str | None:
    """A category level as a reader reads it ("internet industry" / "互联网行业"), or None
    when the catalogue (section ``values``, key ``level.<name>.<value>``) has no words for it.

    The one lookup of a level's words: letters, shap's display values and every chart's
    ticks read it here.
    """
    return Words("values").get(f"level.{name}.{value}", lang)
