"""The report's words: the ``report`` section of the text catalogue (:mod:`riskkit.texts`).

Keys: ``k.<metric key>`` for the words of a metrics.json / data card / manifest key,
``model.``, ``split.``, ``attr.`` for names, ``sec.`` for section titles, ``sum.`` for the
summary, ``v.`` for verdict words, and one prefix per section for its sentences. Sentences
are :meth:`str.format` templates whose fields receive numbers already formatted by
:mod:`riskkit.reporting.numbers`. :func:`label` finds the words for a metrics key
whatever its path.
"""

from __future__ import annotations

from typing import Any

from riskkit.reporting.numbers import humanise
from riskkit.texts import LANGS, Words, check_lang

__all__ = ["LANGS", "REPORT", "label", "text"]

REPORT = Words("report")
#: Key prefixes looked up as they are (``val.none`` must not fall back to ``k.none``).
_NAMESPACES = ("model.", "split.", "attr.", "stage.", "who.", "lang.", "val.", "unit.")


def label(key: str, lang: str = "en", default: str | None = None) -> str:
    """The words for ``key`` (``k.<key>`` first, then ``key`` itself), else ``default``.

    Parameters
    ----------
    key : str
        A metrics key (``bad_rate_denied``, ``oot.approval_rate`` uses its last part) or a
        full catalogue key (``model.lgbm``).
    lang : str
        ``en`` or ``zh``.
    default : str, optional
        What to return for an unknown key; :func:`humanise` of it when None.

    Returns
    -------
    str
        The label.
    """
    last = key if key.startswith(_NAMESPACES) else key.rsplit(".", 1)[-1]
    for candidate in (f"k.{last}", key, last):
        entry = REPORT.get(candidate, lang)
        if entry is not None:
            return entry
    return humanise(last) if default is None else default


def text(key: str, lang: str = "en", /, **values: Any) -> str:
    """The catalogue sentence ``key`` in ``lang``, with ``values`` filled in.

    Parameters
    ----------
    key : str
        A key of the catalogue's ``report`` section; an unknown key is a programming
        error (KeyError).
    lang : str
        ``en`` or ``zh``.
    **values
        Template fields, already formatted.

    Returns
    -------
    str
        The sentence.
    """
    return REPORT(key, check_lang(lang), **values)
