"""Rule render_report: reports/report.html, one self-contained file
(socialwork_ict.report.build.build_report)."""

from socialwork_ict.report.build import build_report
from socialwork_ict.rule_io import run_rule, write_bytes


def main(snakemake):
    params = snakemake.params
    html = build_report(
        snakemake.input,
        report=params.report,
        weighting=params.weighting,
        countries=params.countries,
        config=params.config,
        imputation=params.imputation,
        country=getattr(params, "country", None),
        plan_sections=params.plan_sections,
    )
    write_bytes(html.encode("utf-8"), snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
