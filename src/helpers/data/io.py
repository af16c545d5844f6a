"""Atomic, deterministic writing and reading of processed tables.

Writes meant for ``data/processed`` go to the results folder: ``$ICSFIN_RESULTS_DIR``, which the
workflow sets for its jobs (``.build/processed``; Snakemake's ``publish`` rule copies the files
into ``data/processed`` once every stage has succeeded), else ``notebooks/scratch/results``. So a
notebook run in JupyterLab, with nbconvert or with papermill never changes ``data/processed``.
Reads look in the results folder first, so a notebook sees what it wrote itself. The results
folder must lie inside the repository.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from helpers.data.safe_text import neutralise_formulas, restore_formulas
from helpers.paths import PROCESSED_DIR, RESULTS_VARIABLE, ROOT, SCRATCH_RESULTS_DIR
from helpers.precision import round_frame

if TYPE_CHECKING:  # pandas is imported where tables are read: the build runner needs none
    import pandas as pd


def results_dir() -> Path:
    """The results folder (``$ICSFIN_RESULTS_DIR`` or ``notebooks/scratch/results``); a
    folder outside the repository is refused with ValueError."""
    folder = Path(os.environ.get(RESULTS_VARIABLE) or SCRATCH_RESULTS_DIR).resolve()
    if not folder.is_relative_to(ROOT):
        raise ValueError(f"{RESULTS_VARIABLE}={folder} lies outside the repository {ROOT}")
    return folder


def staged(path: Path) -> Path:
    """Where a write to ``path`` goes: the results folder for files of ``data/processed``
    (see the module docstring), else ``path`` itself."""
    if path.resolve().parent == PROCESSED_DIR.resolve():
        return results_dir() / path.name
    return path


def give_user_permissions(path: Path) -> None:
    """Set a written file's mode from the user's umask (temporary files are created 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)


def temporary_beside(path: Path) -> Path:
    """A new empty file beside ``path`` (``.<name>.<random>.part``, created so no other process
    gets the same name), to be renamed onto ``path`` once written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    return Path(name)


def atomic_write(path: Path, write: Callable[[Path], None], *, redirect: bool = True) -> Path:
    """Call ``write`` on a temporary file beside ``path`` and rename it into place.

    Nothing half written is left behind: on error the temporary file is removed and any
    earlier version of ``path`` is kept. Returns where the file went (see :func:`staged`;
    ``redirect=False``: always ``path``, as when the workflow publishes into data/processed).
    """
    path = staged(path) if redirect else path
    temporary = temporary_beside(path)
    try:
        write(temporary)
        give_user_permissions(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def table_csv(frame: pd.DataFrame) -> str:
    """The one CSV form of every table the project writes (processed files, downloads).

    Floats at the declared precision (:mod:`helpers.precision`), no index, ``\\n`` line ends:
    the same frame gives the same bytes on any machine.
    """
    return neutralise_formulas(round_frame(frame)).to_csv(index=False, lineterminator="\n")


def write_processed(frame: pd.DataFrame, name: str, directory: Path = PROCESSED_DIR) -> Path:
    """Write ``frame`` as ``<name>.parquet`` or ``<name>.csv`` (by suffix) in data/processed.

    Floats are written at the declared precision (:mod:`helpers.precision`) in both formats.
    """
    path = directory / name
    if path.suffix == ".parquet":
        rounded = round_frame(frame)
        return atomic_write(path, lambda tmp: rounded.to_parquet(tmp, index=False))
    if path.suffix == ".csv":
        text = table_csv(frame)
        return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline=""))
    raise ValueError(f"{name}: processed tables are .parquet or .csv")


def read_processed(name: str, directory: Path = PROCESSED_DIR) -> pd.DataFrame:
    """Read a processed table written by :func:`write_processed` (CSV text as it was given)."""
    path = directory / name
    if staged(path) != path and staged(path).is_file():
        path = staged(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run the pipeline (make report) first")
    return _read_file(path)


def _read_file(path: Path) -> pd.DataFrame:
    """A processed file's table; a damaged or empty file is a DataError naming it."""
    import pandas as pd

    from helpers.errors import DataError

    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return restore_formulas(pd.read_csv(path))
    except (ValueError, OSError) as error:  # pandas' and pyarrow's parse errors derive from these
        raise DataError(
            f"{path}: cannot be read as a processed table ({type(error).__name__}: {error}); "
            "rebuild it with make report"
        ) from error
