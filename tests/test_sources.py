"""The raw-source catalogue and its construction from the mirror's MANIFEST."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.data.sources import load_sources, manifest_to_sources, reader_for
from helpers.errors import DataError
from helpers.paths import CURATED_DIR

MANIFEST_HEADER = (
    "dataset_id,file,bytes,sha256,upstream_repo,upstream_commit,upstream_path,download_url,"
    "official_source,licence,format,notes\n"
)


def test_manifest_rows_become_catalogue_entries(tmp_path: Path) -> None:
    manifest = tmp_path / "MANIFEST.csv"
    manifest.write_text(
        MANIFEST_HEADER
        + "census,census/t.csv,10,abc,o/r,c,p,https://x/t.csv,ONS,OGL,"
        + '"CSV with preamble (header on line 6)",n\n'
        + "curated,curated/f.csv,5,def,,,,,compiled,facts,CSV,n\n",
        encoding="utf-8",
    )
    entries = manifest_to_sources(manifest)
    assert [entry["file"] for entry in entries] == ["census/t.csv", "curated/f.csv"]
    assert entries[0]["header_line"] == 6 and entries[0]["sha256"] == "abc"
    assert entries[1]["origin"] == "curated" and entries[1]["sha256"] is None


def test_reader_is_chosen_by_extension() -> None:
    assert reader_for("a/b.rda") == "rda"
    assert reader_for("a/b.xlsx") == "xlsx"
    with pytest.raises(DataError, match="no reader for extension '.txt'"):
        reader_for("a/b.txt")


def test_mirrored_entry_without_hash_is_rejected(tmp_path: Path) -> None:
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text(
        "sources:\n- dataset_id: x\n  file: x/a.csv\n  origin: mirrored\n  url: https://x.org/a\n"
        "  official_source: o\n  licence: l\n  reader: csv\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="mirrored source x/a.csv needs sha256 and url"):
        load_sources(catalogue)


def test_committed_catalogue_lists_every_curated_file() -> None:
    catalogue = load_sources()
    curated = {source.file for source in catalogue if source.is_curated}
    on_disk = {f"curated/{path.name}" for path in CURATED_DIR.glob("*.csv")}
    assert curated == on_disk
    mirrored = [source for source in catalogue if not source.is_curated]
    assert all(len(source.sha256 or "") == 64 for source in mirrored)
    assert all((source.url or "").startswith("https://") for source in mirrored)


def _catalogue_with(tmp_path: Path, file: str, url: str) -> Path:
    catalogue = tmp_path / "sources.yaml"
    catalogue.write_text(
        f"sources:\n- dataset_id: x\n  file: '{file}'\n  origin: mirrored\n  sha256: abc\n"
        f"  url: '{url}'\n  official_source: o\n  licence: l\n  reader: csv\n",
        encoding="utf-8",
    )
    return catalogue


@pytest.mark.parametrize("file", ["../escape.csv", "x/../../escape.csv", "/etc/passwd", "~/a.csv"])
def test_catalogue_paths_leaving_data_raw_are_refused(tmp_path: Path, file: str) -> None:
    catalogue = _catalogue_with(tmp_path, file, "https://example.org/a.csv")
    with pytest.raises(DataError) as caught:
        load_sources(catalogue)
    assert f"sources.yaml: source #0 ({file}): file '{file}' must be a relative path" in str(
        caught.value
    )


@pytest.mark.parametrize(
    "url",
    ["http://example.org/a.csv", "ftp://example.org/a.csv", "https://localhost/a", "https:/a"],
)
def test_catalogue_urls_that_are_not_https_with_a_host_are_refused(
    tmp_path: Path, url: str
) -> None:
    catalogue = _catalogue_with(tmp_path, "x/a.csv", url)
    with pytest.raises(DataError) as caught:
        load_sources(catalogue)
    assert f"source #0 (x/a.csv): url '{url}' must be an https:// address with a host" in str(
        caught.value
    )
