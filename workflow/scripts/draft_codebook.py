"""Rule draft_codebook: an export -> a draft codebook and its review list."""

import logging

import yaml

from socialwork_ict.draft_codebook import (
    REVIEW_COLUMNS,
    canonical_items,
    codebook_yaml,
    draft_codebook,
    optional_items,
    read_export,
    review_markdown,
    review_rows,
)
from socialwork_ict.rule_io import run_rule, write_bytes, write_rows

log = logging.getLogger("socialwork_ict.draft_codebook")


def main(snakemake):
    with open(snakemake.input.canonical, encoding="utf-8") as handle:
        canonical = yaml.safe_load(handle)
    export = read_export(snakemake.input.export)
    items = canonical_items(canonical["columns"])
    draft = draft_codebook(
        export,
        items + optional_items(items),
        missing_codes=tuple(canonical.get("missing_codes", [-99])),
    )
    for edit in draft.edits:
        log.info("edit %s: %s", edit.column, edit.what)
    log.info(
        "%s: %d canonical columns, %d matched, %d edits, %d checks",
        export.file,
        len(draft.suggestions),
        sum(s.raw is not None for s in draft.suggestions),
        len(draft.edits),
        len(draft.checks),
    )
    if draft.edits:
        log.warning(
            "%s: the draft needs %d edit%s before use (%s, section 1)",
            export.file,
            len(draft.edits),
            "s" if len(draft.edits) != 1 else "",
            snakemake.output.review,
        )
    write_rows(review_rows(draft), REVIEW_COLUMNS, snakemake.output.review_csv)
    write_bytes(review_markdown(draft).encode("utf-8"), snakemake.output.review)
    write_bytes(codebook_yaml(draft).encode("utf-8"), snakemake.output.codebook)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
