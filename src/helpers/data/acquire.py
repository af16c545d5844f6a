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

from helpers.data.io import give_user_permissions
from helpers.data.sources import Source, load_sources, source_by_file
from helpers.errors import AcquisitionError
from helpers.paths import RAW_DIR, SOURCES_FILE

LOGGER = logging.getLogger(__name__)
MIRROR_VARIABLE = "ICSFIN_DATA_MIRROR"
OFFLINE_VARIABLE = "ICSFIN_OFFLINE"
#: The mirror value as the user gave it, kept for messages once it has been made absolute.
MIRROR_AS_GIVEN_VARIABLE = "ICSFIN_DATA_MIRROR_AS_GIVEN"


def resolve_mirror(value: str | None = None, base: Path | None = None) -> Path | None:
    """The mirror folder as an absolute path, or None when ``ICSFIN_DATA_MIRROR`` is unset.

    A relative value is resolved against ``base`` (default: the current working directory,
    i.e. the folder the command was started in), once; the pipeline passes the resolved path
    on to notebook kernels, which run with ``notebooks/`` as their working directory.
    """
    value = os.environ.get(MIRROR_VARIABLE) if value is None else value
    if not value:
        return None
    path = Path(value).expanduser()
    return (path if path.is_absolute() else (base or Path.cwd()) / path).resolve()


def describe_mirror(mirror: Path | None) -> str:
    """How the mirror is set, for every acquisition message: the resolved path, or unset."""
    if mirror is None:
        return f"mirror: none ({MIRROR_VARIABLE} unset)"
    given = os.environ.get(MIRROR_AS_GIVEN_VARIABLE) or os.environ.get(MIRROR_VARIABLE)
    origin = f" ({MIRROR_VARIABLE}={given!r})" if given and given != str(mirror) else ""
    state = "" if mirror.is_dir() else ", which does not exist"
    return f"mirror: {mirror}{origin}{state}"


def check_mirror(mirror: Path | None) -> None:
    """Raise AcquisitionError when a mirror is named but is not an existing folder."""
    if mirror is not None and not mirror.is_dir():
        given = os.environ.get(MIRROR_VARIABLE, str(mirror))
        raise AcquisitionError(
            f"mirror folder {mirror} does not exist ({MIRROR_VARIABLE}={given!r}, resolved "
            f"against {Path.cwd()}): set {MIRROR_VARIABLE} to the folder holding MANIFEST.csv "
            "(an absolute path, or one relative to where you run make), or unset it"
        )


def export_resolved_mirror() -> Path | None:
    """Resolve ``ICSFIN_DATA_MIRROR`` once and write the absolute path back to the environment.

    Child processes (papermill's notebook kernels, whose working directory is ``notebooks/``)
    inherit the absolute path, so a relative value keeps meaning the folder it was given in.
    Raises AcquisitionError when the folder does not exist.
    """
    mirror = resolve_mirror()
    check_mirror(mirror)
    if mirror is not None:
        os.environ.setdefault(MIRROR_AS_GIVEN_VARIABLE, os.environ[MIRROR_VARIABLE])
        os.environ[MIRROR_VARIABLE] = str(mirror)
    return mirror


def _inside(raw_dir: Path, source: Source) -> Path:
    """The destination of ``source`` under ``raw_dir``; refuse one that would escape it."""
    destination = raw_dir / source.file
    if not destination.resolve().is_relative_to(raw_dir.resolve()):
        raise AcquisitionError(
            f"source '{source.dataset_id}' file '{source.file}': resolves to "
            f"{destination.resolve()}, outside {raw_dir}; catalogue paths must be relative "
            "and stay inside data/raw"
        )
    return destination


def sha256_of(path: Path) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _ways_to_supply(source: Source, raw_dir: Path, mirror: Path | None = None) -> str:
    mirror = resolve_mirror() if mirror is None else mirror
    return (
        f"[{describe_mirror(mirror)}] "
        "Supply it in one of three ways: (1) place the original file at "
        f"{raw_dir / source.file}; (2) set {MIRROR_VARIABLE} to a folder holding "
        f"'{source.file}' (e.g. ../shared/data); (3) allow downloads from {source.url}"
    )


def _mismatch(
    source: Source, where: Path, actual: str, raw_dir: Path, mirror: Path | None = None
) -> AcquisitionError:
    return AcquisitionError(
        f"source '{source.dataset_id}' file '{source.file}': checksum mismatch at {where}: "
        f"expected sha256 {source.sha256}, got {actual}. The file is left untouched; "
        f"remove it if it is a bad copy. " + _ways_to_supply(source, raw_dir, mirror)
    )


def _copy_verified(source: Source, mirror: Path, destination: Path, raw_dir: Path) -> None:
    origin = mirror / source.file
    actual = sha256_of(origin)
    if actual != source.sha256:
        raise _mismatch(source, origin, actual, raw_dir, mirror)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=destination.parent, delete=False, suffix=".part") as tmp:
        temporary = Path(tmp.name)
    try:
        shutil.copyfile(origin, temporary)
        if sha256_of(temporary) != source.sha256:
            raise _mismatch(source, temporary, sha256_of(temporary), raw_dir, mirror)
        give_user_permissions(temporary)
        temporary.replace(destination)
    finally:
        temporary.unlink(missing_ok=True)


def _download_verified(
    source: Source, destination: Path, raw_dir: Path, mirror: Path | None
) -> None:
    import pooch

    if os.environ.get(OFFLINE_VARIABLE):
        raise AcquisitionError(
            f"source '{source.dataset_id}' file '{source.file}': not in {raw_dir} nor in the "
            f"mirror ({MIRROR_VARIABLE} unset or lacking it), and downloads are off "
            f"({OFFLINE_VARIABLE} is set). " + _ways_to_supply(source, raw_dir, mirror)
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        pooch.retrieve(
            url=str(source.url),
            known_hash=f"sha256:{source.sha256}",
            fname=destination.name,
            path=destination.parent,
        )
        give_user_permissions(destination)
    except ValueError as error:  # pooch's hash mismatch
        raise AcquisitionError(
            f"source '{source.dataset_id}' file '{source.file}': download from {source.url} "
            f"failed its checksum (expected sha256 {source.sha256}): {error}. "
            + _ways_to_supply(source, raw_dir, mirror)
        ) from error
    except Exception as error:  # network failure of any kind
        raise AcquisitionError(
            f"source '{source.dataset_id}' file '{source.file}': not in {raw_dir}, no mirror "
            f"({MIRROR_VARIABLE}) holding it, and the download from {source.url} failed "
            f"({type(error).__name__}: {error}). " + _ways_to_supply(source, raw_dir, mirror)
        ) from error


def acquire(source: Source, raw_dir: Path = RAW_DIR, mirror: Path | None = None) -> Path:
    """Return a verified local path for ``source``, acquiring it if needed."""
    destination = _inside(raw_dir, source)
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
    mirror = resolve_mirror() if mirror is None else mirror
    check_mirror(mirror)
    if mirror is not None and (mirror / source.file).is_file():
        LOGGER.info("copying %s from %s", source.file, describe_mirror(mirror))
        _copy_verified(source, mirror, destination, raw_dir)
        return destination
    if not os.environ.get(OFFLINE_VARIABLE):  # offline: _download_verified explains, silently
        LOGGER.info("downloading %s from %s [%s]", source.file, source.url, describe_mirror(mirror))
    _download_verified(source, destination, raw_dir, mirror)
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
        mirror = export_resolved_mirror()
        paths = acquire_all()
    except AcquisitionError as error:
        print(f"ACQUISITION FAILED: {error}", file=sys.stderr)
        return 1
    print(f"{len(paths)} raw files present and verified in {RAW_DIR} ({describe_mirror(mirror)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
