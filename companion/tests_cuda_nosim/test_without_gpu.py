"""Without a GPU and without the simulator: a clear error, and ``import tconv`` needs no CUDA."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tconv
from tconv import cuda as tcuda


def _gpu_present() -> bool:
    from numba import cuda

    return cuda.is_available()


@pytest.mark.parametrize("backend", ["cuda", "cuda_scatter"])
def test_a_cuda_backend_without_a_gpu_raises_a_clear_error(backend):
    if _gpu_present():
        pytest.skip("a GPU is present")
    x, w = np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))
    with pytest.raises(tcuda.CudaUnavailableError) as info:
        tconv.conv_transpose2d(x, w, backend=backend)
    assert isinstance(info.value, RuntimeError)
    message = str(info.value)
    assert "NUMBA_ENABLE_CUDASIM=1" in message
    assert "GPU" in message and "driver" in message  # says why


def test_bad_arguments_are_reported_before_the_missing_gpu():
    with pytest.raises(ValueError, match="output_padding"):
        tconv.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), stride=2,
                               output_padding=2, backend="cuda")


@pytest.mark.parametrize("backend", ["cuda", "cuda_scatter"])
def test_an_output_larger_than_memory_is_refused_before_the_gpu_is_looked_for(backend):
    """10**12 elements: a ValueError stating the size, before anything is allocated (on the
    GPU or off it) and before the missing GPU is noticed."""
    with pytest.raises(ValueError, match=r"the output, of shape \(1, 1, 1000000000002\) and "
                                         r"dtype float64, would take 7.3 TiB, more than this "
                                         r"machine's memory"):
        tconv.conv_transpose1d(np.ones((1, 1, 2)), np.ones((1, 1, 2)), dilation=10**12,
                               backend=backend)


def _run(code: str) -> str:
    env_code = "import os; os.environ.pop('NUMBA_ENABLE_CUDASIM', None)\n" + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_tconv_and_cpu_work_never_import_numba_cuda():
    out = _run("""
        import sys
        import numpy as np
        import tconv
        after_import = sorted(m for m in sys.modules if m.startswith("numba.cuda"))
        tconv.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), backend="auto")
        tconv.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), backend="gather")
        after_calls = sorted(m for m in sys.modules
                             if m.startswith("numba.cuda") or m == "tconv.kernels.cuda_kernels")
        print(after_import, after_calls)
    """)
    assert out.split() == ["[]", "[]"]


def test_the_cuda_module_is_imported_only_when_a_cuda_backend_runs():
    """The check above could pass with a broken probe: show that the probe sees the import."""
    out = _run("""
        import sys
        import numpy as np
        import tconv
        try:
            tconv.conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), backend="cuda")
        except RuntimeError:
            pass
        print("numba.cuda" in sys.modules)
    """)
    assert out.split() == ["True"]
