"""Stage kernels forked from a server that has imported the heavy libraries."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import papermill
import pytest

from helpers import kernel_forks

PROBE = (
    "import os, sys\n"
    "print(os.getcwd())\n"
    "print(os.environ.get('ICSFIN_TEST_VALUE'))\n"
    "print('pandas' in sys.modules)\n"
    "print(any(p in ('', os.getcwd()) for p in sys.path[:1]))\n"
    "print('seaborn' in sys.modules)"
)
FIGURE = "import matplotlib.pyplot as plt\nplt.plot([1, 2], [2, 1])\nplt.show()"


def _run_probe(tmp_path: Path, value: str) -> tuple[list[str], list[str]]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(PROBE), nbformat.v4.new_code_cell(FIGURE)]
    source, executed = tmp_path / "probe.ipynb", tmp_path / "probe-out.ipynb"
    nbformat.write(notebook, source)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    os.environ["ICSFIN_TEST_VALUE"] = value
    try:
        papermill.execute_notebook(
            str(source), str(executed), kernel_name="python3", cwd=str(work), progress_bar=False
        )
    finally:
        del os.environ["ICSFIN_TEST_VALUE"]
    result = nbformat.read(executed, as_version=4)
    printed = "".join(output["text"] for output in result.cells[0].outputs).splitlines()
    figure_types = sorted(result.cells[1].outputs[0]["data"])
    return printed, figure_types


def test_forked_kernel_has_preloaded_libraries_and_the_callers_folder_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(kernel_forks.SOCKET_VARIABLE, raising=False)  # a server of its own
    with kernel_forks.fork_server(tmp_path) as running:
        assert running
        assert os.environ[kernel_forks.SOCKET_VARIABLE].endswith("server.sock")
        printed, figure_types = _run_probe(tmp_path, "first")
        second, _ = _run_probe(tmp_path, "second")
    assert printed[:4] == [str(tmp_path / "work"), "first", "True", "False"]
    assert second[1] == "second"  # each kernel takes the environment of its own launch
    assert figure_types == ["image/png", "text/plain"]  # the inline backend still works


def test_the_server_imports_the_later_libraries_while_idle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(kernel_forks.SOCKET_VARIABLE, raising=False)  # a server of its own
    with kernel_forks.fork_server(tmp_path):
        first, _ = _run_probe(tmp_path, "first")
        deadline = time.monotonic() + 60  # PRELOAD_LATER takes about 3 CPU-seconds
        later = first
        while later[4] != "True" and time.monotonic() < deadline:
            time.sleep(0.5)
            later, _ = _run_probe(tmp_path, "later")
    assert first[2] == "True"  # pandas, from the first phase, is in every kernel
    assert later[4] == "True"  # seaborn arrived while the server was idle


def test_a_server_that_cannot_start_leaves_kernels_as_usual(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(kernel_forks.SOCKET_VARIABLE, raising=False)  # not the session's server
    before = os.environ.get(kernel_forks.SOCKET_VARIABLE)
    too_long = tmp_path / ("x" * 120)  # longer than a Unix socket path may be
    too_long.mkdir()
    with kernel_forks.fork_server(too_long) as running:
        assert not running
        assert os.environ.get(kernel_forks.SOCKET_VARIABLE) == before
    assert "kernels start afresh: the kernel fork server exited" in capsys.readouterr().err
    assert list(too_long.iterdir()) == []


def test_server_leaves_no_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(kernel_forks.SOCKET_VARIABLE, raising=False)  # not the session's server
    before = {name: os.environ.get(name) for name in ("JUPYTER_PATH", kernel_forks.SOCKET_VARIABLE)}
    with kernel_forks.fork_server(tmp_path):
        assert list(tmp_path.glob("tmp-kernels-*/kernels/python3/kernel.json"))
    assert list(tmp_path.iterdir()) == []
    after = {name: os.environ.get(name) for name in ("JUPYTER_PATH", kernel_forks.SOCKET_VARIABLE)}
    assert after == before


def test_without_a_server_the_client_starts_an_ordinary_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kernel_forks.write_kernelspec(tmp_path / "spec")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "spec"))
    monkeypatch.delenv(kernel_forks.SOCKET_VARIABLE, raising=False)
    printed, _ = _run_probe(tmp_path, "plain")
    assert printed[1:3] == ["plain", "False"]  # nothing preloaded: a fresh kernel


def test_kernelspec_runs_this_module_as_python3(tmp_path: Path) -> None:
    spec = kernel_forks.write_kernelspec(tmp_path)
    assert spec == tmp_path / "kernels" / "python3"
    text = (spec / "kernel.json").read_text(encoding="utf-8")
    assert '"helpers.kernel_forks"' in text and '"{connection_file}"' in text


def test_a_running_server_is_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(kernel_forks.SOCKET_VARIABLE, raising=False)
    with kernel_forks.fork_server(tmp_path):
        outer = os.environ[kernel_forks.SOCKET_VARIABLE]
        with kernel_forks.fork_server(tmp_path) as running:
            assert running
            assert os.environ[kernel_forks.SOCKET_VARIABLE] == outer
            assert len(list(tmp_path.glob("tmp-kernels-*"))) == 1
        assert Path(outer).is_socket()  # the inner block did not stop the outer server


def _children_cpu_of_one_run(tmp_path: Path, cell: str) -> float:
    """CPU seconds this process's children used for a fork server running one notebook."""
    import resource

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell)]
    source = tmp_path / "cell.ipynb"
    nbformat.write(notebook, source)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with kernel_forks.fork_server(tmp_path):
        papermill.execute_notebook(
            str(source), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def test_kernels_cpu_time_is_counted_as_the_callers_childrens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server reaps its minders (which reap their kernels), so a benchmark of the build
    sees the kernels' CPU time, not only the server's."""
    monkeypatch.delenv(kernel_forks.SOCKET_VARIABLE, raising=False)
    idle = _children_cpu_of_one_run(tmp_path, "1")
    busy = _children_cpu_of_one_run(
        tmp_path,
        "import time\nend = time.process_time() + 5\nwhile time.process_time() < end:\n    pass",
    )
    # the kernel's 5 s, less the run-to-run noise of the server's own imports (about 1 s)
    assert busy - idle >= 3.5, (idle, busy)


def test_turned_off_it_starts_no_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(kernel_forks.SOCKET_VARIABLE, raising=False)
    monkeypatch.setenv(kernel_forks.OFF_VARIABLE, "0")
    with kernel_forks.fork_server(tmp_path) as running:
        assert not running
        assert kernel_forks.SOCKET_VARIABLE not in os.environ
    assert list(tmp_path.iterdir()) == []
