"""The rendered report in a real browser: headless Chromium at a laptop's and a phone's width.

Loads ``report/_output/index.html`` (the fallback build of ``make report``) in headless
Chromium driven by Playwright: the Chromium ``helpers.prerequisites.find_chromium`` finds
(``$ICSFIN_CHROMIUM``, Debian's ``/usr/bin/chromium``, one on the PATH, else Playwright's own
download), which ``make test`` installs first where it is missing. At
each width it checks that no resource failed, the console stayed clean, every image decoded,
body text does not overflow sideways, the key points are in the first screen and the
headline chart follows them. Screenshots (first screen and full page) go to
``.build/screenshots/`` for a person to look at.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import (
    BOX_SCRIPT,
    OVERFLOW_SCRIPT,
    REPORT_HTML,
    SCREENSHOTS,
    VIEWPORTS,
    open_page,
    require_built,
    require_chromium,
)

IMAGES_SCRIPT = """async () => {
  const results = [];
  for (const image of Array.from(document.images)) {
    let decoded = true;
    try { await image.decode(); } catch (error) { decoded = false; }
    results.push({alt: (image.alt || "").slice(0, 50), decoded: decoded,
                  width: image.naturalWidth, height: image.naturalHeight});
  }
  return results;
}"""


@pytest.fixture(scope="module", params=sorted(VIEWPORTS))
def loaded(request: pytest.FixtureRequest) -> Any:
    """The report loaded at one viewport, with what the browser reported while loading."""
    require_built(REPORT_HTML)
    name = request.param
    events: dict[str, list[str]] = {"failed": [], "console": []}
    with open_page(name, device_scale_factor=2 if name == "phone" else 1) as page:
        page.on(
            "requestfailed",
            lambda request: events["failed"].append(f"{request.url[:80]}: {request.failure}"),
        )
        page.on(
            "response",
            lambda response: (
                events["failed"].append(f"{response.url[:80]}: {response.status}")
                if response.status >= 400
                else None
            ),
        )
        page.on(
            "console",
            lambda message: (
                events["console"].append(f"{message.type}: {message.text}")
                if message.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda error: events["console"].append(f"pageerror: {error}"))
        page.goto(REPORT_HTML.as_uri(), wait_until="load")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-first-screen.png"))
        page.screenshot(path=str(SCREENSHOTS / f"{name}-full-page.png"), full_page=True)
        # print as a reader would: the page's own CSS picks A4 and hides the CSV links
        page.emulate_media(media="print")
        hidden = page.evaluate(
            "() => getComputedStyle(document.querySelector('.csv-download')).display"
        )
        printed = {"pdf": SCREENSHOTS / f"{name}-printed.pdf", "csv_link_display": hidden}
        page.pdf(path=str(printed["pdf"]), prefer_css_page_size=True)
        page.emulate_media(media="screen")
        yield {
            "printed": printed,
            "name": name,
            "events": events,
            "overflow": page.evaluate(OVERFLOW_SCRIPT),
            "images": page.evaluate(IMAGES_SCRIPT),
            "key_points": page.evaluate(BOX_SCRIPT, "#key-points"),
            "headline": page.evaluate(BOX_SCRIPT, "#fig-deficit-timeline img"),
            "title": page.title(),
        }


def test_no_resource_failed_and_console_is_clean(loaded: dict[str, Any]) -> None:
    assert loaded["title"].startswith("Why do England")
    assert loaded["events"]["failed"] == []
    assert loaded["events"]["console"] == []


def test_every_image_is_decoded(loaded: dict[str, Any]) -> None:
    images = loaded["images"]
    assert len(images) >= 10
    bad = [image for image in images if not image["decoded"] or image["width"] == 0]
    assert bad == []


def test_body_text_does_not_overflow_sideways(loaded: dict[str, Any]) -> None:
    overflow = loaded["overflow"]
    assert overflow["wide"] == []
    assert overflow["page"] <= overflow["width"], overflow


def test_key_points_are_in_the_first_screen_and_the_headline_chart_follows(
    loaded: dict[str, Any],
) -> None:
    """The answer first (issue 20): the key points fill the first screen, and the headline chart
    is the first exhibit after them (tests/test_briefing.py checks the rest of the layout)."""
    key_points, headline = loaded["key_points"], loaded["headline"]
    assert key_points is not None, "no #key-points block"
    assert headline is not None, "no headline chart image"
    viewport = key_points["viewport"]
    assert key_points["top"] >= 0 and key_points["bottom"] <= viewport, key_points
    assert key_points["bottom"] < headline["top"] < 2.5 * viewport, headline
    assert (SCREENSHOTS / f"{loaded['name']}-first-screen.png").stat().st_size > 10_000


def test_every_table_in_the_report_is_made_for_people() -> None:
    """No raw pandas table (internal column names, printed row numbers) reaches the report:
    every table is a helpers.report.tables.people_table, with a CSV download of its data."""
    require_chromium()
    require_built(REPORT_HTML)
    import re

    html = REPORT_HTML.read_text(encoding="utf-8")
    tables = re.findall(r"<table[^>]*>", html)
    assert tables, "the report has no table"
    raw = [tag for tag in tables if 'class="people"' not in tag]
    assert raw == [], f"{len(raw)} tables not made by helpers.report.tables.people_table"
    assert 'class="dataframe"' not in html
    assert html.count('class="csv-download"') >= len(tables)


def test_printing_uses_a4_and_hides_the_interactive_bits(loaded: dict[str, Any]) -> None:
    from pypdf import PdfReader

    printed = loaded["printed"]
    assert printed["csv_link_display"] == "none"
    reader = PdfReader(printed["pdf"])
    sizes = {
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in reader.pages
    }
    assert sizes == {(595, 842)}  # A4 in points
    assert 10 <= len(reader.pages) <= 80
