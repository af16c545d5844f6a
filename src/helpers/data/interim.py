"""The interim layer: each raw file is parsed once, and the parsed table kept in ``data/interim/``.

A reader function decorated with :func:`cached` is called as before (paths in, a DataFrame out).
The first call parses the raw file and stores the result as Parquet; later calls, in this or any
other process (every pipeline stage, the tests), read the Parquet copy instead. An entry is keyed
by:

- the SHA-256 and name of every raw file passed to the reader (a changed file gets a new key);
- the source code of the reader's module and of every ``helpers`` module it uses, transitively
  (a changed reader invalidates exactly the entries of the readers that use it);
- the other arguments of the call, and the versions of the parsing libraries.

Entries are written atomically (temporary file, then rename), and only when the table comes back
from Parquet identical to what the reader returned (values, dtypes, index, ``attrs``); a table
Parquet cannot hold exactly (e.g. shapely geometries) is simply not cached. Stale entries of the
same reader and arguments are removed when a new one is written. Two jobs running at the same
time that need the same missing entry may both parse it (each writes the same table
atomically; no locks). ``data/interim/`` is git-ignored and safe to delete (``make clean``).
Set ``ICSFIN_INTERIM=off`` to bypass the layer;
``ICSFIN_INTERIM_DIR`` moves it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ParamSpec

from helpers.paths import INTERIM_DIR

if TYPE_CHECKING:  # pandas where tables are stored or read: the build runner's checks need none
    import pandas as pd

LOGGER = logging.getLogger(__name__)
SWITCH_VARIABLE = "ICSFIN_INTERIM"
DIR_VARIABLE = "ICSFIN_INTERIM_DIR"
LAYOUT_VERSION = 1
PARSER_PACKAGES: tuple[str, ...] = ("pandas", "pyarrow", "pyreadr", "python-calamine", "numpy")

P = ParamSpec("P")


def interim_dir() -> Path:
    """Folder of the interim tables (``data/interim``, or ``$ICSFIN_INTERIM_DIR``)."""
    override = os.environ.get(DIR_VARIABLE)
    return Path(override).resolve() if override else INTERIM_DIR


def enabled() -> bool:
    """False when ``ICSFIN_INTERIM`` is ``off`` (or ``0``/``false``/``no``)."""
    return os.environ.get(SWITCH_VARIABLE, "on").strip().lower() not in {"off", "0", "false", "no"}


@functools.cache
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file; memoised per process on (path, size, modification time)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of ``path`` (re-hashed whenever its size or modification time changes)."""
    status = path.stat()
    return _file_digest(str(path.resolve()), status.st_size, status.st_mtime_ns)


def _helpers_modules_used(module: ModuleType) -> set[str]:
    """Names of the ``helpers`` modules that ``module`` refers to in its namespace."""
    used: set[str] = set()
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", "")
        if isinstance(name, str) and name.startswith("helpers."):
            used.add(name)
    return used


@functools.cache
def code_fingerprint(module_name: str) -> str:
    """Hash of the source of ``module_name`` and of the helpers modules it uses, transitively."""
    seen: set[str] = set()
    pending = [module_name]
    while pending:
        name = pending.pop()
        if name in seen or name not in sys.modules:
            continue
        seen.add(name)
        pending.extend(_helpers_modules_used(sys.modules[name]))
    digest = hashlib.sha256()
    for name in sorted(seen):
        source = inspect.getsourcefile(sys.modules[name])
        digest.update(name.encode())
        digest.update(Path(source).read_bytes() if source else b"")
    return digest.hexdigest()


@functools.cache
def _parser_versions() -> str:
    versions = []
    for package in PARSER_PACKAGES:
        try:
            versions.append(f"{package}=={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{package}==absent")
    return ";".join(versions)


def _describe(value: Any) -> Any:
    """JSON-able description of an argument: files by name and content hash."""
    if isinstance(value, Path):
        return {"file": value.name, "sha256": file_digest(value)}
    if isinstance(value, list | tuple):
        return [_describe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _describe(item) for key, item in sorted(value.items())}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"interim cache: cannot key an argument of type {type(value).__name__}")


def _label(value: Any) -> Any:
    """Like :func:`_describe` but without content hashes: which call this is, not which bytes."""
    if isinstance(value, Path):
        return value.name
    if isinstance(value, list | tuple):
        return [_label(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _label(item) for key, item in sorted(value.items())}
    return value


def _short(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def entry_path(reader: Callable[..., Any], arguments: dict[str, Any]) -> Path:
    """Where the interim table of ``reader`` called with ``arguments`` lives."""
    module = reader.__module__
    call = _short({"reader": reader.__qualname__, "arguments": _label(arguments)})[:12]
    key = _short(
        {
            "version": LAYOUT_VERSION,
            "reader": f"{module}.{reader.__qualname__}",
            "code": code_fingerprint(module),
            "parsers": _parser_versions(),
            "arguments": _describe(arguments),
        }
    )[:20]
    folder = interim_dir() / module.removeprefix("helpers.").replace(".", "/")
    return folder / f"{reader.__name__}__{call}__{key}.parquet"


def identical(first: pd.DataFrame, second: pd.DataFrame) -> bool:
    """True when two tables match in values, dtypes, column names, index and ``attrs``."""
    return (
        list(first.columns) == list(second.columns)
        and list(first.dtypes) == list(second.dtypes)
        and first.index.equals(second.index)
        and type(first.index) is type(second.index)
        and first.attrs == second.attrs
        and first.equals(second)
    )


def _store(frame: pd.DataFrame, path: Path) -> bool:
    """Write ``frame`` to ``path`` atomically if Parquet holds it exactly; True if stored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".part")
    except OSError as error:  # a folder that cannot be written: the table is just not kept
        LOGGER.info("%s: not cached (%s)", path.name, error)
        return False
    os.close(handle)
    temporary = Path(name)
    import pandas as pd

    try:
        frame.to_parquet(temporary)
        if not identical(frame, pd.read_parquet(temporary)):
            LOGGER.info("%s: not cached (Parquet does not hold it exactly)", path.name)
            return False
        temporary.replace(path)
    except (TypeError, ValueError, ImportError, OSError) as error:  # pyarrow type errors included
        LOGGER.info("%s: not cached (%s: %s)", path.name, type(error).__name__, error)
        return False
    finally:
        temporary.unlink(missing_ok=True)
    for stale in path.parent.glob(path.name.rsplit("__", 1)[0] + "__*.parquet"):
        if stale != path:
            stale.unlink(missing_ok=True)
    return True


def _read_entry(path: Path) -> pd.DataFrame | None:
    """The stored table at ``path``; None when there is none or it is damaged."""
    if not path.is_file():
        return None
    import pandas as pd

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as error:  # a damaged entry: parse again
        LOGGER.info("%s: unreadable interim entry (%s); re-parsing", path.name, error)
        return None


def cached(reader: Callable[P, pd.DataFrame]) -> Callable[P, pd.DataFrame]:
    """Decorate a reader (raw paths in, DataFrame out) so each raw file is parsed only once."""
    signature = inspect.signature(reader)

    @functools.wraps(reader)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> pd.DataFrame:
        if not enabled():
            return reader(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        try:
            path = entry_path(reader, dict(bound.arguments))
        except (TypeError, OSError):
            return reader(*args, **kwargs)  # an argument that cannot be keyed, or no such file
        stored = _read_entry(path)
        if stored is not None:
            return stored
        frame = reader(*args, **kwargs)
        _store(frame, path)
        return frame

    wrapper.uncached = reader  # type: ignore[attr-defined]
    return wrapper


def entries(directory: Path | None = None) -> Iterator[Path]:
    """Every interim table currently stored."""
    yield from sorted((directory or interim_dir()).rglob("*.parquet"))
