"""Acquisition by checksum: data/raw first, then the mirror, then the pinned URL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers.data import acquire
from helpers.data.sources import Source
from helpers.errors import AcquisitionError

CONTENT = b"icb_code,value\nQHM,1\n"
GOOD_HASH = hashlib.sha256(CONTENT).hexdigest()


def make_source(sha256: str = GOOD_HASH, origin: str = "mirrored") -> Source:
    """A one-file catalogue entry pointing at an address that is never contacted."""
    return Source(
        dataset_id="toy",
        file="toy/values.csv",
        sha256=sha256 if origin == "mirrored" else None,
        bytes=len(CONTENT),
        url="https://example.invalid/toy/values.csv",
        official_source="a test fixture",
        licence="CC0",
        reader="csv",
        origin=origin,
    )


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests set the mirror and offline switches themselves."""
    monkeypatch.delenv(acquire.MIRROR_VARIABLE, raising=False)
    monkeypatch.delenv(acquire.OFFLINE_VARIABLE, raising=False)


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_file_in_raw_with_matching_hash_is_used_as_is(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    placed = write(raw / "toy/values.csv", CONTENT)
    before = placed.stat().st_mtime_ns
    assert acquire.acquire(make_source(), raw_dir=raw) == placed
    assert placed.stat().st_mtime_ns == before
    assert placed.read_bytes() == CONTENT


def test_corrupted_raw_file_stops_with_source_id_both_hashes_and_remedies(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    corrupted = write(raw / "toy/values.csv", CONTENT + b"tampered\n")
    with pytest.raises(AcquisitionError) as caught:
        acquire.acquire(make_source(), raw_dir=raw)
    message = str(caught.value)
    assert "source 'toy'" in message
    assert f"expected sha256 {GOOD_HASH}" in message
    assert hashlib.sha256(CONTENT + b"tampered\n").hexdigest() in message
    assert "ICSFIN_DATA_MIRROR" in message and "https://example.invalid" in message
    assert corrupted.read_bytes() == CONTENT + b"tampered\n"  # raw file never modified


def test_missing_file_is_copied_from_the_mirror_and_verified(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    write(mirror / "toy/values.csv", CONTENT)
    raw = tmp_path / "raw"
    path = acquire.acquire(make_source(), raw_dir=raw, mirror=mirror)
    assert path == raw / "toy/values.csv"
    assert path.read_bytes() == CONTENT
    assert [p.name for p in path.parent.iterdir()] == ["values.csv"]  # no temporary left


def test_mirror_is_taken_from_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = tmp_path / "mirror"
    write(mirror / "toy/values.csv", CONTENT)
    monkeypatch.setenv(acquire.MIRROR_VARIABLE, str(mirror))
    path = acquire.acquire(make_source(), raw_dir=tmp_path / "raw")
    assert path.read_bytes() == CONTENT


def test_corrupted_mirror_copy_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    write(mirror / "toy/values.csv", b"something else\n")
    raw = tmp_path / "raw"
    with pytest.raises(AcquisitionError, match="checksum mismatch at .*mirror"):
        acquire.acquire(make_source(), raw_dir=raw, mirror=mirror)
    assert not (raw / "toy/values.csv").exists()


def test_missing_file_without_mirror_offline_names_the_three_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(acquire.OFFLINE_VARIABLE, "1")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AcquisitionError) as caught:
        acquire.acquire(make_source(), raw_dir=tmp_path / "raw", mirror=tmp_path / "empty")
    message = str(caught.value)
    assert "source 'toy' file 'toy/values.csv'" in message
    assert "(1) place the original file at" in message
    assert "(2) set ICSFIN_DATA_MIRROR" in message
    assert "(3) allow downloads from https://example.invalid/toy/values.csv" in message


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ConnectionError("no route to host"), "download from https://example.invalid.*failed"),
        (
            ValueError("SHA256 hash of downloaded file does not match the known hash"),
            "failed its checksum",
        ),
    ],
    ids=["no-route", "wrong-hash"],
)
def test_a_failed_download_is_an_acquisition_error_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, expected: str
) -> None:
    import pooch

    def fail(**_: object) -> str:
        raise error

    monkeypatch.setattr(pooch, "retrieve", fail)
    with pytest.raises(AcquisitionError, match=expected):
        acquire.acquire(make_source(), raw_dir=tmp_path / "raw")
    assert not (tmp_path / "raw/toy/values.csv").exists()


def test_download_is_asked_for_with_the_pinned_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pooch

    calls: list[dict[str, object]] = []

    def fake_retrieve(**kwargs: object) -> str:
        calls.append(kwargs)
        target = Path(str(kwargs["path"])) / str(kwargs["fname"])
        target.write_bytes(CONTENT)
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    path = acquire.acquire(make_source(), raw_dir=tmp_path / "raw")
    assert path.read_bytes() == CONTENT
    assert calls[0]["known_hash"] == f"sha256:{GOOD_HASH}"
    assert calls[0]["url"] == "https://example.invalid/toy/values.csv"


def test_curated_file_must_be_present(tmp_path: Path) -> None:
    with pytest.raises(AcquisitionError, match="committed to the repository"):
        acquire.acquire(make_source(origin="curated"), raw_dir=tmp_path / "raw")
    placed = write(tmp_path / "raw/toy/values.csv", CONTENT)
    assert acquire.acquire(make_source(origin="curated"), raw_dir=tmp_path / "raw") == placed


def test_relative_mirror_is_resolved_against_the_folder_it_was_given_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "shared/data/toy/values.csv", CONTENT)
    (tmp_path / "project/notebooks").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "project")
    monkeypatch.setenv(acquire.MIRROR_VARIABLE, "../shared/data")
    resolved = acquire.export_resolved_mirror()
    assert resolved == (tmp_path / "shared/data").resolve()
    assert acquire.os.environ[acquire.MIRROR_VARIABLE] == str(resolved)  # kernels inherit this
    monkeypatch.chdir(tmp_path / "project/notebooks")  # where papermill runs the kernels
    path = acquire.acquire(make_source(), raw_dir=tmp_path / "project/raw")
    assert path.read_bytes() == CONTENT


def test_acquisition_messages_name_the_resolved_mirror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path / "mirror/toy/values.csv", CONTENT)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(acquire.MIRROR_VARIABLE, "mirror")
    with caplog.at_level("INFO", logger="helpers.data.acquire"):
        acquire.acquire(make_source(), raw_dir=tmp_path / "raw")
    assert f"copying toy/values.csv from mirror: {tmp_path.resolve() / 'mirror'}" in caplog.text
    assert "(ICSFIN_DATA_MIRROR='mirror')" in caplog.text
    monkeypatch.setenv(acquire.OFFLINE_VARIABLE, "1")
    (tmp_path / "mirror/toy/values.csv").unlink()
    with pytest.raises(AcquisitionError) as caught:
        acquire.acquire(make_source(), raw_dir=tmp_path / "raw2")
    assert f"[mirror: {tmp_path.resolve() / 'mirror'} (ICSFIN_DATA_MIRROR='mirror')]" in str(
        caught.value
    )


def test_mirror_folder_that_does_not_exist_is_reported_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(acquire.MIRROR_VARIABLE, "../no/such/mirror")
    expected = (tmp_path / "../no/such/mirror").resolve()
    with pytest.raises(AcquisitionError) as caught:
        acquire.export_resolved_mirror()
    message = str(caught.value)
    assert f"mirror folder {expected} does not exist" in message
    assert "ICSFIN_DATA_MIRROR='../no/such/mirror'" in message
    assert f"resolved against {tmp_path}" in message
    with pytest.raises(AcquisitionError, match="does not exist"):
        acquire.acquire(make_source(), raw_dir=tmp_path / "raw")
    assert not (tmp_path / "raw/toy/values.csv").exists()


def test_mirror_copy_gets_the_users_umask_not_0600(tmp_path: Path) -> None:
    import os

    write(tmp_path / "mirror/toy/values.csv", CONTENT)
    old = os.umask(0o022)
    try:
        path = acquire.acquire(make_source(), raw_dir=tmp_path / "raw", mirror=tmp_path / "mirror")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("file", ["../outside.csv", "toy/../../outside.csv", "/tmp/abs.csv"])
def test_acquire_refuses_a_destination_outside_raw(tmp_path: Path, file: str) -> None:
    import dataclasses

    source = dataclasses.replace(make_source(), file=file)
    with pytest.raises(AcquisitionError, match="outside .*catalogue paths must be relative"):
        acquire.acquire(source, raw_dir=tmp_path / "raw", mirror=tmp_path)


@pytest.mark.realdata
def test_every_catalogued_source_is_acquired_and_verified() -> None:
    from helpers.data.sources import load_sources

    catalogue = load_sources()
    paths = acquire.acquire_all()
    assert len(paths) == len(catalogue)
    mirrored = [s for s, p in zip(catalogue, paths, strict=True) if not s.is_curated]
    assert len(mirrored) == 60  # every public file in the mirror's MANIFEST
    assert all(
        acquire.sha256_of(p) == s.sha256
        for s, p in zip(catalogue, paths, strict=True)
        if not s.is_curated
    )


def test_tests_without_data_stop_with_one_message(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    conftest = Path(__file__).with_name("conftest.py").read_text(encoding="utf-8")
    pytester.makeconftest(conftest)
    pytester.makeini("[pytest]\nmarkers =\n    realdata: needs raw data\n")
    pytester.makepyfile(
        test_a="def test_one(raw_path):\n    assert raw_path\n\n"
        "def test_two(raw_path):\n    assert raw_path\n\n"
        "def test_no_data():\n    assert True\n"
    )

    def unavailable() -> list[Path]:
        raise AcquisitionError("source 'toy' file 'toy/values.csv': not in data/raw")

    monkeypatch.setattr(acquire, "acquire_all", unavailable)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == 1
    output = result.stdout.str() + result.stderr.str()
    assert "2 of the 3 selected tests need the raw data, which could not be acquired" in output
    assert "source 'toy' file 'toy/values.csv'" in output
    assert "ICSFIN_DATA_MIRROR=../shared/data make test" in output
    assert "-m 'not realdata'" in output
    assert output.count("need the raw data") == 1 and "passed" not in output
    deselected = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-m", "not realdata")
    deselected.assert_outcomes(passed=1)
