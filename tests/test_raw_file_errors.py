"""An empty or truncated raw file gives an error naming the file and what it should be, for
every reader (issue 22.5): the shared reader code opens every raw file."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.data import inventory
from helpers.data.readers import _common, deflators, icb_allocations, imd, trust_icb_lookup
from helpers.data.readers._common import EXPECTED
from helpers.errors import DataError

READERS_DIR = Path(_common.__file__).parent


def real_file(suffix: str) -> Path:
    """A real raw file of the kind (from the repository's raw folder)."""
    from helpers.paths import RAW_DIR

    found = sorted(path for path in RAW_DIR.rglob(f"*.{suffix}") if "curated" not in path.parts)
    if not found:
        pytest.fail(f"no raw .{suffix} file under {RAW_DIR}: run make data first")
    return found[0]


def empty(tmp_path: Path, suffix: str) -> Path:
    path = tmp_path / f"empty.{suffix}"
    path.write_bytes(b"")
    return path


def truncated(tmp_path: Path, suffix: str) -> Path:
    path = tmp_path / f"truncated.{suffix}"
    path.write_bytes(real_file(suffix).read_bytes()[:3000])
    return path


SHARED: list[tuple[str, str, Callable[[Path], object]]] = [
    ("csv", "read_csv_text", _common.read_csv_text),
    ("csv", "read_csv_file", _common.read_csv_file),
    ("csv", "inventory.csv_shape", inventory.csv_shape),
    ("xlsx", "read_excel_sheet", lambda path: _common.read_excel_sheet(path, "Sheet1")),
    ("xlsx", "workbook_rows", lambda path: _common.workbook_rows(path, "Sheet1")),
    ("xlsx", "workbook_sheets", _common.workbook_sheets),
    ("xlsx", "workbook_dimensions", _common.workbook_dimensions),
    ("rda", "read_rda_frame", _common.read_rda_frame),
    ("rda", "read_rda_frame_rdata", _common.read_rda_frame_rdata),
    ("rda", "rda_shape", _common.rda_shape),
]


@pytest.mark.parametrize(("suffix", "name", "read"), SHARED, ids=[case[1] for case in SHARED])
def test_an_empty_file_is_named_with_what_was_expected(
    tmp_path: Path, suffix: str, name: str, read: Callable[[Path], object]
) -> None:
    path = empty(tmp_path, suffix)
    with pytest.raises(DataError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert "empty file" in message
    assert EXPECTED[suffix].split(" (")[0] in message or "header line" in message


@pytest.mark.parametrize(
    ("suffix", "name", "read"),
    [case for case in SHARED if case[1] != "read_csv_text"],
    ids=[case[1] for case in SHARED if case[1] != "read_csv_text"],
)
def test_a_truncated_file_is_named_with_what_was_expected(
    tmp_path: Path, suffix: str, name: str, read: Callable[[Path], object]
) -> None:
    if suffix == "csv":
        path = tmp_path / "truncated.csv"
        path.write_text('code,name\nA1,"unfinished\n', encoding="utf-8")
    else:
        path = truncated(tmp_path, suffix)
    with pytest.raises(DataError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert f"cannot be read as {EXPECTED[suffix]}" in message
    assert "truncated or damaged" in message


@pytest.mark.parametrize(
    ("suffix", "read"),
    [
        ("csv", deflators.read_deflators),
        ("csv", trust_icb_lookup.read_trust_list),
        ("xlsx", icb_allocations.read_core_allocations),
        ("rda", imd.read_imd2019_lsoa11),
    ],
)
def test_readers_name_an_empty_file(
    tmp_path: Path, suffix: str, read: Callable[[Path], object]
) -> None:
    path = empty(tmp_path, suffix)
    with pytest.raises(DataError, match=rf"^{path}: empty file \(0 bytes\); expected "):
        read(path)


#: Library calls that open a file; only _common may make them, so every reader gets its errors.
OPENERS = {"read_csv", "read_excel", "read_r", "read_rda", "load_workbook", "from_path"}


def test_only_the_shared_reader_code_opens_raw_files() -> None:
    offenders = []
    for path in [*sorted(READERS_DIR.glob("*.py")), Path(inventory.__file__)]:
        if path.name == "_common.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in OPENERS:
                offenders.append(f"{path.name}:{node.lineno} {node.attr}")
    assert offenders == []


@pytest.mark.parametrize(
    ("name", "content"),
    [("damaged.parquet", b"PAR1 not really"), ("damaged.csv", b'a,b\n1,"2\n'), ("e.csv", b"")],
)
def test_a_damaged_processed_table_is_named(tmp_path: Path, name: str, content: bytes) -> None:
    from helpers.data.io import read_processed

    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError, match=rf"^{tmp_path / name}: cannot be read as a processed"):
        read_processed(name, tmp_path)


def test_a_missing_params_file_is_a_config_error(tmp_path: Path) -> None:
    from helpers import config
    from helpers.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"^{tmp_path / 'params.yaml'}: cannot read"):
        config.load_params(tmp_path / "params.yaml")
