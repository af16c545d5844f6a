"""The interim layer: each raw file parsed once, keyed by its bytes and the reader's code."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from helpers.data import interim


@pytest.fixture()
def interim_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "interim"
    monkeypatch.setenv(interim.DIR_VARIABLE, str(folder))
    monkeypatch.delenv(interim.SWITCH_VARIABLE, raising=False)
    return folder


def load_reader_module(path: Path, body: str) -> object:
    """Write and import a reader module (under a fixed name) whose ``read`` counts its calls."""
    path.write_text(
        "import pandas as pd\nfrom helpers.data.interim import cached\nCALLS = []\n\n"
        "@cached\ndef read(path, scale=1):\n    CALLS.append(path)\n" + body
    )
    interim.code_fingerprint.cache_clear()
    spec = importlib.util.spec_from_file_location("toy_reader", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["toy_reader"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


BODY = (
    "    frame = pd.read_csv(path, dtype={'code': 'string'})\n"
    "    frame['value'] = frame['value'] * scale\n"
    "    frame['when'] = pd.to_datetime(frame['when'])\n"
    "    frame.attrs['source'] = path.name\n"
    "    return frame\n"
)


@pytest.fixture()
def raw_file(tmp_path: Path) -> Path:
    path = tmp_path / "raw.csv"
    path.write_text("code,value,when\nA,1.5,2024-01-01\nB,,2024-02-01\n")
    return path


def test_second_read_comes_from_the_interim_table_unchanged(
    tmp_path: Path, interim_dir: Path, raw_file: Path
) -> None:
    module = load_reader_module(tmp_path / "toy_reader.py", BODY)
    first = module.read(raw_file)
    second = module.read(raw_file)
    assert len(module.CALLS) == 1
    assert interim.identical(first, second)
    assert second["code"].dtype == "string" and second.attrs == {"source": "raw.csv"}
    assert len(list(interim.entries(interim_dir))) == 1
    module.read(raw_file, scale=2)  # other arguments: another entry
    assert len(module.CALLS) == 2


def test_a_changed_raw_file_or_reader_invalidates_exactly_its_entry(
    tmp_path: Path, interim_dir: Path, raw_file: Path
) -> None:
    module = load_reader_module(tmp_path / "toy_reader.py", BODY)
    module.read(raw_file)
    other = tmp_path / "other.csv"
    other.write_text("code,value,when\nC,3,2024-03-01\n")
    module.read(other)
    raw_file.write_text("code,value,when\nA,9,2024-01-01\n")
    assert module.read(raw_file)["value"].tolist() == [9.0]
    assert len(module.CALLS) == 3
    assert len(list(interim.entries(interim_dir))) == 2  # the stale entry was replaced
    module.read(other)
    assert len(module.CALLS) == 3  # the other file's entry is still valid

    module = load_reader_module(tmp_path / "toy_reader.py", BODY + "# a change of code\n")
    module.read(other)
    assert len(module.CALLS) == 1  # new code: parsed again (CALLS is the new module's)


def test_a_table_parquet_cannot_hold_is_returned_but_not_cached(
    tmp_path: Path, interim_dir: Path, raw_file: Path
) -> None:
    module = load_reader_module(
        tmp_path / "toy_reader.py",
        "    return pd.DataFrame({'mixed': [1, 'a', (2, 3)]})\n",
    )
    assert module.read(raw_file)["mixed"].tolist() == [1, "a", (2, 3)]
    assert module.read(raw_file)["mixed"].tolist() == [1, "a", (2, 3)]
    assert len(module.CALLS) == 2
    assert list(interim.entries(interim_dir)) == []


def test_the_layer_can_be_switched_off(
    tmp_path: Path, interim_dir: Path, raw_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(interim.SWITCH_VARIABLE, "off")
    module = load_reader_module(tmp_path / "toy_reader.py", BODY)
    module.read(raw_file)
    module.read(raw_file)
    assert len(module.CALLS) == 2 and not interim_dir.exists()


def test_identical_compares_dtypes_index_and_attrs() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    assert interim.identical(frame, frame.copy())
    assert not interim.identical(frame, frame.astype("float32"))
    assert not interim.identical(frame, frame.set_axis([1, 2]))
    other = frame.copy()
    other.attrs["crs"] = "EPSG:4326"
    assert not interim.identical(frame, other)


def test_code_fingerprint_covers_helper_modules_the_reader_uses() -> None:
    from helpers.data.readers import healthyr

    assert healthyr.read_rtt_stp.uncached.__module__ == "helpers.data.readers.healthyr"
    used = interim._helpers_modules_used(healthyr)
    assert {"helpers.data.readers._common", "helpers.errors", "helpers.data.interim"} <= used


PARSE_ONCE_SCRIPT = """
import importlib.util, sys, time
from pathlib import Path
spec = importlib.util.spec_from_file_location("toy_reader", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["toy_reader"] = module
spec.loader.exec_module(module)
Path(sys.argv[3]).touch()  # ready
while not all(Path(p).exists() for p in sys.argv[4:]):
    time.sleep(0.01)  # start both parses together
print(module.read(Path(sys.argv[2]))["value"].sum())
"""

SLOW_LOGGING_BODY = (
    "    import time\n"
    "    with open(str(path) + '.parses', 'a') as log:\n"
    "        log.write('parsed\\n')\n"
    "    time.sleep(1.0)\n" + BODY
)


def test_two_processes_needing_the_same_entry_both_get_the_table_and_one_entry(
    tmp_path: Path, interim_dir: Path, raw_file: Path
) -> None:
    """Two jobs starting together (no locks): each gets the table, and the one entry they both
    write atomically is whole."""
    reader = tmp_path / "toy_reader.py"
    load_reader_module(reader, SLOW_LOGGING_BODY)
    ready = [tmp_path / "ready-1", tmp_path / "ready-2"]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PARSE_ONCE_SCRIPT, str(reader), str(raw_file), str(mine)]
            + [str(path) for path in ready],
            stdout=subprocess.PIPE,
            text=True,
        )
        for mine in ready
    ]
    outputs = [process.communicate(timeout=60)[0].strip() for process in processes]
    assert [process.returncode for process in processes] == [0, 0]
    assert outputs == ["1.5", "1.5"]
    assert 1 <= len(Path(f"{raw_file}.parses").read_text().splitlines()) <= 2
    (entry,) = interim.entries(interim_dir)
    assert pd.read_parquet(entry)["value"].tolist()[0] == 1.5
    assert not list(interim_dir.rglob("*.part"))


def test_an_unwritable_interim_folder_still_returns_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw_file: Path
) -> None:
    """No entry can be made (the folder's parent is a file, which stops root
    too): the reader's table is returned, parsed each time."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv(interim.DIR_VARIABLE, str(blocker / "interim"))
    monkeypatch.delenv(interim.SWITCH_VARIABLE, raising=False)
    module = load_reader_module(tmp_path / "toy_reader.py", BODY)
    assert module.read(raw_file)["value"].tolist()[0] == 1.5
    assert module.read(raw_file)["code"].tolist() == ["A", "B"]
    assert len(module.CALLS) == 2
