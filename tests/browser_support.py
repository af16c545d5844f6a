"""Headless Chromium for the browser tests (test_browser, test_briefing, test_exhibits_for_people,
test_profile_browser): one way to find the browser, to fail when it or a built page is missing,
and to open a page at a named viewport.

The Chromium is the one ``helpers.prerequisites.find_chromium`` finds (``$ICSFIN_CHROMIUM``,
Debian's ``/usr/bin/chromium``, one on the PATH, else Playwright's own download), which
``make test`` installs first where it is missing. A browser or a page that is missing makes the
test fail, never skip. Screenshots go to ``.build/screenshots/``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from helpers.paths import ROOT
from helpers.prerequisites import HOW_TO, PrerequisiteError, find_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Page

REPORT_HTML = ROOT / "report" / "_output" / "index.html"
SCREENSHOTS = ROOT / ".build" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Viewports (CSS px) by name: a laptop's and a phone's.
VIEWPORTS = {"laptop": (1366, 768), "phone": (390, 844)}
#: How long starting the browser or any page operation may take (the machine may be busy).
LOAD_TIMEOUT_MS = 180_000

# Elements of body text that must fit the viewport's width (tables scroll inside their box).
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const selectors = "main p, main li, main h1, main h2, main h3, main dd, main dt, header p, " +
    "header h1, .caption, .embed-source, .embed img, .table-scroll";
  const wide = [];
  for (const element of document.querySelectorAll(selectors)) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || box.left < -1)) {
      wide.push(element.tagName + "." + element.className + ": " +
        element.textContent.trim().slice(0, 60) + " (right " + Math.round(box.right) + ")");
    }
  }
  return {page: document.documentElement.scrollWidth, width: width, wide: wide};
}"""

#: The box of the first element matching a selector (viewport px), its text and the viewport's
#: height; null when nothing matches.
BOX_SCRIPT = """(selector) => {
  const element = document.querySelector(selector);
  if (!element) { return null; }
  const box = element.getBoundingClientRect();
  return {top: box.top, bottom: box.bottom, height: box.height,
          text: element.textContent.trim(), viewport: window.innerHeight};
}"""


@cache
def _chromium() -> str | None:
    """The Chromium to drive (found once per test process)."""
    return find_chromium()


def require_chromium() -> str:
    """The Chromium to drive; fail (not skip) with a clear message when it is missing."""
    try:
        chromium = _chromium()
    except PrerequisiteError as error:
        pytest.fail(str(error))
    if chromium is None:
        pytest.fail(f"Chromium not found: `make test` installs it, or:\n{HOW_TO}")
    return chromium


def require_built(path: Path) -> Path:
    """``path``, a file ``make report`` builds; fail (not skip) when it does not exist."""
    if not path.is_file():
        pytest.fail(f"{path} does not exist: run `make report` first")
    return path


@contextmanager
def open_page(viewport: str, *, device_scale_factor: float = 1) -> Iterator[Page]:
    """A blank page of a fresh headless Chromium (its own throwaway profile) at the viewport
    named ``viewport`` (a key of :data:`VIEWPORTS`); ``SCREENSHOTS`` exists. Closed on exit."""
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    width, height = VIEWPORTS[viewport]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(
            prefix=f"chromium-{viewport}-", ignore_cleanup_errors=True
        ) as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height},
            device_scale_factor=device_scale_factor,
            timeout=LOAD_TIMEOUT_MS,
        )
        try:
            page = context.new_page()
            page.set_default_timeout(LOAD_TIMEOUT_MS)
            yield page
        finally:
            context.close()
