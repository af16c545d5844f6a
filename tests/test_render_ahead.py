"""Rendering the report while the stages run, and publishing it only if its inputs held."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import pipeline, render
from helpers.pipeline import PipelineLayout, render_ahead, render_key, render_report_stage
from helpers.report import ReportLayout

NOTEBOOK = "01_demo_notebook.ipynb"


@pytest.fixture()
def layout(tmp_path: Path) -> PipelineLayout:
    """A miniature project: one notebook, one table, a report folder with an asset."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / NOTEBOOK).write_text("first version")
    (tmp_path / "processed").mkdir()
    (tmp_path / "processed" / "numbers_demo.json").write_text('{"n": 1}')
    (tmp_path / "report" / "assets").mkdir(parents=True)
    (tmp_path / "report" / "index.qmd").write_text("---\ntitle: T\n---\n")
    (tmp_path / "report" / "assets" / "report.css").write_text("body {}\n")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "params.yaml").write_text("common: {}\n")
    (tmp_path / "sources.yaml").write_text("sources: []\n")
    return PipelineLayout(
        root=tmp_path,
        notebooks_dir=tmp_path / "notebooks",
        processed_dir=tmp_path / "processed",
        params_file=tmp_path / "params.yaml",
        helpers_dir=tmp_path / "helpers",
        sources_file=tmp_path / "sources.yaml",
        report_dir=tmp_path / "report",
        build_dir=tmp_path / ".build",
    )


class FakeRender:
    """Stands in for ``render.render_report``: writes the notebook's text as the 'report' into
    whichever report folder it is given, recording each call (and running ``during``)."""

    def __init__(self, during: Callable[[], None] | None = None) -> None:
        self.calls: list[Path] = []
        self.during = during

    def __call__(
        self, report: Callable[[str], None], layout: ReportLayout, use_quarto: bool | None = None
    ) -> str:
        self.calls.append(layout.report_dir)
        text = (layout.notebooks_dir / NOTEBOOK).read_text()
        if self.during is not None:
            self.during()
        (layout.report_dir / "_output").mkdir(exist_ok=True)
        (layout.report_dir / render.FALLBACK_OUTPUT).write_text(text)
        (layout.report_dir / render.FALLBACK_PDF).write_text(f"PDF of {text}")
        layout.variables_file.write_text("n: 1\n")
        report(f"report: rendered {text}")
        return "the fake fallback"


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRender:
    """The fake render, with no Quarto on the PATH."""
    fake_render = FakeRender()
    monkeypatch.setattr(render, "render_report", fake_render)
    monkeypatch.setattr(render, "find_quarto", lambda: None)
    return fake_render


def published(layout: PipelineLayout) -> str:
    """The report the render stage left in place."""
    return (layout.report_dir / render.FALLBACK_OUTPUT).read_text()


def test_a_render_made_ahead_is_published_when_its_inputs_held(
    layout: PipelineLayout, fake: FakeRender
) -> None:
    messages: list[str] = []
    with render_ahead(layout) as ahead:
        renderer = render_report_stage(messages.append, layout, ahead=ahead)
        staging = ahead.staging
    assert renderer == "the fake fallback"
    assert len(fake.calls) == 1 and fake.calls[0] == staging  # rendered once, in staging
    assert published(layout) == "first version"
    assert (layout.report_dir / render.FALLBACK_PDF).read_text() == "PDF of first version"
    assert (layout.report_dir / "_variables.yml").read_text() == "n: 1\n"
    assert (layout.report_dir / "notebooks" / NOTEBOOK).read_text() == "first version"
    assert any("while the stages ran" in message for message in messages)
    assert not staging.exists()  # the staging folder is removed
    # The state records the render, so the next build skips it.
    assert render_report_stage(messages.append, layout) == "skipped"


def test_a_render_made_ahead_is_discarded_when_a_stage_changes_an_input(
    layout: PipelineLayout, fake: FakeRender
) -> None:
    with render_ahead(layout) as ahead:
        assert ahead.made.result() is not None  # the render ahead finished, on old inputs
        (layout.notebooks_dir / NOTEBOOK).write_text("second version")  # a stage lands
        render_report_stage(lambda _: None, layout, ahead=ahead)
    assert fake.calls == [fake.calls[0], layout.report_dir]  # rendered again, in place
    assert published(layout) == "second version"


def test_inputs_changing_during_the_render_ahead_make_it_unusable(
    layout: PipelineLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stage_lands() -> None:
        (layout.notebooks_dir / NOTEBOOK).write_text("second version")

    fake_render = FakeRender(during=stage_lands)
    monkeypatch.setattr(render, "render_report", fake_render)
    monkeypatch.setattr(render, "find_quarto", lambda: None)
    with render_ahead(layout) as ahead:
        assert ahead.made.result() is None  # the key moved while it rendered
        fake_render.during = None
        render_report_stage(lambda _: None, layout, ahead=ahead)
    assert len(fake_render.calls) == 2
    assert published(layout) == "second version"


def test_nothing_is_rendered_ahead_when_the_report_is_up_to_date(
    layout: PipelineLayout, fake: FakeRender
) -> None:
    render_report_stage(lambda _: None, layout)
    with render_ahead(layout) as ahead:
        assert ahead.made.result() is None
    assert fake.calls == [layout.report_dir]  # only the first render
    with render_ahead(layout, force=True) as ahead:
        assert ahead.made.result() == (render_key(layout), "the fake fallback")


def test_render_key_covers_notebooks_tables_article_and_assets(layout: PipelineLayout) -> None:
    keys = {render_key(layout)}
    for path, text in [
        (layout.notebooks_dir / NOTEBOOK, "changed"),
        (layout.processed_dir / "numbers_demo.json", '{"n": 2}'),
        (layout.report_dir / "index.qmd", "---\ntitle: U\n---\n"),
        (layout.report_dir / "assets" / "report.css", "body { margin: 0 }\n"),
    ]:
        path.write_text(text)
        keys.add(render_key(layout))
    assert len(keys) == 5
    # What the render writes does not move the key.
    before = render_key(layout)
    (layout.report_dir / "_variables.yml").write_text("n: 2\n")
    (layout.report_dir / "_output").mkdir()
    (layout.report_dir / "_output" / "index.html").write_text("<html>")
    assert render_key(layout) == before


def test_staged_copy_holds_exactly_the_report_sources(layout: PipelineLayout) -> None:
    (layout.report_dir / "_variables.yml").write_text("old: 1\n")
    (layout.report_dir / "notebooks").mkdir()
    names = [p.relative_to(layout.report_dir) for p in pipeline.report_sources(layout.report_dir)]
    assert names == [Path("index.qmd"), Path("assets/report.css")]


def test_a_render_ahead_from_other_inputs_is_not_waited_for(
    layout: PipelineLayout, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def block_the_render_ahead() -> None:
        if threading.current_thread().name == "render-ahead":
            release.wait(timeout=30)

    fake_render = FakeRender(during=block_the_render_ahead)
    monkeypatch.setattr(render, "render_report", fake_render)
    monkeypatch.setattr(render, "find_quarto", lambda: None)
    with render_ahead(layout) as ahead:
        ahead.start_key.result(timeout=30)  # the render ahead has read its inputs ...
        (layout.notebooks_dir / NOTEBOOK).write_text("second version")  # ... a stage lands
        render_report_stage(lambda _: None, layout, ahead=ahead)  # returns while it is blocked
        assert not ahead.made.done()
        assert published(layout) == "second version"
        release.set()
    assert ahead.made.result() is None
    assert published(layout) == "second version"  # the late render ahead changed nothing
