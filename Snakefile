# The pipeline of ics-deficits: one rule per notebook stage (workflow/rules/stages.smk), the
# specification-curve chunks, then the 42 system profiles and the report. `make report` runs
# `snakemake --cores all`; `snakemake -n` (or `--summary`) tells what would rerun and why.
# Stages write to .build/processed/; `publish` copies their files into data/processed/ once every
# stage has succeeded, so a failed job leaves data/processed/ as it was. Executed notebooks go to
# report/notebooks/ (build outputs).
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
    """What `make report` builds: the report, the profiles, and what rule notebooks asks for
    (the executed notebooks, and publish's list of data/processed, which helpers.workflow.prepare
    deletes when a listed file is missing or edited): Snakemake reruns a job whose outputs are
    missing only when something asks for them, so a plain build restores what an interrupted
    one removed."""
    default_target: True
    input: RENDERED, "report/systems", rules.notebooks.input
