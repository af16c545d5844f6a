"""Parse a stage's raw tables in a second process while the stage runs (cold builds).

On a cold build (no interim tables yet) the panel stage spends most of its time parsing raw
files, one after another, while the second core waits. A stage may declare in ``stages.yaml``
the reader calls it makes (``prefetch:``, e.g. ``healthyr.load("rtt_stp")``); the pipeline then
starts a *prefetcher* beside the stage that makes the same calls, in the declared order. Each
call parses its raw file into the interim layer (:mod:`helpers.interim`), under the same per-call
lock the stage takes, so every file is still parsed once: the stage finds the table ready, or
waits for the prefetcher to finish it. List the calls in the reverse of the order the stage
makes them, so the two processes start at opposite ends.

The prefetcher only saves time. Its results are discarded, its errors ignored (the stage meets
the same error and reports it), and the stage computes exactly what it computes alone. A test
checks that each declared call is one the stage's helper code makes.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

#: Package whose modules a declared call may use.
READERS_PACKAGE = "helpers.readers"


class PrefetchDeclarationError(ValueError):
    """A ``prefetch:`` entry that is not a reader call with literal arguments."""


@dataclass(frozen=True)
class ReaderCall:
    """``<module>.<function>(*arguments, **keywords)`` of a module in :data:`READERS_PACKAGE`."""

    module: str
    function: str
    arguments: tuple[Any, ...] = ()
    keywords: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        parts = [repr(value) for value in self.arguments]
        parts += [f"{name}={value!r}" for name, value in self.keywords]
        return f"{self.module}.{self.function}({', '.join(parts)})"

    def run(self) -> object:
        """Import the reader module and make the call."""
        module = importlib.import_module(f"{READERS_PACKAGE}.{self.module}")
        return getattr(module, self.function)(*self.arguments, **dict(self.keywords))


def parse_call(text: str, where: str) -> ReaderCall:
    """The :class:`ReaderCall` written as ``text``, e.g. ``demographr.load(2019, by_age=False)``.

    Raises:
        PrefetchDeclarationError: ``text`` is not ``module.function(...)`` with literal
            arguments, naming ``where`` (file and key) and what was expected.
    """
    expected = 'expected a reader call with literal arguments, e.g. healthyr.load("rtt_stp")'
    try:
        call = ast.parse(str(text).strip(), mode="eval").body
    except SyntaxError:
        raise PrefetchDeclarationError(f"{where}: {text!r} is not Python; {expected}") from None
    if not (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
    ):
        raise PrefetchDeclarationError(f"{where}: {text!r}: {expected}")
    try:
        arguments = tuple(ast.literal_eval(argument) for argument in call.args)
        keywords = tuple(
            (str(keyword.arg), ast.literal_eval(keyword.value)) for keyword in call.keywords
        )
    except ValueError:
        raise PrefetchDeclarationError(f"{where}: {text!r}: {expected}") from None
    return ReaderCall(call.func.value.id, call.func.attr, arguments, keywords)


def check_modules(calls: Sequence[ReaderCall], readers_dir: Path, where: str) -> None:
    """Raise PrefetchDeclarationError naming ``where`` if a call's module is not a reader in
    ``readers_dir`` (without importing it)."""
    for call in calls:
        if not (readers_dir / f"{call.module}.py").is_file():
            known = sorted(p.stem for p in readers_dir.glob("*.py") if not p.stem.startswith("_"))
            raise PrefetchDeclarationError(
                f"{where}: {call}: no reader module {call.module!r}; readers: {known}"
            )


def calls_in(tree: ast.AST) -> set[ReaderCall]:
    """Every reader call in ``tree`` with literal arguments (the form a declaration takes),
    with the module named as it is in :data:`READERS_PACKAGE` (``from helpers.readers import
    imd as imd_reader`` makes ``imd_reader.load(...)`` a call of ``imd``): for checking
    declarations against the code that makes them."""
    modules = {
        alias.asname or alias.name: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == READERS_PACKAGE
        for alias in node.names
    }
    found = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        with contextlib.suppress(PrefetchDeclarationError):
            call = parse_call(ast.unparse(node), "code")
            if call.module in modules:
                found.add(
                    ReaderCall(modules[call.module], call.function, call.arguments, call.keywords)
                )
    return found


def _stop(_signum: int, _frame: object) -> None:
    """SIGTERM in the prefetcher: unwind, so a table being written is cleaned up."""
    raise SystemExit(0)


def run_calls(environment: dict[str, str], calls: Sequence[ReaderCall]) -> None:
    """The prefetcher's body: make each call with the stage's environment (the data mirror),
    silently; stop quietly on SIGTERM (the stage finished first)."""
    signal.signal(signal.SIGTERM, _stop)
    os.environ.clear()
    os.environ.update(environment)
    with open(os.devnull, "w", encoding="utf-8") as quiet:
        sys.stdout = sys.stderr = quiet
        for call in calls:
            with contextlib.suppress(Exception):
                call.run()


def start(context: BaseContext, calls: Sequence[ReaderCall]) -> BaseProcess:
    """Start a prefetcher process (from ``context``) making ``calls``."""
    process = context.Process(target=run_calls, args=(dict(os.environ), tuple(calls)))
    process.start()
    return process


def stop(process: BaseProcess) -> None:
    """Stop a prefetcher that is still running (its stage has finished) and wait for it."""
    if process.is_alive():
        process.terminate()
    process.join(timeout=10)
    if process.is_alive():  # pragma: no cover - a call that ignores SIGTERM
        process.kill()
        process.join()
