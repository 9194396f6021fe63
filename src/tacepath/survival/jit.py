"""The survival engine's way of compiling a loop, for compiled loops elsewhere in tacepath.

:func:`jit` compiles a function with numba in nopython mode, cached on disk in the folder
chosen by :mod:`tacepath.survival._kernels` (beside the package when writable, else
numba's user cache or a per-user temporary folder), with NumPy's floating-point error
model. The design package's simulation kernels use it.
"""

from __future__ import annotations

from tacepath.survival._kernels import jit

__all__ = ["jit"]
