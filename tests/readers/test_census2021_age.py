"""Tests for helpers.data.readers.census2021_age."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.readers.census2021_age import AGE_BANDS, read_census2021_age
from helpers.errors import DataError

PREAMBLE = (
    '\n"TS007A - Age by five-year age bands"\n"ONS Crown Copyright Reserved"\n'
    '"Date       :","2021"\n\n'
)


def write_census(path: Path, rows: list[list], header: list[str] | None = None) -> Path:
    """A Nomis-style file: preamble, header, blank line, rows, blank footer lines."""
    columns = header or [
        "2021 super output area - lower layer",
        "mnemonic",
        "Total",
        *AGE_BANDS,
    ]
    lines = [",".join(f'"{c}"' for c in columns), ""]
    lines += [",".join(f'"{v}"' if isinstance(v, str) else str(v) for v in row) for row in rows]
    path.write_text(PREAMBLE + "\n".join(lines) + "\n\n\n", encoding="utf-8")
    return path


def fixture_rows() -> list[list]:
    """E01000002: 10 in each of 18 bands (total 180); W01000001: 7 aged 85+."""
    return [
        ["B 001A", "E01000002", 180, *[10] * 18],
        ["W 001A", "W01000001", 7, *[0] * 17, 7],
    ]


def test_long_bands(tmp_path: Path) -> None:
    census = read_census2021_age(write_census(tmp_path / "ts007a.csv", fixture_rows()))
    assert len(census) == 2 * 18
    assert census["lsoa21_code"].unique().tolist() == ["E01000002", "W01000001"]
    first = census.loc[census["lsoa21_code"] == "E01000002"]
    assert first["age_band"].iloc[0] == "0-4" and first["age_band"].iloc[-1] == "85+"
    assert first.loc[first["age_lower"] >= 65, "population"].sum() == 50
    assert census.loc[census["lsoa21_code"] == "W01000001", "population"].sum() == 7


def test_bands_must_sum_to_total(tmp_path: Path) -> None:
    rows = fixture_rows()
    rows[0][2] = 181
    with pytest.raises(DataError, match="Total"):
        read_census2021_age(write_census(tmp_path / "bad_total.csv", rows))


def test_renamed_band_raises_naming_file_and_column(tmp_path: Path) -> None:
    header = ["2021 super output area - lower layer", "mnemonic", "Total", *AGE_BANDS]
    header[-1] = "Aged 85+"
    path = write_census(tmp_path / "renamed.csv", fixture_rows(), header=header)
    with pytest.raises(DataError, match=r"renamed\.csv.*Aged 85 years and over"):
        read_census2021_age(path)


@pytest.mark.realdata
def test_real_census_totals(raw_path) -> None:
    census = read_census2021_age(
        raw_path("census2021_age/TS007A_age_by_five_year_age_bands_lsoa11.csv")
    )
    assert census["lsoa21_code"].nunique() == 35_672
    england = census.loc[census["lsoa21_code"].str.startswith("E")]
    assert england["lsoa21_code"].nunique() == 33_755
    assert england["population"].sum() == 56_490_091
