"""Acquire raw inputs by checksum: data/raw first, then a mirror folder, then the pinned URL.

A file already in ``data/raw/`` with the right SHA-256 is used as it is. Otherwise it is copied
from the folder named by the environment variable ``ICSFIN_DATA_MIRROR`` or, failing that,
downloaded from its commit-pinned URL with pooch. Every copy is hash-verified before it is
placed (write to a temporary file, then rename), and raw files are never modified.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from helpers.errors import AcquisitionError
from helpers.paths import RAW_DIR, SOURCES_FILE
from helpers.sources import Source, load_sources, source_by_file

LOGGER = logging.getLogger(__name__)
MIRROR_VARIABLE = "ICSFIN_DATA_MIRROR"
OFFLINE_VARIABLE = "ICSFIN_OFFLINE"


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _ways_to_supply(source: Source, raw_dir: Path) -> str:
    return (
        "Supply it in one of three ways: (1) place the original file at "
        f"{raw_dir / source.file}; (2) set {MIRROR_VARIABLE} to a folder holding "
        f"'{source.file}' (e.g. ../shared/data); (3) allow downloads from {source.url}"
    )


def _mismatch(source: Source, where: Path, actual: str, raw_dir: Path) -> AcquisitionError:
    return AcquisitionError(
        f"source '{source.dataset_id}' file '{source.file}': checksum mismatch at {where}: "
        f"expected sha256 {source.sha256}, got {actual}. The file is left untouched; "
        f"remove it if it is a bad copy. " + _ways_to_supply(source, raw_dir)
    )


def _copy_verified(source: Source, origin: Path, destination: Path, raw_dir: Path) -> None:
    actual = sha256_of(origin)
    if actual != source.sha256:
        raise _mismatch(source, origin, actual, raw_dir)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=destination.parent, delete=False, suffix=".part") as tmp:
        temporary = Path(tmp.name)
    try:
        shutil.copyfile(origin, temporary)
        if sha256_of(temporary) != source.sha256:
            raise _mismatch(source, temporary, sha256_of(temporary), raw_dir)
        temporary.replace(destination)
    finally:
        temporary.unlink(missing_ok=True)


def _download_verified(source: Source, destination: Path, raw_dir: Path) -> None:
    import pooch

    if os.environ.get(OFFLINE_VARIABLE):
        raise AcquisitionError(
            f"source '{source.dataset_id}' file '{source.file}': not in {raw_dir} and no mirror "
            f"({MIRROR_VARIABLE} unset or lacking it), and downloads are off "
            f"({OFFLINE_VARIABLE} is set). " + _ways_to_supply(source, raw_dir)
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        pooch.retrieve(
            url=str(source.url),
            known_hash=f"sha256:{source.sha256}",
            fname=destination.name,
            path=destination.parent,
        )
    except ValueError as error:  # pooch's hash mismatch
        raise AcquisitionError(
            f"source '{source.dataset_id}' file '{source.file}': download from {source.url} "
            f"failed its checksum (expected sha256 {source.sha256}): {error}. "
            + _ways_to_supply(source, raw_dir)
        ) from error
    except Exception as error:  # network failure of any kind
        raise AcquisitionError(
            f"source '{source.dataset_id}' file '{source.file}': not in {raw_dir}, no mirror "
            f"({MIRROR_VARIABLE}) holding it, and the download from {source.url} failed "
            f"({type(error).__name__}: {error}). " + _ways_to_supply(source, raw_dir)
        ) from error


def acquire(source: Source, raw_dir: Path = RAW_DIR, mirror: Path | None = None) -> Path:
    """Return a verified local path for ``source``, acquiring it if needed."""
    destination = raw_dir / source.file
    if source.is_curated:
        if not destination.is_file():
            raise AcquisitionError(
                f"curated source '{source.file}' is missing from {raw_dir}: it is committed "
                "to the repository; restore it with git"
            )
        return destination
    if destination.is_file():
        actual = sha256_of(destination)
        if actual != source.sha256:
            raise _mismatch(source, destination, actual, raw_dir)
        return destination
    if mirror is None and os.environ.get(MIRROR_VARIABLE):
        mirror = Path(os.environ[MIRROR_VARIABLE])
    if mirror is not None and (mirror / source.file).is_file():
        LOGGER.info("copying %s from mirror %s", source.file, mirror)
        _copy_verified(source, mirror / source.file, destination, raw_dir)
        return destination
    if not os.environ.get(OFFLINE_VARIABLE):  # offline: _download_verified explains, silently
        LOGGER.info("downloading %s from %s", source.file, source.url)
    _download_verified(source, destination, raw_dir)
    return destination


def fetch(file: str) -> Path:
    """Verified local path of one raw file, by catalogue key ('imd/imd2025_england_icb24.rda')."""
    return acquire(source_by_file(file))


def acquire_all(sources_file: Path = SOURCES_FILE, raw_dir: Path = RAW_DIR) -> list[Path]:
    """Acquire and verify every source in the catalogue; return their local paths."""
    return [acquire(source, raw_dir) for source in load_sources(sources_file)]


def main() -> int:
    """Command line: acquire and verify every catalogued raw input, one line per file."""
    import sys

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        paths = acquire_all()
    except AcquisitionError as error:
        print(f"ACQUISITION FAILED: {error}", file=sys.stderr)
        return 1
    print(f"{len(paths)} raw files present and verified in {RAW_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
