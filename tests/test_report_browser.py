"""The run report in a real browser: it renders, and "Save as PDF" gives A4 pages, no chart cut.

Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``) opens the report of a
small run through Playwright (never a downloaded browser) and prints it with its own
``--print-to-pdf``; poppler's ``pdfinfo``, ``pdftotext`` and ``pdfimages`` read the PDF back.

How "no chart is split" is checked, and why this way:

* Chromium never slices an ``<img>``: it is an unbreakable box, moved whole to the next page
  (or clipped if taller than a page). A chart is "cut" when its title, its image and its
  interpretation land on different pages, or when it is taller than a page. So:
* in the browser with print media emulated at the A4 content width, every ``<figure>`` must
  have ``break-inside: avoid`` and be shorter than one page's content box: then the browser
  can, and must, keep it whole;
* in the printed PDF, each figure's first line ("Figure N. title", above the image) and the
  start of its caption (below the image) must be on the same page: whatever lies between,
  the chart, is on that page too (text flows in order);
* in a PNG-embedding copy of the report, ``pdfimages -list`` must show every chart exactly
  once, each on one page: a chart missing or drawn twice would show.
A control case (one of the report's figures pushed across a page boundary without the print
CSS) shows the PDF check does catch a split chart. Reading the PDF text is exact and cheap; rendering pages to pixels and looking for cut
shapes would be slower and fuzzier.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from report_fixture import CHARTS, make_run
from riskkit.reporting.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
POPPLER = ("pdfinfo", "pdftotext", "pdfimages")
PRINT_S = 120
#: A4 in CSS px (96 per inch) and the report's @page margins (16 mm top and bottom, 14 mm sides).
MM = 96 / 25.4
CONTENT_W, CONTENT_H = round((210 - 28) * MM), (297 - 32) * MM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in POPPLER),
                       reason="needs poppler's pdfinfo/pdftotext/pdfimages (apt-get install poppler-utils)"),
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    run = make_run(tmp_path_factory.mktemp("runs") / "base-20261130-101500")
    return {"en": write_report(run), "zh": write_report(run, lang="zh"),
            "png": write_report(run, run / "report.png.html", images="png")}


def print_pdf(html_file: Path, out: Path) -> Path:
    """Chromium's own "Save as PDF", as a user's browser does it (own profile: no clash)."""
    subprocess.run([str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={out.parent / 'profile'}",
                    "--no-pdf-header-footer", f"--print-to-pdf={out}", html_file.as_uri()],
                   check=True, capture_output=True, timeout=PRINT_S)
    assert out.exists() and out.stat().st_size > 10_000
    return out


def page_texts(pdf: Path) -> list[str]:
    """Each page's text, whitespace folded (pdftotext separates pages with form feeds)."""
    raw = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                         text=True, timeout=60).stdout
    return [" ".join(p.split()) for p in raw.split("\f")][:-1]


def split_figures(page_html: str, pages: list[str]) -> list[str]:
    """Numbers of the figures whose title line and caption are not on one single page."""
    figures = re.findall(r'<p class="fignum">Figure (\d+)\. .*?<figcaption>([^<]+)</figcaption>',
                         page_html, flags=re.S)
    assert figures
    captions = [" ".join(html.unescape(c).split()) for _, c in figures]
    assert len(set(captions)) == len(captions)  # each whole caption identifies its figure
    split = []
    for (number, _), caption in zip(figures, captions, strict=True):
        top = [i for i, t in enumerate(pages) if f"Figure {number}. " in t]
        bottom = [i for i, t in enumerate(pages) if caption in t]
        if len(top) != 1 or top != bottom:
            split.append(number)
    return split


def test_the_split_check_finds_a_split_chart(reports: dict[str, Path], tmp_path: Path) -> None:
    """The check above can fail: one of the report's figures pushed across a page boundary,
    without the print CSS, has its title on one page and its caption on the next."""
    found = re.search(r"<figure .*?</figure>", reports["png"].read_text(encoding="utf-8"), re.S)
    control = (f'<!DOCTYPE html><html><head><style>@page{{size:A4;margin:10mm}}</style></head>'
               f'<body><div style="height:240mm"></div>{found.group(0)}</body></html>')
    (tmp_path / "control.html").write_text(control, encoding="utf-8")
    pages = page_texts(print_pdf(tmp_path / "control.html", tmp_path / "control.pdf"))
    assert split_figures(control, pages) == ["1"]


def test_report_in_the_browser_and_its_print_layout(reports: dict[str, Path], tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS,
                                    headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(reports["en"].as_uri())
            summary = page.locator("section#summary .summary tr")
            assert summary.count() == 8
            assert "LightGBM" in summary.nth(0).inner_text()
            assert page.locator("section#summary .verdict").count() >= 4
            fairness = page.locator("section#fairness")
            assert fairness.locator("h2").inner_text() == "Fairness"
            assert fairness.locator("table").count() >= 5  # AIR, one per attribute, knock-outs
            images = page.locator("figure img")
            assert images.count() == len(CHARTS)
            for i in range(images.count()):  # every chart decoded and drawn at a readable size
                img = images.nth(i)
                img.scroll_into_view_if_needed()
                assert img.evaluate("e => e.complete && e.naturalWidth > 0"), i
                assert img.bounding_box()["width"] > 300, i
            # print layout: every figure may not break and fits in one A4 content box
            page.set_viewport_size({"width": CONTENT_W, "height": 1000})
            page.emulate_media(media="print")
            boxes = page.eval_on_selector_all("figure", """els => els.map(e => ({
                id: e.id, avoid: getComputedStyle(e).breakInside,
                h: e.getBoundingClientRect().height}))""")
            assert len(boxes) == len(CHARTS)
            for box in boxes:
                assert box["avoid"] == "avoid", box
                assert 150 < box["h"] < CONTENT_H, box
            zh = browser.new_page()
            zh.goto(reports["zh"].as_uri())
            assert zh.locator("section#fairness h2").inner_text() == "公平性"
            assert zh.locator("figure img").count() == len(CHARTS)
        finally:
            browser.close()


def test_saved_as_pdf_gives_a4_pages_and_no_chart_is_split(reports: dict[str, Path],
                                                           tmp_path: Path) -> None:
    pdf = print_pdf(reports["en"], tmp_path / "report.pdf")
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert len(sizes) >= 10  # a page per section at least
    for width, height in sizes:  # A4 is 595.28 x 841.89 pt; Chromium rounds to its pixel grid
        assert abs(float(width) - 595.3) < 1.5 and abs(float(height) - 841.9) < 1.5
    pages = page_texts(pdf)
    assert len(pages) == len(sizes)
    assert split_figures(reports["en"].read_text(encoding="utf-8"), pages) == []
    # sections start on a new page: the summary alone on page 1
    assert pages[0].startswith("Model validation report") and "Data and world" not in pages[0]
    # the same layout embedding PNGs: every chart drawn once, each on a single page
    listing = subprocess.run(["pdfimages", "-list", str(print_pdf(reports["png"], tmp_path / "png.pdf"))],
                             check=True, capture_output=True, text=True, timeout=60).stdout
    drawn = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    objects = [row[10] for row in drawn]  # the image's PDF object id
    assert len(drawn) == len(CHARTS) and len(set(objects)) == len(CHARTS)
