# One rule per notebook stage (notebooks/NN_verb_object.ipynb); see the Snakefile's header.
# Each stage, and publish, is a checkpoint: Snakemake re-evaluates what is downstream once it
# has run, and an input newer than a job's outputs but with the checksum recorded at the job's
# last run is no change (workflow/profiles/default). So a stage whose files came out the same
# bytes reruns nothing after it (notebook 03's power: no profile reruns).
WRITES = {
    "00_inventory_sources": ["source_inventory.csv"],
    "01_build_icb_panel": ["icb_lookup.parquet", "icb_year.parquet", "finance_positions.parquet",
                           "national_facts.parquet", "coverage.parquet",
                           "finance_coverage_by_stage.csv", "finance_basis_audit.csv"],
    "02_describe_deficits": ["numbers_describe.json"],
    "03_model_deficit_drivers": ["model_coefficients.csv", "model_fit.csv",
                                 "model_diagnostics.csv", "model_drivers.csv",
                                 "model_driver_statements.csv", "specification_curve.csv",
                                 "model_leave_one_out.csv", "numbers_models.json"],
    "04_describe_workforce": ["workforce_race_equality_series.csv", "workforce_correlations.csv",
                              "leadership_theme_coverage.csv",
                              "legacy_debt_against_allocation.csv", "system_facts.csv",
                              "numbers_workforce.json"],
    "05_check_claims": ["claims_check.csv", "claim_parts_check.csv", "numbers_claims.json"],
    "06_build_trust_panel": ["trust_panel.parquet", "trust_rollup.parquet", "trust_mapping.csv",
                             "trust_legacy_loans.csv", "trust_legacy_mapping.csv",
                             "legacy_loans_reconciliation.csv", "numbers_trust_panel.json"],
    "07_model_trust_finance": ["trust_model_coefficients.csv", "trust_specification_curve.csv",
                               "trust_validation.csv", "trust_raac_sensitivity.csv",
                               "legacy_loans_tests.csv", "numbers_trust_models.json"],
    "08_profile_system": [],
}
#: Every processed file, in stage order: what publish copies into data/processed/.
PROCESSED = [name for written in WRITES.values() for name in written]
os.environ[wf.DECLARED_VARIABLE] = " ".join(PROCESSED)  # a job writing another name fails
PANEL = ["icb_lookup.parquet", "icb_year.parquet", "finance_positions.parquet"]
#: Each stage's rule: its notebook and what the notebook reads beyond its imports:
#:   raw=    raw datasets (ids in data/sources.yaml), or ["all"]; those of the readers it imports
#:           are added
#:   files=  other repository files;  reads= processed files (another stage writes them)
#: helpers.workflow.stage_inputs adds the notebook, its parameters (.build/params/<stage>.yaml,
#: rewritten only when its params.yaml values change), the helper modules it imports and the
#: registries they read (variables.csv, trust_variables.csv).
STAGES = {
    "inventory_sources": ("00_inventory_sources", dict(raw=["all"], files=["data/sources.yaml"])),
    "build_icb_panel": ("01_build_icb_panel", dict(raw=["curated"])),
    "describe_deficits": ("02_describe_deficits",
                          dict(raw=["curated"], reads=[*PANEL, "national_facts.parquet"])),
    "model_deficit_drivers": ("03_model_deficit_drivers", dict(reads=PANEL)),
    "describe_workforce": ("04_describe_workforce", dict(raw=["curated"], reads=PANEL)),
    "check_claims": ("05_check_claims",
                     dict(raw=["curated"], reads=[*PANEL, "national_facts.parquet"])),
    "build_trust_panel": ("06_build_trust_panel", dict(
        raw=["trust_metrics_2025_26", "sickness_absence", "trust_icb_lookup", "geographr",
             "healthyr", "staff_survey_2024", "trust_deficit_loans"],
        reads=["icb_lookup.parquet", "icb_year.parquet"])),
    "model_trust_finance": ("07_model_trust_finance", dict(
        raw=["curated"],
        reads=["trust_panel.parquet", "trust_rollup.parquet", *PANEL, "trust_legacy_loans.csv",
               "model_drivers.csv"])),
    "profile_system": ("08_profile_system",
                       dict(reads=[*PANEL, "model_diagnostics.csv", "system_facts.csv",
                                   "trust_panel.parquet", "trust_rollup.parquet",
                                   "trust_legacy_loans.csv"])),
}
#: The stages on the longest path of a build (panel, curve, models): run first when they are
#: ready, so the other stages fill the cores around them (Snakemake's `priority`).
FIRST = {"build_icb_panel", "build_trust_panel", "model_deficit_drivers", "model_trust_finance"}
#: The merged specification curve a model stage reads (workflow/rules/curves.smk).
CURVES = {"model_deficit_drivers": ".build/curves/icb.parquet",
          "model_trust_finance": ".build/curves/trust.parquet"}

for name, (notebook, declared) in STAGES.items():
    checkpoint:
        name: name
        input: **wf.stage_inputs(notebook, PARAMS, **declared), **({"curve": CURVES[name]} if name in CURVES else {})
        output: *wf.processed(*WRITES[notebook]), notebook=wf.executed(notebook)
        log: wf.log(notebook)
        params: python=PYTHON
        priority: 1 if name in FIRST else 0
        shell: RUN


checkpoint publish:
    """Copy the stages' processed files into data/processed/ (only bytes that changed, all or
    none; helpers.workflow.publish); its output is the list of their SHA-256, never
    data/processed/ itself, which Snakemake would delete before the job and after a failure."""
    input: wf.processed(*PROCESSED)
    output: wf.relative(wf.PUBLISHED)
    run:
        wf.publish(input, [f"data/processed/{name}" for name in PROCESSED], wf.PUBLISHED)


rule notebooks:
    """Every stage, its processed files published into data/processed/."""
    input: rules.publish.output, [wf.executed(name) for name in WRITES]
