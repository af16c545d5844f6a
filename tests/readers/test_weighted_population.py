"""Tests for helpers.data.readers.weighted_population."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.readers.weighted_population import WEIGHT_COLUMNS, read_weighted_population
from helpers.errors import DataError

OLD_IDS = "Practice_Code,GP_Practice_Name,ICS22,ICS22name,R22,Region22,Patients,pop 2022/23"
NEW_IDS = "Practice_Code,GP_Practice_Name,ICB,ICBname,Rcode,Region,Patients,Population"
WEIGHTS = ",".join(WEIGHT_COLUMNS)


def write(path: Path, header: str, rows: list[str], bom: bool = False) -> Path:
    text = "\n".join([header, *rows]) + "\n"
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def test_old_layout(tmp_path: Path) -> None:
    rows = [
        "B2,Two,QHM,NENC,Y63,NEY,,300," + ",".join(["450"] * 9),
        "A1,One,QHM,NENC,Y63,NEY,,100," + ",".join(["150"] * 9),
    ]
    frame = read_weighted_population(
        write(tmp_path / "2023_2024.csv", f"{OLD_IDS},{WEIGHTS}", rows)
    )
    assert frame["financial_year"].unique().tolist() == ["2023/24"]
    assert frame["practice_code"].tolist() == ["A1", "B2"]
    assert frame["population"].sum() == 400.0
    assert frame["final_wp"].sum() / frame["population"].sum() == 1.5
    assert frame["registered_patients"].isna().all()


def test_new_layout_with_bom(tmp_path: Path) -> None:
    rows = ["A1,One,QYG,C&M,Y62,NW,,200," + ",".join(["100"] * 9)]
    path = write(tmp_path / "2025_2026.csv", f"{NEW_IDS},{WEIGHTS}", rows, bom=True)
    frame = read_weighted_population(path)
    assert frame.loc[0, "icb_code"] == "QYG"
    assert frame.loc[0, "population"] == 200.0
    assert frame.loc[0, "financial_year"] == "2025/26"


def test_renamed_column_raises_naming_file_and_column(tmp_path: Path) -> None:
    header = f"{OLD_IDS},{WEIGHTS}".replace("Final WP", "Final weighted")
    rows = ["A1,One,QHM,NENC,Y63,NEY,,100," + ",".join(["150"] * 9)]
    with pytest.raises(DataError, match=r"2022_2023\.csv.*Final WP"):
        read_weighted_population(write(tmp_path / "2022_2023.csv", header, rows))


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("file", "year", "practices", "population"),
    [
        ("2022_2023.csv", "2022/23", 6_554, 61_498_822),
        ("2023_2024.csv", "2023/24", 6_553, 61_903_547),
        ("2024_2025.csv", "2024/25", 6_553, 62_154_630),
        ("2025_2026.csv", "2025/26", 6_348, 63_849_324),
    ],
)
def test_real_weighted_population(raw_path, file, year, practices, population) -> None:
    frame = read_weighted_population(raw_path(f"weighted_population/{file}"))
    assert frame["financial_year"].unique().tolist() == [year]
    assert len(frame) == practices
    assert frame["icb_code"].nunique() == 42
    assert round(frame["population"].sum()) == population
    # Weights are relative: national need-weighted total equals national population.
    assert frame["final_wp"].sum() == pytest.approx(frame["population"].sum(), rel=1e-9)
