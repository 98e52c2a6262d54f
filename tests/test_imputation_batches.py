"""The imputation jobs' layout and long files (``socialwork_ict.imputation.batches``)."""

from __future__ import annotations

import pandas as pd
import pytest

from socialwork_ict.errors import InputError
from socialwork_ict.imputation.batches import analyses_in_order, long_table, split_long
from socialwork_ict.imputation.settings import imputation_batches


def test_batched_jobs_are_contiguous_runs_covering_every_imputation_once():
    assert imputation_batches(range(1, 21), "batched", 2) == {
        "1-10": list(range(1, 11)),
        "11-20": list(range(11, 21)),
    }
    assert imputation_batches([1, 2, 3, 4, 5], "batched", 3) == {"1-2": [1, 2], "3-4": [3, 4],
                                                                 "5": [5]}  # fmt: skip
    # more jobs than imputations: one each
    assert imputation_batches([1, 2], "batched", 4) == {"1": [1], "2": [2]}


def test_per_imputation_is_one_job_named_by_its_number():
    assert imputation_batches([1, 2, 3], "per_imputation", 2) == {"1": [1], "2": [2], "3": [3]}
    assert imputation_batches([], "batched", 2) == {}


def test_an_unknown_job_layout_is_an_input_error():
    with pytest.raises(InputError, match="imputation_jobs 'each' unknown"):
        imputation_batches([1, 2], "each", 2)


def test_a_long_table_splits_back_into_its_imputations():
    a = pd.DataFrame({"term": ["x", "y"], "estimate": [0.1, 0.2]})
    b = pd.DataFrame({"term": ["x", "y"], "estimate": [0.3, 0.4]})
    table = long_table([(4, a), (5, b)])
    assert list(table.columns) == ["imputation", "term", "estimate"]
    (n4, t4), (n5, t5) = split_long(table, "f.csv")
    assert (n4, n5) == (4, 5)
    pd.testing.assert_frame_equal(t4, a)
    pd.testing.assert_frame_equal(t5, b)
    with pytest.raises(InputError, match="lacks its imputation column"):
        split_long(a, "f.csv")


def test_the_analyses_come_back_in_imputation_order_whatever_the_jobs():
    def analysis(number):
        return {key: pd.DataFrame({"value": [float(number)]})
                for key in ("ordinal", "interaction", "tests", "table2")}  # fmt: skip

    jobs = [[3, 4], [1, 2]]  # files listed in another order than the numbers
    files = {key: [long_table((n, analysis(n)[key]) for n in job) for job in jobs]
             for key in ("ordinal", "interaction", "tests", "table2")}  # fmt: skip
    ordered = analyses_in_order(files)
    assert [a["tests"]["value"].iloc[0] for a in ordered] == [1.0, 2.0, 3.0, 4.0]
