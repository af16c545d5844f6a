"""A relative ICSFIN_DATA_MIRROR keeps meaning the folder it was given in, inside the kernels."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import workflow
from helpers.data import acquire


def test_build_stops_at_once_on_a_mirror_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(acquire, "acquire_all", lambda *_: ran.append("ran"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ICSFIN_DATA_MIRROR", "../shraed/data")
    with pytest.raises(SystemExit) as stopped:
        workflow.prepare()
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert f"mirror folder {(tmp_path / '../shraed/data').resolve()} does not exist" in err
    assert "ICSFIN_DATA_MIRROR='../shraed/data'" in err and ran == []
