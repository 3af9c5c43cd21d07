"""``python -m tconv.bench``: tconv's CPU kernels against PyTorch and SciPy (issue 4's table).

Run ``python -m tconv.bench --help`` for the options. The harness lives in
:mod:`tconv.bench.harness`, the workloads in :mod:`tconv.bench.workloads`, and the thread
settings in :mod:`tconv.bench.threads`.
"""

from .harness import format_table, run
from .workloads import WORKLOADS, Workload, by_name

__all__ = ["run", "format_table", "WORKLOADS", "Workload", "by_name"]
