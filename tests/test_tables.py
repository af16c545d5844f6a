"""Tables for people: labels, no index, separators, true minus, links, verdicts, CSV."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest

from helpers.report import tables
from helpers.report.tables import MINUS, TableError


@pytest.fixture()
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "icb_code": ["QHM", "QYG", "QOC"],
            "deficit_gbp_m": [-1234.567, 56.0, float("nan")],
            "share_pct": [-2.345, 0.5, 10.0],
            "verdict": ["supported", "contradicted", "not testable"],
            "source_url": ["https://www.hsj.co.uk/a", None, "https://example.org/b"],
            "publisher": ["HSJ", "none", "Example"],
        },
        index=[10, 11, 12],
    )


def test_format_number_separators_decimals_and_true_minus() -> None:
    assert tables.format_number(-1234567.891, "int") == f"{MINUS}1,234,568"
    assert tables.format_number(1884.756, None) == "1,884.76"
    assert tables.format_number(521391.18, "1dp") == "521,391.2"
    assert tables.format_number(-2.345, "pct1") == f"{MINUS}2.3%"
    assert tables.format_number(-1212.4, "gbp_m") == f"{MINUS}£1,212m"
    assert tables.format_number(1500, "gbp") == "£1,500"
    assert tables.format_number(0.0004, "p") == "<0.001"
    assert tables.format_number(0.0472, "p") == "0.047"
    assert tables.format_number(2016, "year") == "2016"
    assert tables.format_number(float("nan"), "1dp") == tables.MISSING
    assert tables.format_number(None, None) == tables.MISSING
    assert tables.format_number("QOC", None) == "QOC"
    assert tables.format_number(-3, "text") == f"{MINUS}3"


def test_people_table_shows_labels_not_names_and_no_index(frame: pd.DataFrame) -> None:
    table = tables.people_table(
        frame,
        {"icb_code": "ICB", "deficit_gbp_m": "Deficit, £m", "share_pct": "Share, %"},
        formats={"deficit_gbp_m": "1dp", "share_pct": "pct1"},
        caption="Three systems",
    )
    markup = table.to_html()
    assert '<th scope="col">ICB</th>' in markup
    assert '<th scope="col" class="num">Deficit, £m</th>' in markup
    for internal in ("icb_code", "deficit_gbp_m", "share_pct", ">10<", ">11<"):
        assert internal not in markup, internal
    assert f'<td class="num">{MINUS}1,234.6</td>' in markup
    assert f'<td class="num">{MINUS}2.3%</td>' in markup
    assert "-1" not in re.sub(r"<[^>]+>|base64,[A-Za-z0-9+/=]+", "", markup)
    assert "<caption>Three systems</caption>" in markup
    assert 'class="table-scroll"' in markup
    assert table._repr_html_() == markup


def test_links_are_links_and_verdicts_are_colour_coded(frame: pd.DataFrame) -> None:
    markup = tables.people_table(
        frame,
        {"icb_code": "ICB", "verdict": "Verdict", "source_url": "Source"},
        formats={"verdict": "verdict"},
        links={"source_url": "publisher"},
    ).to_html()
    assert '<a href="https://www.hsj.co.uk/a">HSJ</a>' in markup
    assert f"<td>{tables.MISSING}</td>" in markup  # a missing link
    assert '<span class="verdict verdict-supported">supported</span>' in markup
    assert '<span class="verdict verdict-contradicted">contradicted</span>' in markup
    assert '<span class="verdict verdict-untestable">not testable</span>' in markup
    plain = tables.people_table(frame, {"source_url": "Source"}, links=["source_url"]).to_html()
    assert '<a href="https://example.org/b">example.org</a>' in plain


def test_csv_download_holds_the_shown_data_under_human_headers(frame: pd.DataFrame) -> None:
    table = tables.people_table(frame, {"icb_code": "ICB", "share_pct": "Share, %"}, name="tbl-x")
    markup = table.to_html()
    match = re.search(
        r'download="tbl-x.csv" href="data:text/csv;charset=utf-8;base64,([^"]+)"', markup
    )
    assert match
    text = base64.b64decode(match.group(1)).decode()
    assert text.splitlines() == ['ICB,"Share, %"', "QHM,-2.345", "QYG,0.5", "QOC,10.0"]
    link = tables.data_download(frame[["icb_code"]], "Figure: deficits").to_html()
    assert 'download="figure-deficits.csv"' in link


def test_output_is_deterministic(frame: pd.DataFrame) -> None:
    labels = {"icb_code": "ICB", "deficit_gbp_m": "Deficit"}
    assert (
        tables.people_table(frame, labels).to_html() == tables.people_table(frame, labels).to_html()
    )


@pytest.mark.parametrize(
    ("labels", "options", "message"),
    [
        ({"nope": "No"}, {}, r"columns \['nope'\] are not in the frame"),
        ({"icb_code": "ICB"}, {"formats": {"icb_code": "fancy"}}, "unknown formats"),
        ({"icb_code": "ICB"}, {"formats": {"share_pct": "1dp"}}, "columns not shown"),
        ({"source_url": "S"}, {"links": {"source_url": "missing"}}, "link text columns"),
    ],
)
def test_bad_specifications_name_the_problem(
    frame: pd.DataFrame, labels: dict[str, str], options: dict, message: str
) -> None:
    with pytest.raises(TableError, match=message):
        tables.people_table(frame, labels, **options)


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("core_allocation_gbp_m", "Core allocation, £m"),
        ("distance_from_target_pct", "Distance from target, %"),
        ("imd_score", "IMD score"),
        ("n_systems", "Number of systems"),
        ("conf_low", "95% CI, low"),
        ("financial_year", "Financial year"),
        ("Already readable", "Already readable"),
        (("estimate", "cross_section"), "Estimate · Cross section"),
    ],
)
def test_human_label(name: object, label: str) -> None:
    assert tables.human_label(name) == label


def test_auto_table_turns_any_frame_into_a_table_for_people() -> None:
    frame = pd.DataFrame(
        {
            "share_pct": [1.234, -2.0],
            "n_obs": [30, 29],
            "source_url": ["https://www.ons.gov.uk/x", None],
        },
        index=pd.Index(["imd_score", "rural_share"], name="variable"),
    )
    table = tables.auto_table(frame.rename(index=tables.human_label), name="tbl-demo")
    assert table.labels == {
        "variable": "Variable",
        "share_pct": "Share, %",
        "n_obs": "N",
        "source_url": "Source",
    }
    markup = table.to_html()
    assert "<td>IMD score</td>" in markup and "imd_score" not in markup
    assert f'<td class="num">{MINUS}2.00</td>' in markup
    assert '<a href="https://www.ons.gov.uk/x">ons.gov.uk</a>' in markup
    unnamed = tables.auto_table(pd.DataFrame({"a": [1, 2]}, index=[7, 8]))
    assert list(unnamed.labels) == ["a"] and ">7<" not in unnamed.to_html()


def test_one_number_format_pounds_percent_and_millions_with_a_true_minus() -> None:
    """The formats issue 20 asks for: £1,467; −2.8%; −£129.8m (U+2212, before the £)."""
    assert tables.format_number(1467, "gbp") == "£1,467"
    assert tables.format_number(-2.84, "pct1") == "\u22122.8%"
    assert tables.format_number(-129.84, "gbp_m1") == "\u2212£129.8m"
    assert tables.format_number(129.84, "gbp_m1") == "£129.8m"
    assert tables.gbp(-1467.4) == "\u2212£1,467"
    assert tables.gbp(-0.04, 1, "m") == "£0.0m"  # no minus on a number that rounds to zero
    assert tables.percent(-2.84) == "\u22122.8%"
    assert tables.percent(-0.04) == "0.0%"
    for text in ["£1,467", "\u22122.8%", "\u2212£129.8m"]:
        assert "-" not in text and tables.number_format_problems(text) == []


def test_numbers_written_inside_text_get_the_true_minus() -> None:
    """A coefficient written as text ('-0.87 (0.45)') gets the true minus; ranges and dates
    keep their hyphens; a minus after the pound sign moves before it."""
    assert tables.format_number("-0.87 (0.45)*", None) == "\u22120.87 (0.45)*"
    assert tables.format_number("2021-2025", None) == "2021-2025"
    assert tables.format_number("2023-05-19", "text") == "2023-05-19"
    assert tables.true_minus("£-5m and £\u22125m") == "\u2212£5m and \u2212£5m"
    assert tables.format_number("-1", "code") == "-1"  # identifiers are shown as they are


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("£1467", ["thousands without a separator"]),
        ("-2.8%", ["hyphen-minus for a minus sign"]),
        ("£\u2212129.8m", ["minus after the pound sign"]),
        ("12345 ICBs", ["thousands without a separator"]),
        ("1.2e-05", ["scientific notation"]),
        ("2024/25 and 2019, 1,467 and \u22122.8%", []),
    ],
)
def test_number_format_problems_name_each_break(text: str, kinds: list[str]) -> None:
    found = [problem.split(":")[0] for problem in tables.number_format_problems(text)]
    assert found == kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ytd_variance (press)", "snake_case identifier"),
        ("C(region_name)[T.London]", "patsy term"),
        ("(HSJ, 2023-05; nat_2324_icss_forecasting_deficits_final)", "snake_case identifier"),
        ("leadership_facts.csv has national shares", "file name"),
        ("see params.yaml", "file name"),
    ],
)
def test_internal_names_are_found_in_any_cell_text(text: str, kind: str) -> None:
    assert kind in [problem.split(":")[0] for problem in tables.internal_names(text)]


def test_people_text_has_no_internal_names() -> None:
    for text in ["NHS England region: London", "Deprivation, IoD2025", "A&E seen within 4 hours"]:
        assert tables.internal_names(text) == [], text


def test_relabel_replaces_identifiers_inside_texts() -> None:
    from helpers.panel import finance

    shown = tables.relabel(
        pd.Index(["ytd_variance (press)", "outturn (official)"]), finance.readable
    )
    assert shown.tolist() == ["variance against plan, year to date (press)", "outturn (official)"]
    assert shown.index.tolist() == ["ytd_variance (press)", "outturn (official)"]


def test_auto_table_refuses_to_drop_row_labels() -> None:
    """An unnamed index of labels (a regression table's terms) would vanish: an error."""
    frame = pd.DataFrame({"estimate": [1.0, -2.0]}, index=["Deprivation", "Bed occupancy"])
    with pytest.raises(TableError, match="rename_axis"):
        tables.auto_table(frame)
    markup = tables.auto_table(frame.rename_axis("Driver")).to_html()
    assert "<td>Deprivation</td>" in markup and f"{MINUS}2.00" in markup


def test_a_number_that_rounds_to_zero_has_no_minus() -> None:
    assert tables.format_number(-0.001, "2dp") == "0.00"
    assert tables.format_number("-0.00 (0.32)", None) == "0.00 (0.32)"
    assert tables.format_number(-0.04, "gbp_m1") == "£0.0m"
    assert tables.true_minus("a score of 10-0") == "a score of 10-0"
    assert tables.format_number(-0.07, "2dp") == f"{MINUS}0.07"


@pytest.mark.parametrize(
    ("p_value", "text", "cell"),
    [
        (0.0004, "p < 0.001", "<0.001"),
        (0.001, "p = 0.001", "0.001"),
        (0.046, "p = 0.046", "0.046"),
        (0.087042, "p = 0.087", "0.087"),
        (0.1, "p = 0.10", "0.100"),
        (1.0, "p = 1.00", "1.000"),
        (float("nan"), "p not available", "\u2013"),
    ],
)
def test_one_p_value_format_for_text_figures_and_table_cells(
    p_value: float, text: str, cell: str
) -> None:
    from helpers.analysis import inference

    assert tables.format_p(p_value) == text
    assert inference.format_p is tables.format_p
    assert tables.format_number(p_value, "p") == cell
    assert tables.p_cell(p_value) == (cell if cell != "\u2013" else "not available")


def test_the_forest_plot_writes_its_p_values_in_the_one_format() -> None:
    """Three decimals below 0.1, as in the text: a corrected p of 0.033 (filled, below 0.05)
    no longer reads 'p = 0.03', nor 0.046 'p = 0.05'."""
    import matplotlib.pyplot as plt

    from helpers.report import plots

    rows = pd.DataFrame(
        {
            "outcome_label": ["A", "A", "A", "B"],
            "driver_label": ["x", "y", "z", "x"],
            "estimate": [-1.5, 0.2, 0.1, -2.3],
            "conf_low": [-2.5, -0.5, -0.4, -3.5],
            "conf_high": [-0.5, 0.9, 0.6, -1.1],
            "p_adjusted": [0.033071, 0.046, 0.73, 0.0004],
            "unit": ["pp per SD", "pp per SD", "pp per SD", "pp (loan vs no loan)"],
        }
    )
    figure = plots.forest_plot(rows, title="t")
    texts = [
        label.get_text()
        for axis in figure.axes
        for child in axis.child_axes  # the right-hand axis of each panel
        for label in child.get_yticklabels()
    ]
    plt.close(figure)
    assert {"p = 0.033", "p = 0.046", "p = 0.73", "p < 0.001"} <= set(texts)
