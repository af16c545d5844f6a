"""Raw readers name the file, column and line of a bad cell instead of raising bare pandas
errors or turning it silently into NaN; declared ranges catch impossible counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.readers import healthyr
from helpers.errors import DataError

AE_HEADER = (
    '"icb22_code","total_attendances","attendances_over_4hours","total_emergency_admissions",'
    '"emergency_admissions_over_4hours","pct_attendance_over_4hours",'
    '"pct_emergency_admissions_over_4hours","date"\n'
)
GOOD_ROW = '"E54000001",100,10,10,1,0.1,0.1,"March 2023"\n'


def ae_file(tmp_path: Path, row: str) -> Path:
    path = tmp_path / "england_icb_accidents_emergency.csv"
    path.write_text(AE_HEADER + GOOD_ROW + row, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            '"E54000002",abc,50,20,5,0.25,0.25,"April 2023"\n',
            "column 'total_attendances': 1 value(s) are not numbers (line 3: 'abc')",
        ),
        (
            '"E54000002",200,12k,20,5,0.25,0.25,"April 2023"\n',
            "column 'attendances_over_4hours': 1 value(s) are not numbers (line 3: '12k')",
        ),
        (
            '"E54000002",200,n/a,20,5,0.25,0.25,"April 2023"\n',
            "column 'attendances_over_4hours': 1 value(s) are not numbers (line 3: 'n/a'); "
            "expected a number or a missing-value marker ['', 'NA']",
        ),
        (
            '"E54000002",-40,5,20,5,0.25,0.25,"April 2023"\n',
            "column 'total_attendances': 1 value(s) outside the plausible range "
            "[0.0, 60000000.0] (line 3: -40.0)",
        ),
        (
            '"E54000002",200,250,20,5,0.25,0.25,"April 2023"\n',
            "column 'attendances_over_4hours' exceeds 'total_attendances' on 1 row(s) "
            "(line 3: '250.0 > 200.0')",
        ),
    ],
)
def test_bad_ae_cells_name_file_column_and_line(tmp_path: Path, row: str, expected: str) -> None:
    path = ae_file(tmp_path, row)
    with pytest.raises(DataError) as caught:
        healthyr.read_icb_accidents_emergency(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_ragged_row_is_a_named_parser_error(tmp_path: Path) -> None:
    path = ae_file(tmp_path, '"E54000002",200,50,20,5,0.25,0.25,"April 2023",extra,cells\n')
    with pytest.raises(DataError) as caught:
        healthyr.read_icb_accidents_emergency(path)
    assert str(caught.value).startswith(f"{path}: not a well-formed CSV")
    assert "line 3" in str(caught.value)


def test_latin1_bytes_are_a_named_encoding_error(tmp_path: Path) -> None:
    path = tmp_path / "england_icb_accidents_emergency.csv"
    path.write_bytes(
        (AE_HEADER + GOOD_ROW).encode() + b'"E54000002",200,50,20,5,0,0,"Ao\xfbt 2023"\n'
    )
    with pytest.raises(DataError) as caught:
        healthyr.read_icb_accidents_emergency(path)
    assert str(caught.value).startswith(f"{path}: line 3: not valid utf-8 text")


def test_blank_census_count_is_named_not_intcastingnanerror(tmp_path: Path) -> None:
    from helpers.data.readers.census2021_age import AGE_BANDS, read_census2021_age

    preamble = '\n"TS007A - Age by five-year age bands"\n"ONS"\n"Date       :","2021"\n\n'
    header = ",".join(
        f'"{c}"' for c in ["2021 super output area - lower layer", "mnemonic", "Total", *AGE_BANDS]
    )
    rows = [
        '"B 001A","E01000002",180,' + ",".join(["10"] * 18),
        '"W 001A","W01000001",7,' + ",".join(["0"] * 17) + ",",
    ]
    path = tmp_path / "ts007a.csv"
    path.write_text(preamble + header + "\n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    band_85 = list(AGE_BANDS)[-1]
    with pytest.raises(DataError) as caught:
        read_census2021_age(path)
    assert str(caught.value) == (
        f"{path}: column '{band_85}': 1 value(s) are not numbers (line 9: ''); "
        "expected a number or a missing-value marker []"
    )
