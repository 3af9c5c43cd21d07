"""CUDA tests that must run WITHOUT the CUDA simulator, in their own pytest process:

    python -m pytest companion/tests_cuda_nosim

Compilation to PTX (``numba.cuda.compile_ptx`` is None in the simulator; it needs NVVM and NVRTC
from ``numba-cuda[cu13]``) and the clear error of the CUDA backends where no GPU is present.
"""

from __future__ import annotations

import os
import sys

if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
    if "numba" in sys.modules:
        raise RuntimeError(
            "companion/tests_cuda_nosim must run without the CUDA simulator: unset "
            "NUMBA_ENABLE_CUDASIM and run `python -m pytest companion/tests_cuda_nosim` "
            "in its own process"
        )
    del os.environ["NUMBA_ENABLE_CUDASIM"]  # numba is not imported yet: switch it off
