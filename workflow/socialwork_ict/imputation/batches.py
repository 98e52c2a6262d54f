"""The imputation jobs: which imputations each job makes and analyses, and its files.

The m imputations run as jobs of the ``{batch}`` wildcard (rules
impute_responses and analyse_imputation; config ``imputation_jobs``;
:func:`~socialwork_ict.imputation.settings.imputation_batches` names them):

- ``batched`` (the default): ``imputation_batches`` jobs of contiguous
  imputations, so that each job pays the interpreter's start-up, the file
  reads and the design once for several imputations (on a 2-core machine a
  job per imputation costs more in start-ups than the imputation itself);
- ``per_imputation`` (the SLURM profile): one job per imputation, so that a
  cluster runs the m imputations and the m analyses in parallel.

A job's files are *long* tables: a first column ``imputation`` and, per
imputation in order, the rows one imputation gives (R ``mice::complete(imp,
"long")``, Stata's ``mi`` flong layout). Imputation l is drawn from its own
seed (``[seed, l]``, :func:`~socialwork_ict.imputation.chained.impute_chained`)
and analysed alone whatever its job, and :func:`analyses_in_order` gives the
pooling the analyses in imputation order, so every pooled output is
byte-identical under either layout (tested).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from socialwork_ict.errors import InputError

#: the per-imputation results of analyse_completed, one long file each per job
ANALYSIS_KEYS = ("ordinal", "interaction", "tests", "table2")
NUMBER = "imputation"


def long_table(tables: Iterable[tuple[int, pd.DataFrame]]) -> pd.DataFrame:
    """One long table of ``(imputation number, table)`` pairs: ``imputation`` first."""
    return pd.concat(
        [table.assign(**{NUMBER: number})[[NUMBER, *table.columns]] for number, table in tables],
        ignore_index=True,
    )


def split_long(table: pd.DataFrame, name: str) -> list[tuple[int, pd.DataFrame]]:
    """The ``(imputation number, table)`` pairs of a long table, in file order.

    ``name`` (the file) is named in the error when the column is missing."""
    if NUMBER not in table.columns:
        raise InputError("a long imputation file lacks its imputation column", file=name,
                         column=NUMBER)  # fmt: skip
    numbers = table[NUMBER].to_numpy()
    order = list(dict.fromkeys(numbers.tolist()))
    return [
        (int(number), table[numbers == number].drop(columns=NUMBER).reset_index(drop=True))
        for number in order
    ]


def analyses_in_order(files: dict[str, Sequence]) -> list[dict[str, pd.DataFrame]]:
    """The per-imputation analyses of the jobs' long files, in imputation order.

    ``files``: per key of :data:`ANALYSIS_KEYS`, the jobs' long files (paths
    or tables). Returns one ``{key: table}`` per imputation, sorted by its number,
    as :func:`~socialwork_ict.imputation.analysis.pool_analyses` takes them.
    """
    by_number: dict[int, dict[str, pd.DataFrame]] = {}
    for key in ANALYSIS_KEYS:
        for source in files[key]:
            table = source if isinstance(source, pd.DataFrame) else pd.read_csv(source)
            for number, part in split_long(table, str(source)):
                by_number.setdefault(number, {})[key] = part
    return [by_number[number] for number in sorted(by_number)]


def impute_batch(
    weighted: pd.DataFrame,
    numbers: Sequence[int],
    *,
    seed: int,
    iterations: int,
    variables: Sequence[str] | None,
) -> pd.DataFrame:
    """Rule impute_responses: the job's completed datasets by chained equations, long."""
    from socialwork_ict.imputation.chained import impute_chained

    return long_table(
        (number, impute_chained(weighted, seed=seed, imputation=number,
                                iterations=iterations, variables=variables))
        for number in numbers
    )  # fmt: skip


def completed_tables(paths: Sequence, numbers: Sequence[int], *, long: bool, weighted):
    """The job's completed files as ``(imputation number, analysis frame)`` pairs.

    ``long``: ``paths`` is the one long file of impute_responses (chained);
    else one file per imputation of ``numbers`` (supplied). Every table is
    checked as :func:`~socialwork_ict.imputation.supplied.read_completed`."""
    from socialwork_ict.imputation.supplied import completed_from_raw, read_completed, read_raw

    if not long:
        return [(n, read_completed(path, weighted)) for n, path in zip(numbers, paths, strict=True)]
    (path,) = paths
    name = Path(path).name
    pairs = split_long(read_raw(path), name)
    if [n for n, _ in pairs] != [int(n) for n in numbers]:
        raise InputError("the long completed file holds other imputations than its job's",
                         file=name, values=[n for n, _ in pairs][:5])  # fmt: skip
    return [(n, completed_from_raw(raw, f"{name} (imputation {n})", weighted)) for n, raw in pairs]


def analyse_batch(
    weighted_path, completed: Sequence, numbers: Sequence[int], *, long: bool,
    variance, weighting, seed, targets, countries,
) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Rule analyse_imputation: :func:`~socialwork_ict.imputation.analysis.analyse_completed`
    of each of the job's completed datasets, one long table per key of :data:`ANALYSIS_KEYS`.

    Every imputation is analysed with the complete-case analysis' design
    (:func:`~socialwork_ict.inference.variance.rule_design`: the raking cells
    as observed, the same weights and variance method), built once per job.
    """
    from socialwork_ict.imputation.analysis import analyse_completed
    from socialwork_ict.inference.variance import rule_design
    from socialwork_ict.models.model_frame import read_model_respondents

    everyone = read_model_respondents(weighted_path, extra=("age",))
    design = rule_design(everyone, variance, weighting, seed, targets)
    results = [
        (number, analyse_completed(frame, design=design, countries=tuple(countries)))
        for number, frame in completed_tables(completed, numbers, long=long, weighted=everyone)
    ]
    return {key: long_table((n, r[key]) for n, r in results) for key in ANALYSIS_KEYS}


def pool_batches(analyses: dict[str, Sequence], completed: Sequence, *, long: bool,
                 weighted: pd.DataFrame) -> dict[str, pd.DataFrame]:  # fmt: skip
    """Rule pool_imputations: the jobs' analyses pooled, in imputation order
    (:func:`~socialwork_ict.imputation.analysis.pool_analyses`), with the counts
    of imputed values and the ``multiple_imputation`` rows of sensitivity.csv.

    ``analyses``: per key of :data:`ANALYSIS_KEYS` the jobs' long files;
    ``completed``: the completed files (``long`` as in :func:`completed_tables`).
    Returns ``ordinal``, ``tests``, ``table2``, ``counts``, ``sensitivity`` and ``m``.
    """
    from socialwork_ict.imputation.analysis import imputed_counts, pool_analyses, sensitivity_rows

    per_imputation = analyses_in_order(analyses)
    pooled = pool_analyses(per_imputation)
    tables = [pd.read_csv(path, dtype={"respondent_id": str}) for path in completed]
    if long:
        tables = [part for table, path in zip(tables, completed, strict=True)
                  for _, part in split_long(table, str(path))]  # fmt: skip
    m = len(per_imputation)
    return {
        "ordinal": pooled["ordinal"],
        "tests": pooled["tests"],
        "table2": pooled["table2"],
        "counts": imputed_counts(weighted, tables),
        "sensitivity": sensitivity_rows(pooled["ordinal"], n=len(weighted), m=m),
        "m": m,
    }
