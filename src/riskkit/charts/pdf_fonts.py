"""Fonts embedded in PDFs in a fraction of the time, with the same bytes.

Why: riskkit's style embeds fonts as TrueType (``pdf.fonttype: 42``), and for each font of
each PDF matplotlib asks fontTools for a subset holding the glyphs that PDF uses, made from
the whole font file. For DejaVu Sans that means parsing about 6,000 glyphs and its large
GSUB/GPOS tables every time: a run's 20 PDFs made 45 subsets, 3.2-3.6 s of CPU of the
charts' 17 (measured on the run's own charts, on a loaded machine).

How: subsetting is a projection. A subset made from a smaller subset that already holds
every glyph asked for (with everything those glyphs pull in: ligatures, composite parts) is
the subset made from the whole font, byte for byte, with the same glyph numbers
(``tests/test_pdf_fonts.py`` compares the two on charts with regular and bold text,
ligatures, symbols and a glyph outside the common set). So each font is subset once per
process to the glyphs charts commonly use (:data:`COMMON_BLOCKS`), and each PDF's subset
is made from that small font (0.79 s instead of 3.2 s for the 45). A PDF that needs a
glyph outside it (Chinese labels, say) takes matplotlib's own path, unchanged.

matplotlib offers no hook for this, so :func:`quick_pdf_fonts` puts the function in place of
its private ``_backend_pdf_ps.get_glyphs_subset`` while charts are saved, and only on a
matplotlib version it was checked against (:data:`CHECKED_VERSIONS`: 3.11, whose function
takes glyph numbers and gives a context manager of ``SubsetResults``); elsewhere it does
nothing.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, NamedTuple

import matplotlib
from fontTools.ttLib import TTFont
from matplotlib import font_manager

try:  # private: a matplotlib without it leaves the hook off, never breaks the charts
    from matplotlib.backends import _backend_pdf_ps
except ImportError:  # pragma: no cover - depends on the installed matplotlib
    _backend_pdf_ps = None

#: Unicode ranges (start, end exclusive) whose glyphs the common subset of a font holds:
#: Basic Latin, Latin-1, general punctuation, the euro sign, arrows, mathematical operators
#: and the Latin ligatures (matplotlib shapes "fi", "ff", "fl" into them).
COMMON_BLOCKS: tuple[tuple[int, int], ...] = (
    (0x20, 0x7F), (0xA0, 0x100), (0x2000, 0x2070), (0x20AC, 0x20AD), (0x2190, 0x2300),
    (0xFB00, 0xFB07),
)

_ORIGINAL = getattr(_backend_pdf_ps, "get_glyphs_subset", None)
#: The matplotlib versions whose private subsetting this module was checked against, byte
#: for byte (``tests/test_pdf_fonts.py``); any other leaves matplotlib's own path in place.
CHECKED_VERSIONS = ((3, 11),)
#: matplotlib's subsetting has the shape this module relies on, in a checked version.
SUPPORTED = (_ORIGINAL is not None and hasattr(_backend_pdf_ps, "SubsetResults")
             and hasattr(_backend_pdf_ps, "font_as_file") and hasattr(font_manager, "FontPath")
             and tuple(int(part) for part in matplotlib.__version__.split(".")[:2])
             in CHECKED_VERSIONS)

_lock = threading.Lock()
_depth = 0


class CommonSubset(NamedTuple):
    """A font cut to :data:`COMMON_BLOCKS`: its bytes, and the number each glyph of the
    whole font it kept has in it."""

    data: bytes
    index: dict[int, int]


class _InMemoryFont(io.BytesIO):
    """Font bytes where matplotlib expects a font path (it reads ``face_index`` from it)."""

    face_index = 0


@functools.lru_cache(maxsize=16)
def common_subset(path: str, face_index: int = 0) -> CommonSubset | None:
    """The font at ``path`` cut to the glyphs of :data:`COMMON_BLOCKS`, once per process.

    Parameters
    ----------
    path : str
        A TrueType font file (or collection).
    face_index : int
        The face within a collection.

    Returns
    -------
    CommonSubset or None
        None where the font has no Unicode character map (every PDF then subsets the
        whole font, as matplotlib does).
    """
    with TTFont(path, lazy=True, fontNumber=face_index) as font:
        cmap = font.getBestCmap()
        if not cmap:
            return None
        gids = {font.getGlyphID(cmap[cp]) for start, end in COMMON_BLOCKS
                for cp in range(start, end) if cp in cmap}
    with _ORIGINAL(font_manager.FontPath(path, face_index), gids) as result:  # type: ignore[misc]
        data = _backend_pdf_ps.font_as_file(result.font).getvalue()
        return CommonSubset(data, dict(result.glyph_index_map))


def glyphs_subset(fontfile: Any, glyphs: Iterable[int]) -> AbstractContextManager[Any]:
    """matplotlib's ``get_glyphs_subset``, made from the font's common subset when that
    holds every glyph asked for; the same font bytes and glyph numbers either way.

    Parameters
    ----------
    fontfile : matplotlib.font_manager.FontPath
        The font (path and face index), as matplotlib passes it.
    glyphs : iterable of int
        Glyph numbers in the whole font.

    Returns
    -------
    context manager of matplotlib's ``SubsetResults``
        The subset font and each kept glyph's number in it (keys: the whole font's).
    """
    wanted = set(glyphs)
    common = common_subset(str(getattr(fontfile, "path", fontfile)),
                           int(getattr(fontfile, "face_index", 0)))
    if common is None or not wanted <= common.index.keys():
        return _ORIGINAL(fontfile, wanted)  # type: ignore[misc]
    return _from_common(common, wanted)


@contextmanager
def _from_common(common: CommonSubset, wanted: set[int]) -> Iterator[Any]:
    inner_glyphs = {common.index[g] for g in wanted}
    with _ORIGINAL(_InMemoryFont(common.data), inner_glyphs) as inner:  # type: ignore[misc]
        kept = inner.glyph_index_map
        yield inner._replace(glyph_index_map={g: kept[k] for g, k in common.index.items()
                                              if k in kept})


def prepare(paths: Iterable[str]) -> None:
    """Make the common subsets of ``paths`` now (before a fork, so both processes have them)."""
    if SUPPORTED:
        for path in paths:
            common_subset(str(path), 0)  # the key glyphs_subset asks with


def style_fonts() -> list[str]:
    """The font files the style in force draws text with (regular and bold)."""
    props = [font_manager.FontProperties(), font_manager.FontProperties(weight="bold")]
    return list(dict.fromkeys(str(font_manager.findfont(p)) for p in props))


@contextmanager
def quick_pdf_fonts() -> Iterator[None]:
    """Within the block, matplotlib subsets PDF fonts through :func:`glyphs_subset`.

    Re-entrant and safe across threads (the function is in place while any caller is
    inside); a no-op on a matplotlib this module does not know.
    """
    global _depth
    if not SUPPORTED:
        yield
        return
    with _lock:
        _depth += 1
        _backend_pdf_ps.get_glyphs_subset = glyphs_subset
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _backend_pdf_ps.get_glyphs_subset = _ORIGINAL
