# The 42 system profiles and the report.
from helpers.report.profiles import INPUT_TABLES as PROFILE_TABLES

PUBLISHED = rules.publish.output
RENDERED = (
    [f"report/{render.QUARTO_OUTPUT}/index.html"] if render.find_quarto()
    else [f"report/{render.FALLBACK_OUTPUT}", f"report/{render.FALLBACK_PDF}"]
)


PROFILE_INPUTS = dict(
    code=wf.code_inputs("helpers.report.profile_pages"),
    template="src/helpers/report/templates/profile.html",
    params=wf.params_file("08_profile_system", PARAMS),
    citation="CITATION.cff",
    published=PUBLISHED,
    tables=[f"data/processed/{name}" for name in PROFILE_TABLES],
)


rule profiles:
    """The 42 system pages, their CSVs and the index, in one process (helpers.report.profile_pages)."""
    input: **PROFILE_INPUTS
    output: directory("report/systems")
    log: wf.log("profiles")
    params: python=PYTHON
    shell: "exec {params.python} -m helpers.report.profile_pages > {log}"


rule profile:
    """One system's page, e.g. `make profile ICB=QOC`: report/profile/QOC.html."""
    input: **PROFILE_INPUTS
    output: "report/profile/{icb}.html"
    log: wf.log("profile_{icb}")
    params: python=PYTHON
    shell: "exec {params.python} -m helpers.report.profile_pages --icb {wildcards.icb} --pages-dir report/profile > {log}"


rule render:
    """The report: Quarto where installed, else the pandoc + Typst fallback (helpers.report.render)."""
    input:
        notebooks=[wf.executed(name) for name in WRITES],
        published=PUBLISHED,
        tables=[f"data/processed/{name}" for name in PROCESSED],
        profiles="report/systems",
        article=[*wf.report_sources(), "CHANGELOG.md", "CITATION.cff"],  # the annex includes both
        code=wf.code_inputs("helpers.report.render", "helpers.report.article_numbers", "helpers.data.io"),
        params="params.yaml",
    output: RENDERED
    run:
        from helpers.report import profile_pages

        render.render_report()
        profile_pages.publish_beside_report()
