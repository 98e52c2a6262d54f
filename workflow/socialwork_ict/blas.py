"""One BLAS thread for jobs that run many small matrix products in parallel.

OpenBLAS starts one thread per core for every product; with several
Snakemake jobs on a small machine the threads oversubscribe the cores and
small products (the imputation models' n x 30 Gram matrices) run an order of
magnitude slower (measurement in benchmarks/RESULTS.md).
``OPENBLAS_NUM_THREADS`` only acts before numpy is imported, which a
Snakemake script cannot guarantee, so :func:`single_thread` calls OpenBLAS's
own ``*_set_num_threads`` in the libraries already loaded (as
``threadpoolctl`` does). A product's result does not depend on the number
of threads for the operations used here (each output element is summed by
one thread), so outputs are unchanged.
"""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def single_thread() -> int:
    """Set every loaded OpenBLAS to one thread; returns how many libraries were set."""
    import numpy  # noqa: F401  (loads numpy's OpenBLAS)

    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:  # not Linux: leave the default
        return 0
    done = 0
    for path in sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps))):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(1)
                done += 1
                break
    return done
