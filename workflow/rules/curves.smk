# Specification curves in chunks (helpers.curves): `curve_chunk` fits block {index} of
# CURVE_CHUNKS of a curve's specifications, `curve_merge` joins them in order into
# .build/curves/<kind>.parquet, which notebooks 03 (kind icb) and 07 (kind trust) read.
# More chunks: snakemake --config curve_chunks=16 (the Slurm profile sets it).
from helpers import curves

#: Each curve's parameters file holds only the parameters it reads (helpers.curves.PARAMETERS).
CURVE_PARAMS = {
    kind: wf.params_file(stage, PARAMS, only=curves.PARAMETERS[kind], name=f"curve-{kind}")
    for kind, stage in curves.STAGES.items()
}
CURVE_CHUNKS = int(config.get("curve_chunks", 2))
CURVE_READS = {
    "icb": ["finance_positions.parquet", "icb_year.parquet", "icb_lookup.parquet"],
    "trust": ["trust_panel.parquet"],
}


rule curve_chunk:
    input:
        params=lambda w: CURVE_PARAMS[w.kind],
        code=wf.code_inputs("helpers.curves", "helpers.analysis.models", "helpers.analysis.trust_models"),
        reads=lambda w: wf.processed(*CURVE_READS[w.kind]),
    output: temp(".build/curves/{kind}-{index}-of-{chunks}.parquet")
    wildcard_constraints: kind="icb|trust", index=r"\d+", chunks=r"\d+"
    params: python=PYTHON
    priority: 1
    shell: "exec {params.python} -m helpers.curves chunk {wildcards.kind} {wildcards.index} {wildcards.chunks} {output}"


rule curve_merge:
    input:
        lambda w: [f".build/curves/{w.kind}-{i}-of-{CURVE_CHUNKS}.parquet" for i in range(CURVE_CHUNKS)]
    output: ".build/curves/{kind}.parquet"
    wildcard_constraints: kind="icb|trust"
    params: python=PYTHON
    priority: 1
    shell: "exec {params.python} -m helpers.curves merge {output} {input}"
