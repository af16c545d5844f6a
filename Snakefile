# The pipeline of ics-deficits: one rule per notebook stage, then the 42 system profiles and the
# report. `make report` runs `snakemake --cores all`; `snakemake -n` (or `--summary`) tells
# what would rerun and why. Each stage rule declares what its notebook reads and writes:
#   raw=     raw datasets (ids in data/sources.yaml) it reads beyond those of the readers it
#            imports (added automatically), or ["all"]
#   files=   other repository files it reads
#   reads=   processed files it reads (another rule writes them)
# and helpers.workflow.stage_inputs adds the notebook, its parameters (.build/params/<stage>.yaml,
# rewritten only when its params.yaml values change), the helper modules it imports and the
# registries they read (variables.csv, trust_variables.csv). Stages write to .build/processed/;
# `publish` copies their files into data/processed/ once every stage has succeeded, so a failed
# job leaves data/processed/ as it was. Executed notebooks go to report/notebooks/ (build outputs).
from helpers.report import render
from helpers import workflow as wf  # (Snakemake names its own object `workflow`)

# params.yaml checked as by `make check-params`; every raw file acquired and its SHA-256
# verified, on every run (a damaged file stops even a build with nothing to do)
PARAMS = wf.prepare()
RUN = "exec {params.python} -m helpers.workflow notebook {rule} {input.notebook} {output.notebook} {input.params} {log}"
PYTHON = sys.executable


include: "workflow/rules/stages.smk"
include: "workflow/rules/curves.smk"
include: "workflow/rules/report.smk"


rule all:
    """The report, the executed notebooks and the profiles: what `make report` builds."""
    default_target: True
    input: RENDERED, "report/systems"
