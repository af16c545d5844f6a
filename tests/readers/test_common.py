"""Shared reader checks: bad raw cells are named by file, column and line, never silently NaN."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpers.data.readers._common import check_not_above, check_ranges, read_csv_text, to_numbers
from helpers.errors import DataError

HEADER = "icb22_code,date,total_attendances,attendances_over_4hours\n"


def write(tmp_path: Path, body: str, name: str = "ae.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def numbers_of(path: Path, column: str, **options: object) -> pd.Series:
    frame = read_csv_text(path)
    return to_numbers(frame, column, path, first_line=2, **options)  # type: ignore[arg-type]


def test_numbers_and_declared_missing_markers_convert(tmp_path: Path) -> None:
    path = write(tmp_path, "E54000048,April 2024,100,5\nE54000049,April 2024,200,NA\n")
    assert numbers_of(path, "total_attendances").tolist() == [100.0, 200.0]
    assert numbers_of(path, "attendances_over_4hours").isna().tolist() == [False, True]


@pytest.mark.parametrize(
    ("bad", "pandas_would_say"),
    [
        ("abc", "Unable to parse string 'abc' at position 1"),
        ("12k", "could not convert string to float: '12k'"),
        ("n/a", "silently NaN"),
    ],
)
def test_text_in_a_number_column_names_file_column_line_and_value(
    tmp_path: Path, bad: str, pandas_would_say: str
) -> None:
    path = write(tmp_path, f"E54000048,April 2024,100,5\nE54000049,April 2024,{bad},7\n")
    with pytest.raises(DataError) as caught:
        numbers_of(path, "total_attendances")
    assert str(caught.value) == (
        f"{path}: column 'total_attendances': 1 value(s) are not numbers (line 3: '{bad}'); "
        "expected a number or a missing-value marker ['', 'NA']"
    ), pandas_would_say


def test_blank_in_a_complete_integer_column_is_named_not_intcastingnan(tmp_path: Path) -> None:
    path = write(tmp_path, "E54000048,April 2024,100,5\nE54000049,April 2024,,7\n")
    with pytest.raises(DataError) as caught:
        numbers_of(path, "total_attendances", missing=(), integer=True)
    assert str(caught.value) == (
        f"{path}: column 'total_attendances': 1 value(s) are not numbers (line 3: ''); "
        "expected a number or a missing-value marker []"
    )
    with pytest.raises(
        DataError, match=r"column 'total_attendances': expected whole numbers, found line 2: '1.5'"
    ):
        to_numbers(
            pd.DataFrame({"total_attendances": ["1.5"]}), "total_attendances", path, 2, integer=True
        )


def test_rows_without_a_csv_line_are_named_by_row(tmp_path: Path) -> None:
    frame = pd.DataFrame({"beds": [10.0, "lots"]})
    with pytest.raises(
        DataError, match=r"x.rda: column 'beds': 1 value\(s\) are not numbers \(row 2: 'lots'\)"
    ):
        to_numbers(frame, "beds", "x.rda")


def test_malformed_csv_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "E54000048,April 2024,100,5\nE54000049,April 2024,1,2,3,4\n")
    with pytest.raises(DataError) as caught:
        read_csv_text(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not a well-formed CSV: ")
    assert "Expected 4 fields in line 3, saw 6" in message


def test_bytes_that_are_not_utf8_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "ae.csv"
    path.write_bytes(HEADER.encode() + b"E54000048,April 2024,100,5\nE54000049,Ao\xfbt 2024,1,2\n")
    with pytest.raises(DataError) as caught:
        read_csv_text(path)
    assert str(caught.value).startswith(f"{path}: line 3: not valid utf-8 text (invalid start byte")
    assert "byte b'\\xfb'); expected a utf-8 CSV" in str(caught.value)


def test_negative_attendances_are_outside_the_declared_range(tmp_path: Path) -> None:
    path = write(tmp_path, "E54000048,April 2024,100,5\nE54000049,April 2024,-40,2\n")
    frame = read_csv_text(path)
    frame["total_attendances"] = to_numbers(frame, "total_attendances", path, 2)
    with pytest.raises(DataError) as caught:
        check_ranges(frame, {"total_attendances": (0, 1e7)}, path, first_line=2)
    assert str(caught.value) == (
        f"{path}: column 'total_attendances': 1 value(s) outside the plausible range "
        "[0, 10000000.0] (line 3: -40.0)"
    )


def test_breaches_above_attendances_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "E54000048,April 2024,100,5\nE54000049,April 2024,10,25\n")
    frame = read_csv_text(path)
    for column in ("total_attendances", "attendances_over_4hours"):
        frame[column] = to_numbers(frame, column, path, 2)
    with pytest.raises(DataError) as caught:
        check_not_above(frame, "attendances_over_4hours", "total_attendances", path, 2)
    assert str(caught.value) == (
        f"{path}: column 'attendances_over_4hours' exceeds 'total_attendances' on 1 row(s) "
        "(line 3: '25.0 > 10.0'); a part cannot exceed its whole"
    )


def test_empty_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty.csv: empty file, expected a header line"):
        read_csv_text(path)
