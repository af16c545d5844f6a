"""Long-lived Jupyter kernels that run the profile notebook for one system after another.

Running notebook 08 once per system in a fresh kernel costs more than the profile itself:
starting a kernel, importing pandas, matplotlib, seaborn and the helpers, and reading the
processed tables. A :class:`ProfileKernel` is started once and runs many systems, each still
parameterised and executed by papermill, the way the pipeline runs a stage:

- the kernel is started with the pipeline's quiet log level (no "running over TCP without
  encryption" warning) and without IPython's on-disk input history;
- while it starts, it imports the modules the notebook imports (:func:`warm_up_source`), so
  the kernel's imports overlap the runner's own;
- every run begins with a reset cell (removed from the executed copy): the user namespace and
  the execution counter are cleared, so each run is the same as a run in a fresh kernel. The
  objects that survive a reset (modules, caches) are then frozen out of the garbage
  collector's scans (:func:`gc.freeze`), so the next reset collects only what the last run
  made instead of walking every object of pandas and matplotlib again;
- it is shut down with a shutdown request, never interrupted (an interrupt makes the kernel
  log "KeyboardInterrupt caught in kernel").

Each kernel belongs to one thread: its client's sockets live on that thread's event loop.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.errors import PipelineError

# helpers.workflow holds the stage kernels' log option, and on import it also keeps jsonschema
# (imported by nbformat and papermill) from building its IRI grammar: ~2 CPU-seconds saved in
# this process too, since the profile runner imports this module before nbformat.
from helpers.workflow import KERNEL_ARGUMENTS

if TYPE_CHECKING:
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from nbformat import NotebookNode

RESET_CELL_ID = "profile-kernel-reset"
#: Clears the namespace and history of the previous run, then exempts what survives (imported
#: modules, their caches) from later garbage-collector scans. Binds no name.
RESET_SOURCE = 'get_ipython().reset(new_session=True); __import__("gc").freeze()'
#: Kernel command-line options: errors only in the kernel's log (as the pipeline's stage
#: kernels), and no history database (nothing written under ~/.ipython, no history thread).
KERNEL_OPTIONS: tuple[str, ...] = (*KERNEL_ARGUMENTS, "--HistoryManager.enabled=False")
START_TIMEOUT_SECONDS = 120
WARM_UP_TIMEOUT_SECONDS = 300


def warm_up_source(cells: list[dict[str, Any]]) -> str:
    """The top-level import statements of the notebook's code cells, in order, once each
    (cells as :func:`helpers.workflow.notebook_cells` returns them; IPython magics and cells
    that are not valid Python are skipped)."""
    statements: list[str] = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse(cell["source"])
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                statement = ast.unparse(node)
                if statement not in statements:
                    statements.append(statement)
    return "\n".join(statements)


def prepared_notebook(notebook: NotebookNode) -> NotebookNode:
    """A copy of ``notebook`` to execute in a reused kernel: the reset cell first, and no
    stored outputs (execution replaces them; copying them per run is wasted work)."""
    import nbformat

    copy = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in copy.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    reset = nbformat.v4.new_code_cell(RESET_SOURCE)
    reset["id"] = RESET_CELL_ID
    copy.cells.insert(0, reset)
    return copy


def without_reset_cell(notebook: NotebookNode) -> None:
    """Remove the reset cell from an executed copy, in place."""
    notebook.cells = [cell for cell in notebook.cells if cell.get("id") != RESET_CELL_ID]


ENGINE_NAME = "profile-kernel"


def register_engine() -> str:
    """Register (idempotent) and name the papermill engine that executes with the kernel
    client it is given. papermill's own nbclient engine cannot take a client (``kc`` is not an
    option of nbclient's ``NotebookClient``): it would connect a new client to the kernel for
    every run and leave it open, and each connection waits 0.2 s for the kernel's output
    channel to fall quiet."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class ReusedClientEngine(NBClientEngine):
        """papermill's nbclient engine (papermill 2.7), with ``kc`` set on the client."""

        @classmethod
        def execute_managed_notebook(  # type: ignore[override]
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: float | None = None,
            **kwargs: Any,
        ) -> Any:
            client_of_kernel = kwargs.pop("kc")
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = PapermillNotebookClient(nb_man, **final_kwargs)
            client.kc = client_of_kernel
            return client.execute()

    papermill_engines.register(ENGINE_NAME, ReusedClientEngine)
    return ENGINE_NAME


class ProfileKernel:
    """One kernel, started in ``working_dir``, that runs the profile notebook repeatedly.

    Use from a single thread: :meth:`start`, then :meth:`warm_up` (optional), :meth:`run` as
    often as needed, and :meth:`shutdown`.
    """

    def __init__(self, working_dir: Path, kernel_name: str = "python3") -> None:
        self.working_dir = working_dir
        self.kernel_name = kernel_name
        self.manager: AsyncKernelManager | None = None
        self.client: AsyncKernelClient | None = None
        self._warm_up_id: str | None = None

    def start(self, warm_up: str = "") -> None:
        """Start the kernel process and, when ``warm_up`` is given, send it to run (without
        waiting: :meth:`wait_until_warm` collects the reply)."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.manager = AsyncKernelManager(kernel_name=self.kernel_name)
        run_sync(self.manager.start_kernel)(
            cwd=str(self.working_dir), extra_arguments=list(KERNEL_OPTIONS)
        )
        self.client = self.manager.client()
        self.client.allow_stdin = False  # as nbclient sets it: a cell asking for input fails
        self.client.start_channels()
        run_sync(self.client.wait_for_ready)(timeout=START_TIMEOUT_SECONDS)
        if warm_up:
            self._warm_up_id = self.client.execute(warm_up, silent=True, store_history=False)

    def wait_until_warm(self) -> None:
        """Wait for the warm-up sent by :meth:`start`; a failed warm-up raises PipelineError."""
        if self._warm_up_id is None or self.client is None:
            return
        from jupyter_core.utils import run_sync

        while True:
            reply = run_sync(self.client.get_shell_msg)(timeout=WARM_UP_TIMEOUT_SECONDS)
            if reply["parent_header"].get("msg_id") == self._warm_up_id:
                break
        while True:  # drain the warm-up's busy/idle status from the output channel
            message = run_sync(self.client.get_iopub_msg)(timeout=WARM_UP_TIMEOUT_SECONDS)
            if (
                message["parent_header"].get("msg_id") == self._warm_up_id
                and message["msg_type"] == "status"
                and message["content"].get("execution_state") == "idle"
            ):
                break
        self._warm_up_id = None
        content = reply["content"]
        if content.get("status") != "ok":
            raise PipelineError(
                "profile kernel warm-up (the notebook's imports) failed: "
                f"{content.get('ename')}: {content.get('evalue')}"
            )

    def run(self, prepared: NotebookNode, parameters: dict[str, Any]) -> NotebookNode:
        """Execute ``prepared`` (see :func:`prepared_notebook`) with papermill and
        ``parameters``; returns the executed notebook (reset cell still in it)."""
        import papermill

        if self.manager is None or self.client is None:
            raise PipelineError("profile kernel used before it was started")
        self.wait_until_warm()
        return papermill.execute_notebook(
            prepared,
            None,
            parameters=parameters,
            engine_name=register_engine(),
            kernel_name=self.kernel_name,
            progress_bar=False,
            log_output=False,
            km=self.manager,
            kc=self.client,
        )

    def shutdown(self) -> None:
        """Ask the kernel to exit and wait for it (no interrupt first, unlike
        ``shutdown_kernel``); kill it only if it has not exited in time."""
        from jupyter_core.utils import run_sync

        manager, client = self.manager, self.client
        self.manager = self.client = None
        if client is not None:
            client.stop_channels()
        if manager is None or not manager.has_kernel:
            return

        async def stop() -> None:
            await manager.request_shutdown()
            await manager.finish_shutdown()
            await manager.cleanup_resources()

        run_sync(stop)()
