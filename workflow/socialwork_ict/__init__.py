"""Analysis package of the #socialwork informal-ICT survey pipeline.

Every statistical and data-handling step lives here as pure functions that
take and return pandas objects; the Snakemake rule scripts under
``workflow/scripts/`` are thin adapters that read files, call one function
and write files.

Modules, in pipeline order:

- ``codes``       canonical column names, codes and labels (data contract §1)
- ``errors``      the one exception type for a user's data or config mistake
- ``ingest``      reading CSV / SPSS .sav / Qualtrics exports through the codebook
- ``cleaning``    validation, eligibility, duplicates, the sample flow
- ``synthetic``   the seeded synthetic default survey
- ``weighting/``  population targets, raking, trimming, weighting diagnostics
- ``inference/``  design-based variance, proportions, Rao-Scott and Wald tests
- ``models/``     the survey-weighted proportional-odds and logistic models
"""

__version__ = "0.1.0"
