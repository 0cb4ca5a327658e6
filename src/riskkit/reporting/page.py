"""The report's HTML pieces: print-ready CSS, tables, figures, sections and the page shell.

Print is a first-class target: a validator saves the report as PDF from the browser and
signs that. The CSS therefore sets A4 pages (``@page``), starts every section on a new
page, keeps each figure (image, caption, interpretation) and each small table on one page
(``break-inside: avoid``), keeps headings with what follows them, repeats table headers on
a continued page, and caps a chart's height so that one always fits on a page. Nothing
here knows about runs or metrics; sections hand in text that is already formatted.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

__all__ = ["CSS", "esc", "figure", "page", "paragraphs", "section", "table"]

CSS = """
:root{--ink:#1d2329;--muted:#5d6670;--line:#dfe3e8;--soft:#f5f7f9;--good:#1a7f37;
 --watch:#9a6700;--bad:#c62828}
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,"Noto Sans CJK SC",
 "WenQuanYi Micro Hei",sans-serif;color:var(--ink);max-width:60rem;margin:2rem auto;
 padding:0 1rem;line-height:1.45;font-size:15px}
h1{font-size:1.55rem;margin:0 0 .2rem}h2{font-size:1.25rem;border-bottom:2px solid var(--ink);
 padding-bottom:.2rem;margin-top:2.4rem}h3{font-size:1.02rem;margin:1.3rem 0 .4rem}
.sub{color:var(--muted);margin-top:0}nav{margin:.6rem 0 1rem}nav a{margin-right:.9rem;
 white-space:nowrap}
p{margin:.4rem 0}.note{color:var(--muted);font-size:.88rem}
table{border-collapse:collapse;margin:.5rem 0 .8rem;font-size:.88rem}
th,td{border-bottom:1px solid var(--line);padding:.22rem .6rem;text-align:left;vertical-align:top}
thead th{background:var(--soft)}tbody th{font-weight:normal;color:var(--muted)}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:1rem 0 1.4rem}figure img{display:block;width:100%;max-width:42rem;height:auto}
.fignum{font-weight:600;font-size:.9rem;margin:0 0 .3rem}
figcaption{color:var(--ink);font-size:.9rem;margin-top:.3rem}
.summary{border:1px solid var(--line);border-radius:6px;padding:.4rem 1rem .8rem;
 background:#fbfcfd}.summary table{width:100%;font-size:.92rem}.summary td:first-child{width:30%}
.verdict{display:inline-block;border-radius:3px;padding:0 .4rem;font-size:.8rem;font-weight:600;white-space:nowrap;
 color:#fff}.v-good{background:var(--good)}.v-watch{background:var(--watch)}
.v-bad{background:var(--bad)}.v-none{background:#8c959f}
pre{background:var(--soft);padding:.7rem;overflow:auto;font-size:.78rem;white-space:pre-wrap}
pre.letter{font-family:inherit;font-size:.88rem;border-left:3px solid var(--ink);background:#fff}
code{font-size:.85em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{color:var(--muted)}dd{margin:0}
footer{color:var(--muted);font-size:.8rem;margin-top:3rem}
@page{size:A4;margin:16mm 14mm 16mm 14mm}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10pt}
 nav{display:none}
 section{break-before:page}section.first{break-before:auto}
 h2,h3,.fignum{break-after:avoid}
 figure,table.keep,.summary,pre.letter,dl{break-inside:avoid}
 tr{break-inside:avoid}thead{display:table-header-group}
 figure img{max-height:150mm;width:auto;max-width:100%}
 a{color:inherit;text-decoration:none}
}
"""


def esc(value: Any) -> str:
    """``value`` as HTML text (quotes too, so it is safe in attributes)."""
    return html.escape(str(value), quote=True)


def paragraphs(*sentences: str, sep: str = " ") -> str:
    """Interpretation text: the non-empty sentences, escaped, as one paragraph."""
    text = sep.join(s for s in sentences if s)
    return f"<p>{esc(text)}</p>" if text else ""


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[bool] | None = None,
          keep: bool = True, row_headers: bool = False) -> str:
    """A table of already formatted cells.

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : sequence of sequences
        Cell texts (escaped here).
    numeric : sequence of bool, optional
        Which columns are right-aligned numbers; by default every column but the first.
    keep : bool
        Keep the table on one page when printed (small tables); long tables may break
        between rows and repeat their header.
    row_headers : bool
        Render the first cell of each row as a row header.

    Returns
    -------
    str
        The ``<table>`` element.
    """
    numeric = list(numeric) if numeric is not None else [False, *([True] * (len(header) - 1))]
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    head = f"<thead><tr>{head}</tr></thead>" if any(header) else ""
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i == 0 and row_headers:
                cells.append(f"<th>{esc(cell)}</th>")
            else:
                cls = ' class="num"' if i < len(numeric) and numeric[i] else ""
                cells.append(f"<td{cls}>{esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cls = ' class="keep"' if keep else ""
    return f"<table{cls}>{head}<tbody>{''.join(body)}</tbody></table>"


def figure(number: int, title: str, uri: str, interpretation: str, label: str) -> str:
    """One chart: a numbered title above, the embedded image, interpretation below.

    The number line and the caption bracket the image, so a test can check from the PDF's
    text alone that a figure's first and last line land on the same page.
    """
    return (f'<figure id="fig-{number}"><p class="fignum">{esc(label)} {number}. {esc(title)}</p>'
            f'<img alt="{esc(title)}" src="{uri}">'
            f"<figcaption>{esc(interpretation)}</figcaption></figure>")


def section(sid: str, title: str, body: str, first: bool = False) -> str:
    """A report section; every section but the first starts a new printed page."""
    cls = ' class="first"' if first else ""
    return f'<section id="{esc(sid)}"{cls}><h2>{esc(title)}</h2>{body}</section>'


def page(*, lang: str, title: str, subtitle: str, nav: Sequence[tuple[str, str]],
         sections: Sequence[str], footer: str) -> str:
    """The whole self-contained document: inline CSS, no script, no external file."""
    links = "".join(f'<a href="#{esc(sid)}">{esc(name)}</a>' for sid, name in nav)
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f'<header><h1>{esc(title)}</h1><p class="sub">{esc(subtitle)}</p></header>'
            f"<nav>{links}</nav>{''.join(sections)}<footer>{esc(footer)}</footer></body></html>\n")
