"""PDF fonts subset from a common subset: the same bytes as matplotlib's own subsetting."""

from __future__ import annotations

import io

import pytest
from matplotlib.figure import Figure

from riskkit.charts import export, pdf_fonts, style_context

pytestmark = pytest.mark.skipif(not pdf_fonts.SUPPORTED, reason="matplotlib without the hook")


def chart(text: str) -> Figure:
    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [1, 0])
    ax.set_title("Offices affluent: fifty − 3.5 % ≤ 10 → €")  # bold, ligatures, symbols
    ax.set_xlabel(text)
    return fig


def pdf_bytes(fig: Figure) -> bytes:
    out = io.BytesIO()
    with style_context("report", "en"):
        fig.savefig(out, format="pdf", metadata={"CreationDate": None})
    return out.getvalue()


def subsets_made(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The font each call of matplotlib's own subsetting was given (a path or bytes)."""
    seen: list[object] = []
    real = pdf_fonts._ORIGINAL

    def spy(fontfile, glyphs):
        seen.append(fontfile)
        return real(fontfile, glyphs)

    monkeypatch.setattr(pdf_fonts, "_ORIGINAL", spy)
    return seen


@pytest.mark.parametrize(("text", "from_files"), [
    ("fluffy offers, 0.25 ± 0.01 · 95 %", 0),
    ("Кредит: glyphs outside the common subset", 1),  # the regular font from its file
])
def test_quick_subsets_give_the_bytes_matplotlib_gives(text: str, from_files: int,
                                                       monkeypatch) -> None:
    plain = pdf_bytes(chart(text))
    with style_context("report", "en"):
        pdf_fonts.prepare(pdf_fonts.style_fonts())  # the common subsets exist before the spy
    seen = subsets_made(monkeypatch)
    with pdf_fonts.quick_pdf_fonts():
        quick = pdf_bytes(chart(text))
    assert quick == plain
    # two fonts (regular, bold): each from its common subset unless it needs a rare glyph
    from_memory = sum(isinstance(f, pdf_fonts._InMemoryFont) for f in seen)
    assert (from_memory, len(seen) - from_memory) == (2 - from_files, from_files)


def test_export_uses_the_quick_path_and_puts_matplotlibs_back(tmp_path, monkeypatch) -> None:
    seen = subsets_made(monkeypatch)
    from matplotlib.backends import _backend_pdf_ps

    with style_context("report", "en"):
        export(chart("plain text"), "c", tmp_path, formats=("pdf",))
    assert any(isinstance(f, pdf_fonts._InMemoryFont) for f in seen)
    assert _backend_pdf_ps.get_glyphs_subset is not pdf_fonts.glyphs_subset
