"""Reader calls declared for prefetching: parsing, checking, running and stopping."""

from __future__ import annotations

import ast
import sys
import time
import types
from multiprocessing import get_context
from pathlib import Path

import pytest

from helpers import prefetch
from helpers.prefetch import PrefetchDeclarationError, ReaderCall


def test_a_declared_call_is_parsed_with_its_literal_arguments() -> None:
    call = prefetch.parse_call("demographr.load(2019, by_age=False)", "stages.yaml: x")
    assert call == ReaderCall("demographr", "load", (2019,), (("by_age", False),))
    assert str(call) == "demographr.load(2019, by_age=False)"
    assert prefetch.parse_call("sickness_absence.load()", "w") == ReaderCall(
        "sickness_absence", "load"
    )


@pytest.mark.parametrize(
    "text", ["healthyr.load(table)", "load('x')", "healthyr.load(", "a.b.load()", "42"]
)
def test_anything_but_a_reader_call_with_literals_is_refused_naming_where(text: str) -> None:
    with pytest.raises(PrefetchDeclarationError, match=r"^stages.yaml: stages.01.prefetch: "):
        prefetch.parse_call(text, "stages.yaml: stages.01.prefetch")


def test_modules_are_checked_against_the_readers_folder(tmp_path: Path) -> None:
    (tmp_path / "healthyr.py").write_text("")
    (tmp_path / "_common.py").write_text("")
    prefetch.check_modules([ReaderCall("healthyr", "load", ("rtt_stp",))], tmp_path, "w")
    expected = r"no reader module 'nope'; readers: \['healthyr'\]"
    with pytest.raises(PrefetchDeclarationError, match=expected):
        prefetch.check_modules([ReaderCall("nope", "load")], tmp_path, "w")


def test_calls_in_code_name_the_reader_module_behind_an_alias() -> None:
    code = (
        "from helpers.readers import imd as imd_reader, healthyr\n"
        "from helpers import other\n"
        "imd_reader.load('imd2025_icb24')\n"
        "healthyr.load('rtt_stp')\n"
        "healthyr.load(name)\n"  # not literal: not a declarable call
        "other.load('x')\n"  # not a reader module
    )
    assert prefetch.calls_in(ast.parse(code)) == {
        ReaderCall("imd", "load", ("imd2025_icb24",)),
        ReaderCall("healthyr", "load", ("rtt_stp",)),
    }


@pytest.fixture()
def fake_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A reader module ``helpers.readers.fake_reader`` whose calls leave a trace in tmp_path."""
    module = types.ModuleType("helpers.readers.fake_reader")

    def load(name: str) -> None:
        (tmp_path / name).write_text("parsed")

    def fail() -> None:
        print("noise")
        raise RuntimeError("a broken raw file")

    def hang() -> None:
        (tmp_path / "hanging").write_text("")
        time.sleep(60)

    module.load, module.fail, module.hang = load, fail, hang  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "helpers.readers.fake_reader", module)
    return tmp_path


def test_the_prefetcher_makes_every_call_and_ignores_errors(
    fake_reader: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    calls = [
        ReaderCall("fake_reader", "fail"),
        ReaderCall("fake_reader", "load", ("first",)),
        ReaderCall("fake_reader", "load", ("second",)),
    ]
    process = prefetch.start(get_context("fork"), calls)
    process.join(timeout=30)
    assert process.exitcode == 0
    assert (fake_reader / "first").read_text() == "parsed"
    assert (fake_reader / "second").is_file()
    assert "noise" not in capfd.readouterr().out  # the prefetcher is silent


def test_a_prefetcher_still_running_is_stopped(fake_reader: Path) -> None:
    process = prefetch.start(get_context("fork"), [ReaderCall("fake_reader", "hang")])
    deadline = time.monotonic() + 30
    while not (fake_reader / "hanging").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    prefetch.stop(process)
    assert not process.is_alive() and time.monotonic() - started < 5
    assert process.exitcode == 0  # SIGTERM unwinds it (SystemExit), cleaning up as it goes
