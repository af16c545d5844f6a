"""Specification curves fitted in chunks, so Snakemake can fan them out (on a cluster too).

The workflow's rule ``curve_chunk`` fits block ``k`` of ``n`` of a curve's specifications
(``python -m helpers.curves chunk KIND K N OUT``,
:func:`helpers.analysis.inference.specification_curve` with ``part=(k, n)``) and ``curve_merge``
concatenates the blocks in order into
``.build/curves/<kind>.parquet``: the same table as one chunk, byte for byte. The notebooks
call :func:`fitted`, which inside the workflow (``ICSFIN_CURVES_DIR`` set) reads that merged
table and anywhere else (JupyterLab, nbconvert) fits the curve in the kernel. What a
specification computes stays in ``helpers.analysis.inference`` and ``helpers.analysis.models``.

Kinds: ``icb`` (notebook 03's curve of the declared drivers) and ``trust`` (notebook 07's).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.errors import PipelineError
from helpers.paths import BUILD_DIR

if TYPE_CHECKING:
    import pandas as pd

CURVES_VARIABLE = "ICSFIN_CURVES_DIR"
CURVES_DIR: Path = BUILD_DIR / "curves"
#: The notebook whose parameters define each kind's curve.
STAGES: dict[str, str] = {"icb": "03_model_deficit_drivers", "trust": "07_model_trust_finance"}
#: The parameters each kind's curve reads (:func:`curve_inputs`): its chunks' parameters file
#: (``.build/params/curve-<kind>.yaml``) holds these alone, so changing another parameter of
#: the notebook (notebook 03's ``power``, say) reruns the notebook but refits no curve.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "icb": (
        "main_predictors",
        "candidate_predictors",
        "years",
        "stages",
        "source_kinds",
        "outcome",
        "specification_curve",
    ),
    "trust": ("drop_raac", "outcomes", "accounting_outcomes", "main_predictors", "controls"),
}


def curve_inputs(kind: str, params: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The base specification and the choices of a curve, from the processed tables and the
    notebook's parameters, built by the same function the notebook calls."""
    from helpers.analysis import models, trust_models
    from helpers.panel import schemas

    if kind == "trust":
        panel, outcomes = trust_models.curve_setup(
            schemas.read_table("trust_panel.parquet"), params
        )
        predictors = params["main_predictors"]
        choices = trust_models.curve_choices(outcomes, predictors, params["controls"])
        return trust_models.curve_base(panel, outcomes, predictors), choices
    positions = schemas.read_table("finance_positions.parquet")
    panel = schemas.read_table("icb_year.parquet")
    lookup = schemas.read_table("icb_lookup.parquet")
    return models.curve_setup(positions, panel, lookup, params)


#: How each kind's specifications are fitted (notebook 03 keys each fit by its data, so that
#: specifications selecting the same sample can be collapsed: models.mark_distinct).
def _fit(kind: str) -> Any:
    from helpers.analysis import inference, models

    return models.keyed_fit if kind == "icb" else inference.fit_specification


def merge(parts: list[Path], output: Path) -> None:
    """Concatenate the chunks (in order; empty ones add no rows) into one Parquet table."""
    import pandas as pd

    from helpers.data.io import atomic_write

    frames = [pd.read_parquet(part) for part in parts]
    filled = [frame for frame in frames if len(frame)] or frames[:1]
    merged = pd.concat(filled, ignore_index=True)
    atomic_write(output, lambda tmp: merged.to_parquet(tmp, index=False), redirect=False)


def fitted(kind: str, base: Any, choices: dict[str, Any]) -> pd.DataFrame:
    """The curve of ``base`` over ``choices``: in the workflow, the merged chunks (checked to
    cover exactly these choices); elsewhere, fitted here."""
    from helpers.analysis import inference

    folder = os.environ.get(CURVES_VARIABLE)
    if not folder:
        return inference.specification_curve(base, choices, fit=_fit(kind))
    import pandas as pd

    path = Path(folder) / f"{kind}.parquet"
    curve = pd.read_parquet(path)
    dimensions = list(curve.columns[: list(curve.columns).index("spec_id")])
    in_range = curve["spec_id"].max() < inference.n_specifications(choices) if len(curve) else True
    if dimensions != list(choices) or not in_range:
        raise PipelineError(
            f"{path}: the curve chunks were fitted over {dimensions}, not the notebook's "
            f"choices {list(choices)}: helpers.curves.curve_inputs must build what the "
            "notebook builds"
        )
    return curve


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.curves chunk KIND K N OUT`` or ``... merge OUT PART...``."""
    from helpers.analysis import inference
    from helpers.data.io import atomic_write
    from helpers.paths import BUILD_PARAMS_DIR, BUILD_PROCESSED_DIR, RESULTS_VARIABLE
    from helpers.processes import die_with_parent, single_threaded

    arguments = list(sys.argv[1:] if argv is None else argv)
    die_with_parent()
    single_threaded()  # before numpy loads: the same sums in every chunk, on every run
    os.environ[RESULTS_VARIABLE] = str(BUILD_PROCESSED_DIR)  # the workflow's tables
    if arguments[:1] == ["chunk"] and len(arguments) == 5:
        kind, index, count, output = arguments[1:]
        params = json.loads((BUILD_PARAMS_DIR / f"curve-{kind}.yaml").read_text(encoding="utf-8"))
        base, choices = curve_inputs(kind, params)  # block INDEX of COUNT of the specifications
        part = (int(index), int(count))
        chunk = inference.specification_curve(base, choices, fit=_fit(kind), part=part)
        atomic_write(Path(output), lambda tmp: chunk.to_parquet(tmp, index=False), redirect=False)
        return 0
    if arguments[:1] == ["merge"] and len(arguments) >= 3:
        merge([Path(part) for part in arguments[2:]], Path(arguments[1]))
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
