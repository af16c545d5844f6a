"""Tests for helpers.data.readers._common.rda_shape: a data frame's shape from the start of its
.rda stream, and the inventory's use of it."""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import rdata

from helpers.data import inventory
from helpers.data.readers._common import rda_shape, read_rda_frame
from helpers.data.sources import load_sources
from helpers.errors import DataError
from helpers.paths import PROCESSED_DIR

FRAME = pd.DataFrame(
    {
        "code": ["E01000001", "E01000002", "E01000003", None],
        "value": [1.5, 2.0, None, 4.25],
        "count": [1, 2, 3, 4],
    }
)


@pytest.mark.parametrize("compression", ["gzip", "bzip2", "xz", "none"])
def test_shape_matches_the_parsed_frame_for_every_compression(
    tmp_path: Path, write_rda: Callable[..., Path], compression: str
) -> None:
    plain = write_rda(tmp_path / "plain.rda", "lookup", FRAME)
    data = plain.read_bytes()
    raw = gzip.decompress(data)
    packed = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}
    path = tmp_path / f"{compression}.rda"
    path.write_bytes(packed[compression](raw) if compression in packed else raw)
    assert rda_shape(path) == (4, 3)
    frame = read_rda_frame(path)
    assert rda_shape(path) == (len(frame), frame.shape[1])


def test_long_object_name_and_one_row(tmp_path: Path, write_rda: Callable[..., Path]) -> None:
    path = write_rda(tmp_path / "one.rda", "a_rather_long_object_name_" * 8, FRAME.head(1))
    assert rda_shape(path) == (1, 3)


def test_a_stored_vector_is_not_a_data_frame(tmp_path: Path) -> None:
    path = tmp_path / "vector.rda"
    rdata.write_rda(path, {"numbers": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match=r"vector\.rda: the stored object is not a data frame"):
        rda_shape(path)


def test_a_file_that_is_not_rda_is_named(tmp_path: Path) -> None:
    path = tmp_path / "table.rda"
    path.write_text("code,value\nE01,1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"table\.rda: not a binary \(XDR\) \.rda file"):
        rda_shape(path)


def test_ascii_saves_are_refused_so_the_inventory_parses_them(
    tmp_path: Path, write_rda: Callable[..., Path]
) -> None:
    path = tmp_path / "ascii.rda"
    rdata.write_rda(path, {"lookup": FRAME.astype({"code": "category"})}, file_format="ascii")
    with pytest.raises(DataError, match="XDR"):
        rda_shape(path)
    assert inventory.rda_data_frame_shape(path) == (4, 3)


@pytest.mark.realdata
def test_every_raw_rda_shape_equals_the_committed_inventory(raw_path) -> None:
    """The committed inventory was made by parsing every frame: the header gives the same."""
    with (PROCESSED_DIR / "source_inventory.csv").open(encoding="utf-8") as handle:
        committed = {row["file"]: row for row in csv.DictReader(handle)}
    files = [source.file for source in load_sources() if source.reader == "rda"]
    assert len(files) == 18
    for file in files:
        expected = (int(committed[file]["rows"]), int(committed[file]["columns"]))
        assert rda_shape(raw_path(file)) == expected, file


@pytest.mark.exhaustive
@pytest.mark.realdata
def test_every_raw_rda_shape_equals_the_parsed_frame(raw_path) -> None:
    for source in load_sources():
        if source.reader != "rda" or source.file.startswith("geographr/boundaries"):
            continue
        path = raw_path(source.file)
        try:
            frame = read_rda_frame(path)
        except DataError:  # sf geometry: only rdata decodes it
            continue
        assert rda_shape(path) == (len(frame), frame.shape[1]), source.file
