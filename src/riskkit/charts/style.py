"""Colours, style sheets, fonts and labels shared by every riskkit chart.

Chinese is opt-in and never silent: ``use_style(lang="zh")`` looks for an installed CJK font
through matplotlib's font manager. Without one, Chinese text would render as empty boxes
("tofu"), so riskkit warns once and every label falls back to English instead.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager, ft2font
from matplotlib import style as mpl_style

from riskkit.core import features
from riskkit.styles import VARIANTS, style_name
from riskkit.texts import category_text

#: petroff10, matplotlib's colour-blind-safe cycle (the one in the style sheets).
PALETTE: tuple[str, ...] = (
    "#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6",
    "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd",
)
#: The one colour for "raises risk" (bads, positive contributions, shifted features).
RISK_UP = "#bd1f01"
#: The one colour for "lowers risk" (goods, negative contributions).
RISK_DOWN = "#3f90da"
#: Amber for "worth a look" (PSI between the two thresholds).
WARN = "#ffa90e"
#: Grey for reference lines and neutral bars.
NEUTRAL = "#94a4a2"
#: Near-black for the known truth overlaid on model estimates (always dashed).
TRUTH = "#222222"

LANGS: tuple[str, ...] = ("en", "zh")

#: CJK families tried first, in order. TrueType-outline fonts come first because
#: matplotlib's PDF/PS backends cannot embed CFF-outline OpenType fonts (Noto Sans CJK,
#: Source Han Sans) as Type 42; see ``CJKFont.truetype``.
CJK_CANDIDATES: tuple[str, ...] = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC",
    "Heiti SC", "Sarasa Gothic SC", "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC",
    "Source Han Sans CN", "Droid Sans Fallback", "AR PL UMing CN", "AR PL UKai CN",
)
_CJK_NAME = re.compile(r"CJK|Hei|Han Sans|WenQuanYi|YaHei|Song|Kai|Ming|Fallback", re.I)
_PROBE = "中文风险"


class MissingFontWarning(UserWarning):
    """Chinese labels were asked for but no CJK font is installed."""


@dataclass(frozen=True)
class CJKFont:
    """An installed font that can draw Chinese.

    ``truetype`` is False for CFF-outline fonts (file starts with ``OTTO``): matplotlib
    cannot embed those as PDF Type 42, so ``use_style`` switches PDF/PS to Type 3 for them.
    """

    name: str
    path: Path
    truetype: bool


def outline_is_truetype(path: Path) -> bool:
    """True when the font (first face of a collection) has TrueType ``glyf`` outlines."""
    with open(path, "rb") as fh:
        head = fh.read(16)
        if head[:4] == b"ttcf" and len(head) >= 16:
            fh.seek(int.from_bytes(head[12:16], "big"))
            head = fh.read(4)
    return head[:4] != b"OTTO"


def _covers_chinese(path: Path) -> bool:
    try:
        font = ft2font.FT2Font(str(path))
        return all(font.get_char_index(ord(ch)) for ch in _PROBE)
    except (OSError, RuntimeError, ValueError):
        return False


@functools.cache
def find_cjk_font() -> CJKFont | None:
    """The best installed CJK font, or None. Cached: the font list is read once."""
    rank = {name: i for i, name in enumerate(CJK_CANDIDATES)}
    entries = [
        e for e in font_manager.fontManager.ttflist if e.name in rank or _CJK_NAME.search(e.name)
    ]
    found: list[tuple[int, int, CJKFont]] = []
    for entry in entries:
        path = Path(entry.fname)
        if not path.exists() or not _covers_chinese(path):
            continue
        font = CJKFont(entry.name, path, outline_is_truetype(path))
        found.append((0 if font.truetype else 1, rank.get(entry.name, len(rank)), font))
    return min(found, key=lambda item: item[:2])[2] if found else None


_warned = False


def resolve_lang(lang: str) -> str:
    """The language charts will actually use: ``"zh"`` only when a CJK font is installed.

    Parameters
    ----------
    lang : {"en", "zh"}
        The language asked for (anything else is a ValueError).

    Returns
    -------
    str
        ``lang``, or ``"en"`` for ``"zh"`` without a CJK font (warned once).
    """
    global _warned
    if lang not in LANGS:
        raise ValueError(f"unknown chart language {lang!r}; choose one of {', '.join(LANGS)}")
    if lang == "zh" and find_cjk_font() is None:
        if not _warned:
            _warned = True
            warnings.warn(
                "no CJK font found (install e.g. fonts-wqy-microhei or fonts-noto-cjk); "
                "charts use English labels instead of Chinese",
                MissingFontWarning,
                stacklevel=3,
            )
        return "en"
    return lang


def use_style(variant: str = "report", lang: str = "en") -> list[str]:
    """Apply a riskkit style sheet (and a CJK font when available) to matplotlib's rcParams.

    Returns the style names applied, e.g. ``["riskkit.styles.report"]``. Any installed CJK
    font is added to the sans-serif list: first for ``lang="zh"``, last (as a glyph
    fallback for the odd Chinese name in an English chart) otherwise.

    Parameters
    ----------
    variant : {"report", "slides"}
        The style sheet.
    lang : {"en", "zh"}
        Language the charts will use (``zh`` puts a CJK font first).

    Returns
    -------
    list of str
        The style names applied.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown style variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    names = [style_name(variant)]
    mpl_style.use(names)
    lang = resolve_lang(lang)
    font = find_cjk_font()
    if font is not None:
        others = [f for f in mpl.rcParams["font.sans-serif"] if f != font.name]
        mpl.rcParams["font.sans-serif"] = [font.name, *others] if lang == "zh" else [*others, font.name]
        if not font.truetype:
            mpl.rcParams["pdf.fonttype"] = 3
            mpl.rcParams["ps.fonttype"] = 3
        if lang == "zh" and not _has_bold(font.name):
            # many CJK fonts ship one weight; asking for bold only logs a findfont complaint
            mpl.rcParams["axes.titleweight"] = "normal"
    return names


def _has_bold(family: str) -> bool:
    weights = font_manager.weight_dict
    return any(
        e.name == family and (e.weight if isinstance(e.weight, int) else weights.get(e.weight, 400)) >= 600
        for e in font_manager.fontManager.ttflist
    )


@contextmanager
def style_context(variant: str = "report", lang: str = "en") -> Iterator[list[str]]:
    """``use_style`` for the duration of a ``with`` block; rcParams are restored after.

    Parameters
    ----------
    variant : {"report", "slides"}
        The style sheet.
    lang : {"en", "zh"}
        Language the charts will use.

    Yields
    ------
    list of str
        The style names applied.
    """
    with mpl.rc_context():
        yield use_style(variant, lang)


def level_label(column: str, level: object, lang: str = "en") -> str:
    """A category level as a chart shows it ("state-owned employer", not ``state_owned``).

    The raw level where the catalogue has no words for it (a level of your own data).

    Parameters
    ----------
    column : str
        The categorical column.
    level : object
        One of its levels.
    lang : {"en", "zh"}
        Language of the label.

    Returns
    -------
    str
    """
    return category_text(column, level, resolve_lang(lang)) or str(level)


def label(feature_name: str, lang: str = "en") -> str:
    """Axis / table label of a registry feature (with its unit) in ``lang``.

    Names outside the registry (engineered columns, reason texts) are returned unchanged, so
    a chart of an experimental feature still draws.

    Parameters
    ----------
    feature_name : str
        A registry feature, or any other column name.
    lang : {"en", "zh"}
        Language of the label.

    Returns
    -------
    str
    """
    lang = resolve_lang(lang)
    feature = features.REGISTRY.get(feature_name)
    return feature.label(lang) if feature is not None else str(feature_name)
