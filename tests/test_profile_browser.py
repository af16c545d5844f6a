"""System profile pages in headless Chromium at a laptop's and a phone's width (issue 20.7).

Loads a built profile page (``report/systems/``, written by ``make report``) and the index, as
``tests/test_browser.py`` loads the report, and checks what a board member sees first: the
system's name and the three sentences in the first screen, no notebook front matter, nothing
wider than the screen, a clean console; and that the index sorts when a heading is clicked.
Screenshots go to ``.build/screenshots/profile-*.png``.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import (
    BOX_SCRIPT,
    OVERFLOW_SCRIPT,
    SCREENSHOTS,
    VIEWPORTS,
    open_page,
    require_built,
)

from helpers.config import load_params
from helpers.report import profile_pages, profiles

SORTED_SCRIPT = """(column) => Array.from(document.querySelectorAll("#systems tbody tr"))
  .map((row) => row.cells[column].dataset.value)"""


def _code() -> str:
    return str(load_params()["notebooks"]["08_profile_system"]["icb_code"])


@pytest.fixture(scope="module", params=sorted(VIEWPORTS))
def seen(request: pytest.FixtureRequest) -> Any:
    """The QOC profile and the index at one viewport: boxes, overflow, console, sorting."""
    page_path = require_built(profile_pages.PAGES_DIR / f"{_code()}.html")
    name = request.param
    console: list[str] = []
    with open_page(name) as page:
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: console.append(str(error)))
        page.goto(page_path.as_uri(), wait_until="load")
        page.screenshot(path=str(SCREENSHOTS / f"profile-{name}-first-screen.png"))
        result = {
            "name": name,
            "h1": page.evaluate(BOX_SCRIPT, "main h1"),
            "first": page.evaluate(BOX_SCRIPT, "main > :first-child"),
            "sentences": page.evaluate(BOX_SCRIPT, ".sentences"),
            "overflow": page.evaluate(OVERFLOW_SCRIPT),
            "text": page.inner_text("main"),
        }
        page.goto((profile_pages.PAGES_DIR / "index.html").as_uri(), wait_until="load")
        page.screenshot(path=str(SCREENSHOTS / f"profile-index-{name}-first-screen.png"))
        result["index_overflow"] = page.evaluate(OVERFLOW_SCRIPT)
        result["sorted_default"] = page.evaluate(SORTED_SCRIPT, 0)
        page.click("#systems thead th >> nth=0")
        result["sorted_by_name"] = page.evaluate(SORTED_SCRIPT, 0)
        result["console"] = console
        yield result


def test_first_screen_shows_the_systems_name_and_three_sentences(seen) -> None:
    name = profiles.short_name(
        profiles.load_inputs().lookup.set_index("icb_code").loc[_code(), "icb_name"]
    )
    h1 = seen["h1"]
    assert h1 is not None and h1["text"] == name
    assert h1["top"] >= 0 and h1["bottom"] <= h1["viewport"]
    assert seen["first"]["top"] == h1["top"] or seen["first"]["top"] < h1["top"] < 60
    assert seen["sentences"]["top"] < h1["viewport"]  # the sentences begin on the first screen
    if seen["name"] == "laptop":
        assert seen["sentences"]["bottom"] <= h1["viewport"]  # all three, on a laptop
    assert not any(word in seen["text"][:400] for word in ("Purpose", "parquet", "Inputs"))
    assert (SCREENSHOTS / f"profile-{seen['name']}-first-screen.png").stat().st_size > 10_000


def test_nothing_overflows_and_the_console_is_clean(seen) -> None:
    for overflow in (seen["overflow"], seen["index_overflow"]):
        assert overflow["wide"] == [] and overflow["page"] <= overflow["width"], overflow
    assert seen["console"] == []


def test_index_sorts_by_a_clicked_heading(seen) -> None:
    names = seen["sorted_by_name"]
    assert len(names) == 42 and names == sorted(names, key=str.casefold)
    assert seen["sorted_default"] != names  # the default order is by position, not by name
