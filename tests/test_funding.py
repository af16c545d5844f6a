"""Tests for helpers.panel.funding."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.errors import DataError
from helpers.panel.funding import (
    allocation_measures,
    build_funding,
    icb_weighted_population,
    real_growth_pct,
    stream_measures,
)


def long_core(icbs: tuple[str, ...] = ("QAA", "QBB")) -> pd.DataFrame:
    """Core allocation items for 2024/25 only, two ICBs."""
    items = {
        "total_allocation_gbp_k": (1_100.0, 2_200.0),
        "recurrent_allocation_gbp_k": (1_000.0, 2_000.0),
        "additional_elective_funding_gbp_k": (100.0, 200.0),
        "post_convergence_distance_from_target_fraction": (0.02, -0.01),
        "recurrent_allocation_growth_fraction": (0.03, 0.04),
    }
    rows = [
        {
            "sheet": "ICB Core Allocations 2024-25",
            "org_level": "icb",
            "org_code": code,
            "financial_year": "2024/25",
            "item": item,
            "value": values[i],
        }
        for item, values in items.items()
        for i, code in enumerate(icbs)
    ]
    return pd.DataFrame(rows)


def test_allocation_measures_picks_items() -> None:
    measures = allocation_measures(long_core()).set_index("icb_code")
    assert measures["financial_year"].unique().tolist() == ["2024/25"]
    assert measures.loc["QBB", "core_allocation_gbp_k"] == 2_200.0
    assert measures.loc["QAA", "elective_funding_gbp_k"] == 100.0
    assert measures.loc["QBB", "distance_from_target_fraction"] == -0.01


def test_allocation_measures_missing_item_raises() -> None:
    core = long_core()
    core = core.loc[core["item"] != "recurrent_allocation_gbp_k"]
    with pytest.raises(DataError, match="recurrent_allocation_gbp_k"):
        allocation_measures(core)


def test_icb_weighted_population_need_index() -> None:
    practices = pd.DataFrame(
        {
            "icb_code": ["QAA", "QAA", "QBB"],
            "financial_year": ["2024/25"] * 3,
            "population": [100.0, 300.0, 600.0],
            "final_wp": [150.0, 350.0, 500.0],
        }
    )
    rolled = icb_weighted_population(practices).set_index("icb_code")
    assert rolled.loc["QAA", "population"] == 400.0
    assert rolled.loc["QAA", "need_index"] == 1.25
    assert rolled.loc["QBB", "need_index"] == pytest.approx(5 / 6)


@pytest.fixture(scope="module")
def funding(raw_path) -> pd.DataFrame:
    return build_funding(
        (
            raw_path("icb_allocations/nhs_allocations_2023_2025.xlsx"),
            raw_path("icb_allocations/nhs_allocations_2025_26.xlsx"),
        ),
        {
            f"{y}/{(y + 1) % 100:02d}": raw_path(f"weighted_population/{y}_{y + 1}.csv")
            for y in range(2022, 2026)
        },
    )


@pytest.mark.realdata
def test_real_funding_panel_complete(funding: pd.DataFrame) -> None:
    assert len(funding) == 42 * 4
    assert funding["icb_code"].nunique() == 42
    assert funding.groupby("financial_year").size().to_dict() == {
        "2022/23": 42,
        "2023/24": 42,
        "2024/25": 42,
        "2025/26": 42,
    }
    lagged = ["total_allocation_gbp_m", "core_recurrent_growth_pct", "real_growth_pct"]
    assert not funding.drop(columns=["distance_from_target_basis", *lagged]).isna().any().any()
    # No 2022/23 running cost allowance in the workbooks and no 2021/22 baseline to grow from.
    missing = funding[funding[lagged].isna().any(axis=1)]
    assert set(missing["financial_year"]) == {"2022/23"} and len(missing) == 42
    assert funding.equals(
        funding.sort_values(["icb_code", "financial_year"]).reset_index(drop=True)
    )


@pytest.mark.realdata
def test_real_england_totals_match_raw_files(funding: pd.DataFrame) -> None:
    totals = funding.groupby("financial_year")[["core_allocation_gbp_m", "population"]].sum()
    # England rows of the allocation workbooks (GBP thousands -> million).
    assert totals.loc["2023/24", "core_allocation_gbp_m"] == pytest.approx(104_152.213, abs=0.01)
    assert totals.loc["2024/25", "core_allocation_gbp_m"] == pytest.approx(106_360.951, abs=0.01)
    assert totals.loc["2025/26", "core_allocation_gbp_m"] == pytest.approx(124_345.779, abs=0.01)
    # 2022/23 restated: adjusted recurrent baseline + COVID + additional elective (England row).
    assert totals.loc["2022/23", "core_allocation_gbp_m"] == pytest.approx(
        96_786.375 + 2_205.000 + 1_855.202, abs=0.01
    )
    # Weighted-population files' national projected registered population.
    assert totals["population"].round().tolist() == [61_498_822, 61_903_547, 62_154_630, 63_849_324]


@pytest.mark.realdata
def test_real_funding_values(funding: pd.DataFrame) -> None:
    row = funding.set_index(["icb_code", "financial_year"]).loc[("QOQ", "2023/24")]
    # Published: recurrent GBP 2,964,813k, GBP 1,667.01 per head, post-convergence DfT 1.218%.
    assert row["recurrent_allocation_gbp_m"] == pytest.approx(2_964.813)
    assert row["recurrent_allocation_per_head_gbp"] == pytest.approx(1_667.01, abs=0.01)
    assert row["distance_from_target_pct"] == pytest.approx(1.2179, abs=1e-4)
    need = funding.assign(wp=funding["need_index"] * funding["population"])
    national = (
        need.groupby("financial_year")["wp"].sum()
        / need.groupby("financial_year")["population"].sum()
    )
    assert national.tolist() == pytest.approx([1.0] * 4, abs=1e-9)
    assert funding["distance_from_target_pct"].between(-10, 10).all()
    assert (funding["core_allocation_excl_elective_gbp_m"] < funding["core_allocation_gbp_m"]).all()


def test_real_growth_deflates_nominal_growth_by_the_deflator_ratio() -> None:
    deflator = pd.DataFrame(
        {"financial_year": ["2023/24", "2024/25"], "gdp_deflator": [96.0, 100.0]}
    )
    growth = real_growth_pct(
        pd.Series([0.05, float("nan")]), pd.Series(["2024/25", "2024/25"]), deflator
    )
    assert growth.iloc[0] == pytest.approx(100 * (1.05 * 96 / 100 - 1))
    assert pd.isna(growth.iloc[1])
    with pytest.raises(
        DataError, match=r"no GDP deflator for financial year\(s\) \['2022/23', '2023/24'\]"
    ):
        real_growth_pct(pd.Series([0.05]), pd.Series(["2023/24"]), deflator.iloc[1:])


def test_stream_measures_missing_item_names_workbook_and_sheet() -> None:
    streams = pd.DataFrame(
        {
            "workbook": ["nhs_allocations_2023_2025.xlsx"],
            "sheet": ["PMC Allocations 2023-24"],
            "financial_year": ["2023/24"],
            "item": ["recurrent_allocation_gbp_k"],
            "org_code": ["QOQ"],
            "value": [1.0],
        }
    )
    with pytest.raises(
        DataError, match=r"nhs_allocations_2023_2025.xlsx \[sheet 'PMC Allocations 2024-25'\]"
    ):
        stream_measures(streams)


@pytest.mark.realdata
def test_real_total_allocation_and_real_growth(funding: pd.DataFrame) -> None:
    totals = funding.groupby("financial_year")["total_allocation_gbp_m"].sum(min_count=1)
    # ICB rows: core 104,152.213 + PMC 10,611.684 + other primary care 5,484.993 + running
    # costs 1,108.760 (the sheets' England rows add regionally held budgets on top).
    assert totals.loc["2023/24"] == pytest.approx(121_357.650, abs=0.01)
    assert totals.loc["2025/26"] == pytest.approx(143_237.524, abs=0.01)
    row = funding.set_index(["icb_code", "financial_year"]).loc[("QOQ", "2023/24")]
    nominal = row["core_recurrent_growth_pct"] / 100
    assert row["real_growth_pct"] == pytest.approx(100 * ((1 + nominal) * 91.2996 / 96.1117 - 1))
    assert (funding["total_allocation_gbp_m"] > funding["core_allocation_gbp_m"]).sum() == 42 * 3
