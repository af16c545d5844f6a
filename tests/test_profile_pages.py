"""The 42 system pages as built (``make report`` builds them before ``make test``), the runner."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.config import load_params
from helpers.errors import ConfigError
from helpers.paths import PROCESSED_DIR, ROOT
from helpers.report import profile_pages, profiles


@pytest.fixture(scope="module")
def inputs() -> profiles.ProfileInputs:
    return profiles.load_inputs()


@pytest.fixture(scope="module")
def pages(inputs: profiles.ProfileInputs) -> dict[str, str]:
    codes = sorted(inputs.lookup["icb_code"])
    missing = [code for code in codes if not (profile_pages.PAGES_DIR / f"{code}.html").is_file()]
    if missing:
        pytest.fail(
            f"{len(missing)} of {len(codes)} profile pages missing in {profile_pages.PAGES_DIR} "
            f"(e.g. {missing[:3]}): run `make report` first"
        )
    return {
        code: (profile_pages.PAGES_DIR / f"{code}.html").read_text(encoding="utf-8")
        for code in codes
    }


def _main(page: str) -> str:
    return page.split("<main>", 1)[1]


def test_every_page_opens_with_the_name_and_three_sentences(inputs, pages) -> None:
    assert len(pages) == 42
    for code, page in pages.items():
        name = profiles.system_identity(inputs.lookup, code)["name"]
        opening = _main(page).lstrip()
        assert opening.startswith(f'<header class="profile-head">\n<h1>{html.escape(name)}</h1>')
        sentences = re.search(r'<ul class="sentences">(.*?)</ul>', page, re.S).group(1)
        items = re.findall(r"<li>(.*?)</li>", sentences)
        assert len(items) == 3, code
        assert "deficit support" in items[0] or "No full-year position" in items[0]
        assert "fair-shares target" in items[1] and "need index" in items[1]
        assert items[2].startswith(("Not known for", "Every figure")), code
        for front_matter in ("Purpose", "parquet", "Inputs.", "papermill"):
            assert front_matter not in page, (code, front_matter)


def test_headline_figures_are_on_one_basis_and_match_the_table(inputs, pages) -> None:
    """Each year's headline row is the system's best figure before deficit support; the ranked
    rows of one year and stage count the systems whose best such figure shares them."""
    positions = inputs.positions
    best = positions[positions["best_before_support"]]
    assert (best["basis"] == "before_support").all()
    for row in best.itertuples(index=False):
        page = pages[row.icb_code]
        table = page.split('id="finance"', 1)[1].split("<h3>", 1)[0]
        same = best[(best["financial_year"] == row.financial_year) & (best["stage"] == row.stage)]
        rank = int((same["value_pct_allocation"] < row.value_pct_allocation).sum()) + 1
        shown = (
            f"<td>{row.financial_year}</td><td>{profiles.readable(row.stage)}</td>"
            f"<td>{profiles.fmt(row.value_gbp_m, '£m')}</td>"
            f"<td>{profiles.fmt(row.value_pct_allocation, '%')}</td><td>{rank} of {len(same)}</td>"
        )
        assert shown in table, (row.icb_code, row.financial_year)
    # Greater Manchester: the plan before support, never the £0 forecast after support
    qop = pages["QOP"].split('id="finance"', 1)[1].split("<h3>", 1)[0]
    assert "<td>2024/25</td><td>final plan</td><td>\u2212£175.0m</td>" in qop
    assert "forecast" not in qop


def test_place_in_the_driver_models_is_filled_from_the_diagnostics(pages) -> None:
    diagnostics = pd.read_csv(PROCESSED_DIR / "model_diagnostics.csv")
    codes = set(diagnostics["label"].str.split().str[0])
    assert len(codes) >= 15
    for code, page in pages.items():
        section = page.split('id="model"', 1)[1].split("</section>", 1)[0]
        if code in codes:
            assert "enters the primary driver model" in section, code
            for label in diagnostics.loc[diagnostics["label"].str.startswith(code), "label"]:
                assert f"<td>{label.split()[1]}</td>" in section, label
        else:
            assert "is not in the primary driver model" in section, code
    top = diagnostics.sort_values("cooks_distance", ascending=False).iloc[0]["label"].split()
    assert f"its most influential, {top[1]}, ranks 1st of {len(diagnostics)}" in pages[top[0]]


def test_every_trust_is_on_its_systems_page_with_margin_plan_and_loans(inputs, pages) -> None:
    loans = inputs.loans.set_index("trust_code")
    for row in inputs.trusts.itertuples(index=False):
        section = pages[row.icb_code].split('id="trusts"', 1)[1].split("</section>", 1)[0]
        cells = (
            f"<td>{html.escape(profiles.trust_title(row.trust_name))}</td><td>{row.trust_type}</td>"
            f"<td>{profiles.fmt(row.operating_income_gbp_m, '£m')}</td>"
            f"<td>{profiles.fmt(row.operating_margin_pct, '%')}</td>"
            f"<td>{profiles.fmt(row.planned_position_pct, '%')}</td>"
            f"<td>{profiles.fmt(loans.loc[row.trust_code, profiles.LEGACY_BALANCE], '£m')}</td>"
        )
        assert cells in section, row.trust_code


def test_measures_carry_their_units(inputs, pages) -> None:
    qoc = pages["QOC"].split('id="measures"', 1)[1]
    assert "<td>RTT waiting list</td><td>per 1,000 people</td>" in qoc
    assert "<td>Core allocation per head</td><td>£ per person</td>" in qoc
    rows = re.findall(r"<tr>(<td>.*?)</tr>", qoc.split("</section>", 1)[0])
    assert len(rows) >= 15
    assert all(re.match(r"<td>\w+</td><td>[^<]+</td><td>[^<]+</td>", row) for row in rows)


def test_each_page_offers_its_csv_and_a_citation(inputs, pages) -> None:
    for code, page in pages.items():
        assert f'href="{code}.csv" download' in page
        assert "Suggested citation: ics-deficits contributors" in page
        frame = pd.read_csv(profile_pages.PAGES_DIR / f"{code}.csv")
        assert set(frame["icb_code"]) == {code}
        assert frame["unit"].notna().all() and len(frame) > 15


def test_index_is_sorted_by_position_within_one_year_and_stage(inputs) -> None:
    page = (profile_pages.PAGES_DIR / "index.html").read_text(encoding="utf-8")
    for code in inputs.lookup["icb_code"]:
        assert f'<a href="{code}.html">' in page
    heads = re.findall(r"<th scope=\"col\" data-sort>(.*?)</th>", page)
    cells = [head for head in heads if head[:4].isdigit()]
    assert len(cells) == 3 and all("% of core allocation" in head for head in cells)
    assert cells == sorted(cells, reverse=True) and heads[1] == cells[0]  # latest first
    latest = []
    for row in re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>", 1)[1]):
        values = re.findall(r'data-value="([^"]*)"', row)
        latest.append(float(values[1]) if values[1] else None)
    known = [value for value in latest if value is not None]
    assert known == sorted(known) and latest[: len(known)] == known  # missing ones last
    assert len(known) >= 10


def test_the_notebook_shows_the_same_sections_as_the_page(pages) -> None:
    executed = ROOT / "report" / "notebooks" / "08_profile_system.ipynb"
    if not executed.is_file():
        pytest.fail(f"{executed} missing: run `make report` first")
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    code = load_params()["notebooks"]["08_profile_system"]["icb_code"]
    shown = [
        "".join(output["data"]["text/html"])
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
    ]
    assert len(shown) == 2
    for section in shown:
        assert section in pages[code]


def test_rerun_writes_the_same_bytes(tmp_path) -> None:
    built = profile_pages.build_profiles(None, tmp_path)
    assert len(built) == 42
    for path in sorted(tmp_path.iterdir()):
        assert path.read_bytes() == (profile_pages.PAGES_DIR / path.name).read_bytes(), path.name
    assert len(list(tmp_path.iterdir())) == 2 * 42 + 1


def test_unknown_requested_code_is_an_error_naming_valid_codes(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"'XQOC'.*Close matches: .*QOC.*Valid codes: "):
        profile_pages.build_profiles(["XQOC"], tmp_path)
    assert profile_pages.main(["--icb", "XQOC", "--pages-dir", str(tmp_path)]) == 1


def test_an_unknown_icb_code_names_the_rule_and_the_close_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make profile ICB=QZZ` runs the rule `profile` (one page); its error says so."""
    assert profile_pages.main(["--icb", "QZZ", "--pages-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rule profile: icb_code 'QZZ' is not one of the 42 ICB codes")
    assert "Close matches:" in err and list(tmp_path.iterdir()) == []
