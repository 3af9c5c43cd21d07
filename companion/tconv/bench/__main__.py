"""Command line of the benchmark: ``python -m tconv.bench [--workloads a,b] [--threads T] ...``."""

from __future__ import annotations

import argparse
import os
import sys

from .harness import format_table, run
from .workloads import SUITES


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the benchmark, print the table; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tconv.bench",
        description="Time tconv's transposed convolution, convolution and gradients against "
                    "PyTorch and SciPy.")
    parser.add_argument("--suite", choices=tuple(SUITES), default="transpose",
                        help="transpose: the transposed convolutions; conv: the convolutions; "
                             "grad: the input and weight gradients of both (default transpose)")
    parser.add_argument("--workloads", default="",
                        help="comma-separated names of the suite's workloads (default: all; "
                             "--list shows them)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads for Numba, NumPy's BLAS and PyTorch (default: all CPUs)")
    parser.add_argument("--repeat", type=int, default=15, help="timed calls per contender")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--json", dest="json_path", default=None, help="write the report here")
    parser.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = parser.parse_args(argv)
    if args.list:
        for w in SUITES[args.suite][0]:
            print(f"{w.name:15s} input {(w.batch, w.in_channels, *w.spatial)} -> "
                  f"{w.out_channels} channels, k{w.kernel} s{w.stride} p{w.padding} "
                  f"a{w.output_padding} d{w.dilation} g{w.groups} ({w.function_name})")
        return 0
    names = [n.strip() for n in args.workloads.split(",") if n.strip()]
    try:
        report = run(names, args.threads, args.repeat, args.dtype, args.json_path,
                     progress=lambda line: print(line, file=sys.stderr, flush=True),
                     suite=args.suite)
    except ValueError as error:
        parser.error(str(error))
    print(format_table(report))
    if args.json_path:
        print(f"wrote {args.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
