"""The briefing (issue 20, items 1, 2 and 7): key points written from the results, and a short
body before the annex.

Unit tests feed :mod:`helpers.report.key_points` small fixture results and assert that the words
follow them (a driver that becomes distinguishable from zero is named, with its direction; a
gap that loses its significance says so). Browser tests load the built report
(``report/_output/index.html``) in headless Chromium at a laptop's and a phone's width, as
``tests/test_browser.py`` does: the key points are on the first screen, the contents are at the
top, the body before the annex holds at most 8 tables and 10 figures and is at most a third of
the old page's height. Screenshots and the measurements go to ``.build/screenshots/``.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from browser_support import REPORT_HTML, SCREENSHOTS, VIEWPORTS, open_page, require_built

from helpers.errors import DataError
from helpers.paths import PROCESSED_DIR
from helpers.report import article_numbers, key_points
from helpers.report.key_points import Results

# --- fixtures: small results in the shape of the processed tables ---------------------------

NUMBERS: dict[str, str | int | float] = {
    "national_final_2022_23_gbp_m": 100,
    "national_final_2022_23_text": "£100 million",
    "national_final_2025_26_gbp_m": 2200,
    "national_final_2025_26_text": "£2.2 billion",
    "national_draft_2025_26_text": "£6.6 billion",
    "positions_n_systems_any_year": 32,
    "positions_n_systems_none": 10,
    "model_n_system_years": 29,
    "model_n_systems": 21,
}


def timeline(note: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "financial_year": ["2025/26"],
            "stage": ["final plans"],
            "selection_note": [note],
        }
    )


def system_drivers(p_imd: float = 0.81, estimate_imd: float = 0.34) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "family": ["declared", "declared", "exploratory"],
            "driver": ["distance_from_target_pct", "imd_score", "imd_score"],
            "estimate": [-0.13, estimate_imd, 0.2],
            "conf_low": [-0.77, -0.17, -0.1],
            "conf_high": [0.52, 0.84, 0.5],
            "p_adjusted": [1.0, p_imd, 0.9],
            "adjustment": ["holm", "holm", "bh"],
            "n_obs": [29, 29, 29],
            "n_clusters": [21, 21, 21],
        }
    )


def system_statements() -> pd.DataFrame:
    """The power-dependent columns of the rows of :func:`system_drivers`."""
    return pd.DataFrame(
        {
            "family": ["declared", "declared", "exploratory"],
            "driver": ["distance_from_target_pct", "imd_score", "imd_score"],
            "mde": [0.92, 0.73, 0.8],
        }
    )


def trust_tests(p_primary: float = 1.0, p_margin: float = 0.033) -> pd.DataFrame:
    rows = [
        ("main", "primary", "planned_position_pct", "implied_productivity_pct", 0.38, p_primary),
        ("main", "primary", "variance_to_plan_pct", "implied_productivity_pct", 0.34, 0.51),
        ("main", "primary", "planned_position_pct", "imd_score", -0.2, 1.0),
        ("main", "exploratory", "operating_margin_pct", "backlog_per_income_pct", -1.47, p_margin),
        ("main", "exploratory", "operating_margin_pct", "log_income", 2.0, 0.001),
        ("two-part", "exploratory", "Plans a deficit", "imd_score", 0.5, 0.001),
    ]
    frame = pd.DataFrame(
        rows, columns=["analysis", "family", "outcome", "term", "estimate", "p_adjusted"]
    )
    return frame.assign(
        conf_low=frame["estimate"] - 0.5,
        conf_high=frame["estimate"] + 0.5,
        adjustment="holm (primary family)",
        n_obs=118,
    )


def legacy_tests(
    estimate: float = -2.33, p_all: float = 0.0013, p_raac: float = 0.001
) -> pd.DataFrame:
    rows = [
        ("trust", "all", "planned_position_pct", "any_legacy_loan", estimate, p_all, 131),
        ("trust", "without_raac", "planned_position_pct", "any_legacy_loan", estimate, p_raac, 124),
        ("system", "all", "planned_position_2025_26", "legacy_loan_pct_allocation", -0.4, 0.7, 41),
    ]
    frame = pd.DataFrame(
        rows, columns=["level", "sample", "outcome", "term", "estimate", "p_adjusted", "n_obs"]
    )
    return frame.assign(
        unit=["pp (any loan vs none)", "pp (any loan vs none)", "pp per SD"],
        conf_low=frame["estimate"] - 1.0,
        conf_high=frame["estimate"] + 1.0,
        n_with_loan=[89, 85, 0],
    )


def claims(verdicts: list[str] | None = None) -> pd.DataFrame:
    verdicts = verdicts or ["supported", "partly supported", "partly contradicted", "not testable"]
    texts = [
        "Local NHS systems overspent by some £1.4bn in 2023/24, more than double the year before.",
        "Five systems could not submit balanced plans; the number later rose.",
        "Fifteen ICBs submitted 2023/24 plans adding up to a £750m deficit; revised plans more.",
        "Sixteen of the 42 integrated care boards failed to break even in 2022/23.",
    ]
    return pd.DataFrame({"claim_id": ["C1", "C2", "C3", "C4"], "claim": texts, "verdict": verdicts})


def results(**changes: Any) -> Results:
    base: dict[str, Any] = {
        "numbers": NUMBERS,
        "system_drivers": system_drivers(),
        "system_statements": system_statements(),
        "trust_tests": trust_tests(),
        "legacy_tests": legacy_tests(),
        "claims": claims(),
        "timeline": timeline("revised plans before deficit support funding"),
    }
    return Results(**{**base, **changes})


# --- key points: written from the results --------------------------------------------------


def test_there_are_six_numbered_points_in_a_fixed_order() -> None:
    points = key_points.key_points(results())
    assert list(points) == ["scale", "drivers", "untestable", "legacy", "trusts", "claims"]
    for name, sentence in points.items():
        assert any(character.isdigit() for character in sentence), (name, sentence)
        assert sentence.endswith("."), (name, sentence)


def test_scale_compares_final_plans_and_takes_the_support_basis_from_the_data() -> None:
    before = key_points.key_point_scale(results())
    assert before == (
        "Systems' final plans for 2025/26 added up to a deficit of £2.2 billion before deficit "
        "support, up from £100 million at the same stage of 2022/23 (initial 2025/26 plans: "
        "£6.6 billion)."
    )
    after = key_points.key_point_scale(results(timeline=timeline("plans after deficit support")))
    assert "£2.2 billion after deficit support" in after
    unknown = key_points.key_point_scale(results(timeline=timeline("revised plans")))
    assert "deficit support" not in unknown.split(",")[0]
    fell = {**NUMBERS, "national_final_2025_26_gbp_m": 50, "national_final_2025_26_text": "£50m"}
    assert "down from £100 million" in key_points.key_point_scale(results(numbers=fell))


def test_system_drivers_point_follows_the_corrected_p_values() -> None:
    none = key_points.key_point_system_drivers(results())
    assert none.startswith("None of the two system-level explanations tested")
    assert "funding against the fair-shares target" in none and "deprivation" in none
    assert "29 system-years from 21 systems" in none
    assert "stands out from chance in 29 system-years" in none
    assert "smaller than about 0.7 to 0.9 percentage points" in none  # detectable effects
    assert key_points.key_point_system_drivers(results(system_statements=None)) is None
    found = key_points.key_point_system_drivers(results(system_drivers=system_drivers(0.01)))
    assert "higher deprivation went with smaller deficits (about 0.3 percentage points" in found
    assert "while the other explanation tested cannot be told apart from chance" in found
    worse = system_drivers(0.01, estimate_imd=-0.6)
    assert "went with larger deficits" in key_points.key_point_system_drivers(
        results(system_drivers=worse)
    )


def test_untestable_point_names_the_national_shocks_and_counts_the_systems() -> None:
    sentence = key_points.key_point_untestable(results())
    assert sentence.startswith("Inflation, strikes and agency pay hit all 42 systems")
    assert "cannot test them" in sentence
    fewer = {**NUMBERS, "positions_n_systems_none": 9}
    assert "all 41 systems" in key_points.key_point_untestable(results(numbers=fewer))


def test_legacy_point_follows_sign_and_significance() -> None:
    found = key_points.key_point_legacy(results())
    assert found.startswith(
        "Trusts that needed a DHSC interim revenue support loan in 2017-19 planned 2025/26 "
        "margins about 2.3 percentage points lower than other trusts (89 of 131 had one)"
    )
    assert "holds after correction" in found and "and without the RAAC hospitals" in found
    fragile = key_points.key_point_legacy(results(legacy_tests=legacy_tests(p_raac=0.2)))
    assert "but not without the RAAC hospitals" in fragile
    gone = key_points.key_point_legacy(results(legacy_tests=legacy_tests(p_all=0.3)))
    assert "cannot be told apart from chance" in gone and "holds" not in gone
    higher = key_points.key_point_legacy(results(legacy_tests=legacy_tests(estimate=1.5)))
    assert "about 1.5 percentage points higher" in higher


def test_trust_point_follows_the_primary_family_and_the_accounting_outcome() -> None:
    none = key_points.key_point_trusts(results())
    assert none.startswith("Across 118 acute trusts, none of two trust-level explanations")
    assert "(3 tests)" in none
    assert none.endswith(
        "in the 2024/25 accounts, a higher estates maintenance backlog went with operating "
        "margins about 1.5 percentage points lower per typical difference."
    )
    found = key_points.key_point_trusts(results(trust_tests=trust_tests(p_primary=0.01)))
    assert "1 of 3 tests of two trust-level explanations survive correction" in found
    assert "higher productivity growth went with better finances" in found
    quiet = key_points.key_point_trusts(results(trust_tests=trust_tests(p_margin=0.2)))
    assert "accounts" not in quiet  # no accounting result survives: none is reported


def test_claims_point_names_the_claims_not_only_counts() -> None:
    sentence = key_points.key_point_claims(results())
    assert sentence.startswith("Of 4 published claims checked, 1 was supported")
    assert "“Local NHS systems overspent by some £1.4bn in 2023/24”" in sentence
    assert "1 was partly contradicted (“Fifteen ICBs submitted 2023/24 plans" in sentence
    assert "1 could not be tested" in sentence
    clean = key_points.key_point_claims(
        results(claims=claims(["supported", "supported", "partly supported", "not testable"]))
    )
    assert "2 were supported" in clean and "none contradicted" in clean
    with pytest.raises(DataError, match="verdict"):
        key_points.key_point_claims(
            results(claims=claims(["supported", "maybe", "supported", "supported"]))
        )


def test_a_point_without_its_results_says_so() -> None:
    points = key_points.key_points(Results())
    assert all("has no results" in sentence for sentence in points.values())


def test_forest_sentences_count_and_name_the_surviving_tests() -> None:
    tests = key_points.reported_tests(results())
    # system declared (2) + trust main drivers on the four outcomes (4, controls left out)
    # + legacy tests on every trust and the system roll-up (2)
    assert len(tests) == 8
    assert set(tests["level"]) == {"System", "Trust"}
    assert "log_income" not in set(tests["driver"])
    first, second = key_points.forest_sentences(tests)
    assert first.startswith("Of the 8 tests of drivers in this report, two can be told apart")
    assert (
        "trusts' 2024/25 operating margin with estates maintenance backlog "
        "(−1.47 percentage points for a typical difference)"
    ) in first
    assert "with a DHSC interim revenue support loan in 2017-19 (−2.33 percentage points)" in first
    assert second.startswith("The other 6 cannot: 6 have a 95% interval that includes zero")
    assert key_points.forest_title(tests).startswith("Two of 8 tests of drivers")
    fewer = key_points.reported_tests(
        results(trust_tests=trust_tests(p_margin=0.2), legacy_tests=legacy_tests(p_all=0.3))
    )
    first, second = key_points.forest_sentences(fewer)
    assert first == (
        "Of the 8 tests of drivers in this report, none can be told apart from zero after "
        "correction for multiple testing."
    )
    assert second.startswith("The other 8 cannot")
    assert key_points.forest_title(fewer).startswith("None of 8 tests")


def test_plain_words_come_from_the_registries_by_level() -> None:
    assert key_points.plain_words("nctr_per_100k") == "delayed discharges"
    assert key_points.plain_words("any_legacy_loan", "short") == "Legacy loan 2017-19 (yes/no)"
    assert key_points.plain_words("share_65plus") == "the share of people aged 65 and over"
    tests = key_points.reported_tests(results())
    system = tests[tests["outcome"] == key_points.SYSTEM_OUTCOME]
    assert set(system["outcome_label"]) == {"Systems: position, % of allocation"}
    assert list(system["driver_label"]) == ["Funding vs fair share", "Deprivation"]
    assert key_points.national_explanations() == ["inflation", "strikes", "agency pay"]


def test_a_driver_without_plain_words_stops_the_key_points_naming_file_and_line() -> None:
    """population is a context variable, with no briefing words (every predictor has them): a
    model that declared it could not be written up until its row had them."""
    from helpers.paths import VARIABLES_FILE

    line = next(
        number
        for number, text in enumerate(VARIABLES_FILE.read_text(encoding="utf-8").splitlines(), 1)
        if text.startswith("population,")
    )
    frame = system_drivers().assign(driver=["population", "imd_score", "imd_score"])
    with pytest.raises(DataError, match=rf"variables\.csv: line {line} \(population\)"):
        key_points.key_point_system_drivers(results(system_drivers=frame))


def test_a_swapped_driver_is_named_in_the_key_points() -> None:
    """A student swapping a declared driver for another registry predictor gets it named."""
    frame = system_drivers().assign(driver=["rural_share", "imd_score", "imd_score"])
    point = key_points.key_point_system_drivers(results(system_drivers=frame))
    assert "the rural share of the population" in point


def test_every_name_the_built_key_points_use_has_words() -> None:
    """The committed results' drivers and outcomes all have both words (no fallback)."""
    numbers: dict[str, Any] = {}
    for path in sorted(PROCESSED_DIR.glob("numbers_*.json")):
        numbers.update(json.loads(path.read_text(encoding="utf-8")))
    tests = key_points.reported_tests(key_points.load_results(numbers))
    assert len(tests) == 44
    assert tests[["outcome_label", "driver_label"]].notna().all().all()
    assert set(tests["outcome"]) == {
        "value_pct_allocation",
        "planned_position_2025_26",
        "operating_margin_2024_25",
        "planned_position_pct",
        "variance_to_plan_pct",
        "q3_variance_pct",
        "operating_margin_pct",
    }


def test_the_unit_of_the_model_is_said_in_words() -> None:
    assert key_points.unit_words("pp of core allocation per SD") == (
        "percentage points of allocation"
    )
    assert key_points.unit_words("probability of a deficit (0-1) per SD") == (
        "probability of a deficit (0-1)"
    )
    binary = system_drivers().assign(unit="probability of a deficit (0-1) per SD")
    sentence = key_points.key_point_system_drivers(results(system_drivers=binary))
    assert "about 0.7 to 0.9 probability of a deficit (0-1)" in sentence


JARGON = (
    "declared driver",
    "corrected p",
    "adjusted p",
    "(score",
    "IoD2025",
    "[outcome",
    "per 100,000 people)",
    "_pct",
    "pp per SD",
)


def test_the_built_key_points_are_plain_english() -> None:
    """On the committed results: six points, each with a number, none with test jargon,
    registry labels or internal names."""
    numbers = article_numbers.collect_numbers(PROCESSED_DIR)
    built = key_points.load_results(numbers, PROCESSED_DIR)
    points = key_points.key_points(built)
    for name, sentence in points.items():
        assert "has no results" not in sentence, name
        assert any(character.isdigit() for character in sentence), (name, sentence)
        found = [word for word in JARGON if word in sentence]
        assert not found, (name, found, sentence)
        assert len(sentence.split()) <= 50, (name, len(sentence.split()))


# --- the annex: Quarto's collapsed callouts open on request in the fallback -----------------


def test_collapsed_callouts_become_details_elements() -> None:
    from helpers.report import render

    markdown = (
        '::: {.callout-note collapse="true" title="Every table"}\nHidden *audit*.\n:::\n\n'
        "::: {.callout-note}\nShown.\n:::\n\n::: {.other}\nPlain.\n:::\n"
    )
    ast = json.loads(render.run_pandoc(["-f", "markdown", "-t", "json"], markdown))
    folded = render.collapsible_callouts(ast)
    html = render.run_pandoc(["-f", "json", "-t", "html5"], json.dumps(folded))
    assert '<details class="callout callout-note"><summary>Every table</summary>' in html
    assert html.index("<summary>") < html.index("Hidden <em>audit</em>") < html.index("</details>")
    assert html.count("<details") == 1  # an open callout and other divs stay as they are
    assert '<div class="callout-note">' in html and '<div class="other">' in html


# --- the built report in a browser ----------------------------------------------------------

#: The report before issue 20 was 68,700 px tall at 1366 px; the body is to be about a third.
OLD_HEIGHT_1366 = 68_700
BODY_TARGET = OLD_HEIGHT_1366 / 3
MAX_BODY_TABLES, MAX_BODY_FIGURES = 8, 10

MEASURE_SCRIPT = """() => {
  const annex = document.querySelector("section.appendix, .appendix");
  const annexTop = annex ? annex.getBoundingClientRect().top + window.scrollY : null;
  const before = (element) => annex &&
    (annex.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_PRECEDING);
  const count = (selector) => Array.from(document.querySelectorAll(selector)).filter(before).length;
  const box = (selector) => {
    const element = document.querySelector(selector);
    if (!element) { return null; }
    const rect = element.getBoundingClientRect();
    return {top: rect.top, bottom: rect.bottom, left: rect.left, right: rect.right,
            position: getComputedStyle(element).position};
  };
  const items = Array.from(document.querySelectorAll("#key-points li")).map((item) => {
    const rect = item.getBoundingClientRect();
    return {top: rect.top, bottom: rect.bottom};
  });
  const main = document.querySelector("main");
  const toc = document.querySelector("nav#TOC");
  return {
    viewport: {width: window.innerWidth, height: window.innerHeight},
    page_height: document.documentElement.scrollHeight,
    annex_top: annexTop,
    body_tables: count(".embed-tbl"),
    body_figures: count(".embed-fig"),
    all_tables: document.querySelectorAll(".embed-tbl").length,
    all_figures: document.querySelectorAll(".embed-fig").length,
    key_points: box("#key-points"),
    key_point_items: items,
    toc: box("nav#TOC"),
    toc_before_main: !!(toc && main &&
      (toc.compareDocumentPosition(main) & Node.DOCUMENT_POSITION_FOLLOWING)),
    repeated: (document.body.innerText.split(
      "cannot be distinguished from zero after correction for multiple testing").length - 1),
    body_repeated: annex ? (() => {
      const range = document.createRange();
      range.setStartBefore(document.querySelector("main").firstChild);
      range.setEndBefore(annex);
      return range.toString().split(
        "cannot be distinguished from zero after correction for multiple testing").length - 1;
    })() : null,
  };
}"""


@pytest.fixture(scope="module", params=sorted(VIEWPORTS))
def briefing(request: pytest.FixtureRequest) -> Any:
    """The built report at one viewport: measurements, and screenshots for a person."""
    require_built(REPORT_HTML)
    name = request.param
    width = VIEWPORTS[name][0]
    with open_page(name, device_scale_factor=2 if name == "phone" else 1) as page:
        page.goto(REPORT_HTML.as_uri(), wait_until="load")
        page.screenshot(path=str(SCREENSHOTS / f"briefing-{name}-first-screen.png"))
        measured = page.evaluate(MEASURE_SCRIPT)
        page.screenshot(
            path=str(SCREENSHOTS / f"briefing-{name}-body.png"),
            clip={"x": 0, "y": 0, "width": width, "height": min(measured["annex_top"], 30000)},
            full_page=True,
        )
        # the annex opened, for the record: the height of the whole audit
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        measured["page_height_annex_open"] = page.evaluate(
            "() => document.documentElement.scrollHeight"
        )
        (SCREENSHOTS / f"briefing-{name}.json").write_text(
            json.dumps(measured, indent=2), encoding="utf-8"
        )
        yield measured


def test_key_points_are_on_the_first_screen(briefing: dict[str, Any]) -> None:
    box, viewport = briefing["key_points"], briefing["viewport"]["height"]
    assert box is not None, "no #key-points block"
    items = briefing["key_point_items"]
    assert 4 <= len(items) <= 6, items
    assert box["top"] >= 0, box
    assert box["bottom"] <= viewport, (box, viewport)  # every point, without scrolling


def test_contents_are_at_the_top(briefing: dict[str, Any]) -> None:
    toc, points = briefing["toc"], briefing["key_points"]
    assert toc is not None, "no contents (nav#TOC)"
    assert briefing["toc_before_main"], "the contents come after the text"
    if briefing["viewport"]["width"] >= 1200:  # wide: a sticky column beside the text
        assert toc["position"] == "sticky", toc
        assert toc["right"] <= points["left"], (toc, points)
        assert toc["top"] < briefing["viewport"]["height"] / 4, toc
    else:  # narrow: one line between the title and the key points
        assert toc["bottom"] <= points["top"] + 1, (toc, points)


def test_body_exhibits_are_within_the_targets(briefing: dict[str, Any]) -> None:
    assert briefing["annex_top"] is not None, "no annex (.appendix)"
    assert 0 < briefing["body_tables"] <= MAX_BODY_TABLES, briefing
    assert 0 < briefing["body_figures"] <= MAX_BODY_FIGURES, briefing
    # everything else is still in the report, in the annex
    assert briefing["all_tables"] > briefing["body_tables"]
    assert briefing["all_figures"] > briefing["body_figures"]


def test_body_is_about_a_third_of_the_old_report(briefing: dict[str, Any]) -> None:
    if briefing["viewport"]["width"] == 1366:
        assert briefing["annex_top"] <= BODY_TARGET, briefing["annex_top"]
        assert briefing["page_height"] <= BODY_TARGET * 1.25, briefing["page_height"]


def test_the_repeated_result_sentence_is_gone_from_the_body(briefing: dict[str, Any]) -> None:
    assert briefing["body_repeated"] == 0


def test_write_variables_takes_the_key_points_as_a_section(
    mini_project: article_numbers.ReportLayout,
) -> None:
    """The render stage passes ``key_points.variables`` into ``write_variables``: the points
    land under ``key_points`` and ``briefing``; any other section name is an error."""
    import yaml

    layout = mini_project
    article_numbers.save_numbers(NUMBERS, "describe", layout.processed_dir)
    legacy_tests().to_csv(layout.processed_dir / "legacy_loans_tests.csv", index=False)
    path = article_numbers.write_variables("test", layout, key_points.variables)
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert written["key_points"]["legacy"].startswith("Trusts that needed a DHSC interim")
    assert written["key_points"]["drivers"].startswith("(This build has no results")
    assert set(written["briefing"]) == {"forest_found", "forest_rest", "system_drivers"}
    assert written["briefing"]["system_drivers"] == "(this build has no system model)"
    assert key_points.system_driver_names(results()) == (
        "funding against the fair-shares target and deprivation"
    )
    with pytest.raises(DataError, match="not one of"):
        article_numbers.write_variables("test", layout, lambda numbers, folder: {"x": {}})


def test_the_article_puts_the_audit_in_quarto_appendix_sections() -> None:
    """In the source (so Quarto's build is held to it too): the key points come first, at most
    8 tables and 10 figures are embedded before the first ``.appendix`` section, every section
    after it is an appendix section, and each annex part is a collapsed callout."""
    import re

    from helpers.paths import REPORT_DIR

    text = (REPORT_DIR / "index.qmd").read_text(encoding="utf-8")
    headings = list(re.finditer(r"^## .*$", text, flags=re.M))
    first_annex = next(h for h in headings if ".appendix" in h.group(0))
    body, annex = text[: first_annex.start()], text[first_annex.start() :]
    assert body.index("#key-points") < body.index("{{< embed")
    assert len(re.findall(r"\{\{< embed [^>]*#tbl-", body)) <= MAX_BODY_TABLES
    assert len(re.findall(r"\{\{< embed [^>]*#fig-", body)) <= MAX_BODY_FIGURES
    assert all(".appendix" in h.group(0) for h in headings if h.start() >= first_annex.start())
    parts = re.findall(r"^## [A-G]\. .*$", annex, flags=re.M)
    assert len(parts) == annex.count('::: {.callout-note collapse="true"') == 7
    for name in key_points.KEY_POINTS:
        assert f"{{{{< var key_points.{name} >}}}}" in body
