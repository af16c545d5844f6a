"""ICB core-services funding by financial year, from the NHS England allocation workbooks and
the allocation formula's weighted populations.

One row per ``icb_code`` x ``financial_year`` for 2022/23-2025/26:

* ``core_allocation_gbp_m``: ICB core services allocation as published ('Total allocation':
  recurrent allocation plus the non-recurrent lines NHS England includes in it). 2022/23 has
  no published total in these workbooks; it is the restated 2022/23 baseline (sheet 'ICB Core
  Baseline 2023-24': adjusted recurrent baseline + COVID + additional elective funding), the
  same composition as the 2023/24 total. 2024/25 total = recurrent + additional elective.
  **2025/26 is not like-for-like**: its total adds elective recovery funding (core and
  additional, the latter previously held centrally), Service Development Fund transfers,
  discharge and other items.
* ``recurrent_allocation_gbp_m``: the recurrent (fair-shares) allocation, the most
  like-for-like series (2022/23: restated adjusted recurrent baseline). Note that NHS England
  re-bases each year (pay awards etc. are added in-year), so growth in levels overstates the
  published recurrent growth rates.
* ``elective_funding_gbp_m``: additional elective funding (2022/23-2024/25) or elective
  recovery funding core + additional (2025/26).
* ``core_allocation_excl_elective_gbp_m``: core minus elective funding, defined the same way
  every year (the like-for-like core series requested; COVID money remains in 2022/23-2023/24
  and SDF transfers/discharge in 2025/26).
* ``allocation_per_head_gbp``: core allocation / population (GBP per head).
* ``recurrent_allocation_per_head_gbp``: recurrent allocation / population (matches the
  published £/head for 2023/24-2025/26).
* ``distance_from_target_pct``: post-convergence distance from the fair-shares target, percent
  (positive = above target), as published; 2022/23 uses the 2023/24 workbook's distance of the
  restated 2022/23 baseline from target (``distance_from_target_basis`` says which).
* ``need_index``: sum of core need-weighted population ('Final WP') / population; England = 1.
* ``population``: GP registered population projected to the year, as used by the allocation
  formula (``population_basis`` = 'registered_projected'), from weighted_population.
* ``total_allocation_gbp_m``: core + primary medical care + other primary care + running cost
  allowance, all from the same two workbooks (:data:`STREAMS`): PMC recurrent allocation;
  other primary care (dental, ophthalmic, pharmacy) recurrent allocation, in 2025/26 the 'POD'
  total allocation; the ICB running cost allowance (2025/26 from the later workbook's revised
  sheet). **Missing for 2022/23**: the workbooks give no running cost allowance for that year.
* ``core_recurrent_growth_pct``: NHS England's published growth of the recurrent core
  allocation on the adjusted (like-for-like) recurrent baseline of the year before, percent;
  missing for 2022/23 (no 2021/22 ICB baseline).
* ``real_growth_pct``: that growth in real terms, deflated by the HM Treasury GDP deflator
  (:mod:`helpers.data.readers.deflators`): ``100 x ((1 + g) x deflator(t-1) / deflator(t) - 1)``.
  The 2025/26 deflator is an OBR forecast.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from helpers.data.readers import deflators, icb_allocations, weighted_population
from helpers.data.readers.icb_allocations import read_core_allocations, read_stream_allocations
from helpers.data.readers.weighted_population import read_weighted_population
from helpers.errors import DataError
from helpers.panel.harmonise import gbp_thousands_to_millions
from helpers.panel.joins import checked_merge

LOGGER = logging.getLogger(__name__)

#: (sheet, financial year, items summed) for each output measure and year.
ItemSpec = tuple[str, str, tuple[str, ...]]
_BASE_2223 = "ICB Core Baseline 2023-24"
MEASURES: dict[str, dict[str, ItemSpec]] = {
    "core_allocation_gbp_k": {
        "2022/23": (
            _BASE_2223,
            "2022/23",
            (
                "adjusted_recurrent_baseline_gbp_k",
                "covid_gbp_k",
                "additional_elective_funding_icb_gbp_k",
            ),
        ),
        "2023/24": ("ICB Core Allocations 2023-24", "2023/24", ("total_allocation_gbp_k",)),
        "2024/25": ("ICB Core Allocations 2024-25", "2024/25", ("total_allocation_gbp_k",)),
        "2025/26": ("ICB Core Allocations 2025-26", "2025/26", ("total_allocation_gbp_k",)),
    },
    "recurrent_allocation_gbp_k": {
        "2022/23": (_BASE_2223, "2022/23", ("adjusted_recurrent_baseline_gbp_k",)),
        "2023/24": ("ICB Core Allocations 2023-24", "2023/24", ("recurrent_allocation_gbp_k",)),
        "2024/25": ("ICB Core Allocations 2024-25", "2024/25", ("recurrent_allocation_gbp_k",)),
        "2025/26": ("ICB Core Allocations 2025-26", "2025/26", ("recurrent_allocation_gbp_k",)),
    },
    "elective_funding_gbp_k": {
        "2022/23": (_BASE_2223, "2022/23", ("additional_elective_funding_icb_gbp_k",)),
        "2023/24": (
            "ICB Core Allocations 2023-24",
            "2023/24",
            ("additional_elective_funding_gbp_k",),
        ),
        "2024/25": (
            "ICB Core Allocations 2024-25",
            "2024/25",
            ("additional_elective_funding_gbp_k",),
        ),
        "2025/26": (
            "ICB Core Allocations 2025-26",
            "2025/26",
            (
                "elective_recovery_funding_core_gbp_k",
                "elective_recovery_funding_additional_gbp_k",
            ),
        ),
    },
    "distance_from_target_fraction": {
        "2022/23": ("ICB Core Allocations 2023-24", "2022/23", ("distance_from_target_fraction",)),
        "2023/24": (
            "ICB Core Allocations 2023-24",
            "2023/24",
            ("post_convergence_distance_from_target_fraction",),
        ),
        "2024/25": (
            "ICB Core Allocations 2024-25",
            "2024/25",
            ("post_convergence_distance_from_target_fraction",),
        ),
        "2025/26": (
            "ICB Core Allocations 2025-26",
            "2025/26",
            ("post_convergence_distance_from_target_fraction",),
        ),
    },
}
MEASURES["core_recurrent_growth_fraction"] = {
    year: (
        f"ICB Core Allocations {year[:4]}-{year[5:]}",
        year,
        ("recurrent_allocation_growth_fraction",),
    )
    for year in ("2023/24", "2024/25", "2025/26")
}
_WORKBOOK_2023 = "nhs_allocations_2023_2025.xlsx"
_WORKBOOK_2025 = "nhs_allocations_2025_26.xlsx"
#: (workbook, sheet, financial year, item) of each non-core stream and year of the total.
StreamSpec = tuple[str, str, str, str]
STREAMS: dict[str, dict[str, StreamSpec]] = {
    "primary_medical_care_gbp_k": {
        "2023/24": (
            _WORKBOOK_2023,
            "PMC Allocations 2023-24",
            "2023/24",
            "recurrent_allocation_gbp_k",
        ),
        "2024/25": (
            _WORKBOOK_2023,
            "PMC Allocations 2024-25",
            "2024/25",
            "recurrent_allocation_gbp_k",
        ),
        "2025/26": (
            _WORKBOOK_2025,
            "PMC Allocation 2025-26",
            "2025/26",
            "recurrent_allocation_gbp_k",
        ),
    },
    "other_primary_care_gbp_k": {
        "2023/24": (_WORKBOOK_2023, "Other Primary Care", "2023/24", "recurrent_allocation_gbp_k"),
        "2024/25": (_WORKBOOK_2023, "Other Primary Care", "2024/25", "recurrent_allocation_gbp_k"),
        "2025/26": (_WORKBOOK_2025, "POD Allocation 2025-26", "2025/26", "total_allocation_gbp_k"),
    },
    "running_costs_gbp_k": {
        "2023/24": (_WORKBOOK_2023, "ICB running cost allowance", "2023/24", "gbp_k"),
        "2024/25": (_WORKBOOK_2023, "ICB running cost allowance", "2024/25", "gbp_k"),
        "2025/26": (_WORKBOOK_2025, "ICB running cost allowance", "2025/26", "gbp_k"),
    },
}
DISTANCE_BASIS: dict[str, str] = {
    "2022/23": "restated 2022/23 baseline vs target (2023/24 workbook)",
    "2023/24": "post-convergence (published)",
    "2024/25": "post-convergence (published)",
    "2025/26": "post-convergence (published)",
}
OUTPUT_COLUMNS: tuple[str, ...] = (
    "icb_code",
    "financial_year",
    "core_allocation_gbp_m",
    "core_allocation_excl_elective_gbp_m",
    "recurrent_allocation_gbp_m",
    "elective_funding_gbp_m",
    "allocation_per_head_gbp",
    "recurrent_allocation_per_head_gbp",
    "distance_from_target_pct",
    "distance_from_target_basis",
    "need_index",
    "population",
    "population_basis",
    "total_allocation_gbp_m",
    "core_recurrent_growth_pct",
    "real_growth_pct",
)


def allocation_measures(core: pd.DataFrame) -> pd.DataFrame:
    """ICB x financial-year measures (see :data:`MEASURES`) from a long core-allocation table
    (:func:`helpers.data.readers.icb_allocations.read_core_allocations`), in source units.

    Returns icb_code, financial_year and one column per measure, for the years whose sheets are
    present; raises DataError if a needed item is missing for any ICB.
    """
    icbs = core.loc[core["org_level"] == "icb"]
    indexed = icbs.set_index(["sheet", "financial_year", "item", "org_code"])["value"].sort_index()
    columns: dict[str, pd.Series] = {}
    for measure, by_year in MEASURES.items():
        pieces = []
        for year, (sheet, source_year, items) in by_year.items():
            if sheet not in set(icbs["sheet"]):
                continue
            total = None
            for item in items:
                try:
                    values = indexed.loc[(sheet, source_year, item)]
                except KeyError as error:
                    raise DataError(
                        f"allocation sheet {sheet!r}: item {item!r} ({source_year}) not found"
                    ) from error
                if values.isna().any() or len(values) != icbs["org_code"].nunique():
                    raise DataError(f"allocation sheet {sheet!r}: {item!r} missing for some ICBs")
                total = values if total is None else total + values
            pieces.append(pd.concat({year: total}, names=["financial_year", "icb_code"]))
        if pieces:
            columns[measure] = pd.concat(pieces)
    frame = pd.DataFrame(columns).reset_index()
    frame["financial_year"] = frame["financial_year"].astype("string")
    frame["icb_code"] = frame["icb_code"].astype("string")
    return frame.sort_values(["icb_code", "financial_year"]).reset_index(drop=True)


def stream_measures(streams: pd.DataFrame) -> pd.DataFrame:
    """ICB x financial-year non-core streams (:data:`STREAMS`) from
    :func:`helpers.data.readers.icb_allocations.read_stream_allocations` rows, in £k.

    Returns icb_code, financial_year and one column per stream for the years in
    :data:`STREAMS`; raises DataError naming the workbook, sheet and item if one is missing.
    """
    indexed = streams.set_index(["workbook", "sheet", "financial_year", "item", "org_code"])[
        "value"
    ].sort_index()
    columns: dict[str, pd.Series] = {}
    for stream, by_year in STREAMS.items():
        pieces = []
        for year, (workbook, sheet, source_year, item) in by_year.items():
            try:
                values = indexed.loc[(workbook, sheet, source_year, item)]
            except KeyError as error:
                raise DataError(
                    f"{workbook} [sheet {sheet!r}]: item {item!r} ({source_year}) not found"
                ) from error
            if values.isna().any():
                raise DataError(f"{workbook} [sheet {sheet!r}]: {item!r} missing for some ICBs")
            pieces.append(pd.concat({year: values}, names=["financial_year", "icb_code"]))
        columns[stream] = pd.concat(pieces)
    frame = pd.DataFrame(columns).reset_index()
    return frame.astype({"financial_year": "string", "icb_code": "string"})


def real_growth_pct(
    nominal_fraction: pd.Series, years: pd.Series, deflator: pd.DataFrame
) -> pd.Series:
    """Real-terms growth (percent) of a nominal growth fraction on the previous year.

    ``deflator`` has ``financial_year`` and ``gdp_deflator``; growth in year t is deflated by
    deflator(t) / deflator(t-1). Years without a deflator for t or t-1 raise DataError.
    """
    index = deflator.set_index("financial_year")["gdp_deflator"]
    start = years.str[:4].astype(int)
    previous = (start - 1).map(lambda year: f"{year}/{(year + 1) % 100:02d}")
    needed = set(years[nominal_fraction.notna()]) | set(previous[nominal_fraction.notna()])
    missing = sorted(needed - set(index.index))
    if missing:
        raise DataError(f"deflators: no GDP deflator for financial year(s) {missing}")
    ratio = previous.map(index) / years.map(index)
    return 100.0 * ((1.0 + nominal_fraction) * ratio - 1.0)


def icb_weighted_population(practices: pd.DataFrame) -> pd.DataFrame:
    """Roll practice rows (:func:`read_weighted_population`) up to ICB x financial year.

    Returns icb_code, financial_year, population (projected registered), final_wp, need_index
    (final_wp / population).
    """
    grouped = (
        practices.groupby(["icb_code", "financial_year"], sort=True)[["population", "final_wp"]]
        .sum()
        .reset_index()
    )
    grouped["need_index"] = grouped["final_wp"] / grouped["population"]
    return grouped


def build_funding(
    allocation_paths: tuple[Path, ...] | None = None,
    weighted_population_paths: Mapping[str, Path] | None = None,
    deflator_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """ICB core-services funding panel, one row per icb_code x financial_year (2022/23-2025/26).

    Columns: see :data:`OUTPUT_COLUMNS` and the module docstring (GBP million, GBP per head,
    percent 0-100 for distance from target). ``allocation_paths`` are the allocation workbooks
    (default: the 2023/24-2024/25 and 2025/26 workbooks); ``weighted_population_paths`` maps
    financial year -> weighted-population CSV (default: all four years); ``deflator_table``
    the GDP deflator (default: :func:`helpers.data.readers.deflators.load`). Years need both an
    allocation and a population; others are dropped and logged. Sorted by icb_code,
    financial_year.
    """
    if deflator_table is None:
        deflator_table = deflators.load()
    if allocation_paths:
        workbooks = [read_core_allocations(path) for path in allocation_paths]
        stream_rows = [read_stream_allocations(path) for path in allocation_paths]
    else:
        workbooks = [icb_allocations.load(workbook) for workbook in icb_allocations.FILES]
        stream_rows = [icb_allocations.load_streams(workbook) for workbook in icb_allocations.FILES]
    allocations = allocation_measures(pd.concat(workbooks, ignore_index=True))
    if weighted_population_paths:
        years = [
            read_weighted_population(path, year) for year, path in weighted_population_paths.items()
        ]
    else:
        years = [weighted_population.load(year) for year in sorted(weighted_population.FILES)]
    practices = pd.concat(years, ignore_index=True)
    population = icb_weighted_population(practices)
    keys = ["icb_code", "financial_year"]
    panel = checked_merge(
        allocations,
        population[[*keys, "population", "need_index"]],
        on=keys,
        how="inner",
        validate="one_to_one",
        label="allocations -> weighted population",
    )
    lost = len(allocations) - len(panel)
    if lost:
        LOGGER.warning("build_funding: %d ICB-year(s) without a population dropped", lost)
    for stem in ("core_allocation", "recurrent_allocation", "elective_funding"):
        panel[f"{stem}_gbp_m"] = gbp_thousands_to_millions(panel[f"{stem}_gbp_k"])
    panel["core_allocation_excl_elective_gbp_m"] = (
        panel["core_allocation_gbp_m"] - panel["elective_funding_gbp_m"]
    )
    panel["allocation_per_head_gbp"] = panel["core_allocation_gbp_k"] * 1000.0 / panel["population"]
    panel["recurrent_allocation_per_head_gbp"] = (
        panel["recurrent_allocation_gbp_k"] * 1000.0 / panel["population"]
    )
    panel["distance_from_target_pct"] = panel["distance_from_target_fraction"] * 100.0
    panel["distance_from_target_basis"] = panel["financial_year"].map(DISTANCE_BASIS)
    panel["population_basis"] = "registered_projected"
    streams = stream_measures(pd.concat(stream_rows, ignore_index=True))
    panel = checked_merge(
        panel,
        streams,
        on=keys,
        how="left",
        validate="one_to_one",
        label="core allocations -> other funding streams",
    )
    stream_total_k = streams.columns.difference(keys)
    panel["total_allocation_gbp_m"] = gbp_thousands_to_millions(
        panel["core_allocation_gbp_k"]
        + panel[stream_total_k].sum(axis=1, min_count=len(stream_total_k))
    )
    panel["core_recurrent_growth_pct"] = 100.0 * panel["core_recurrent_growth_fraction"]
    panel["real_growth_pct"] = real_growth_pct(
        panel["core_recurrent_growth_fraction"], panel["financial_year"].astype(str), deflator_table
    )
    tidy = panel.loc[:, list(OUTPUT_COLUMNS)]
    for column in ("distance_from_target_basis", "population_basis"):
        tidy[column] = tidy[column].astype("string")
    return tidy.sort_values(keys).reset_index(drop=True)
