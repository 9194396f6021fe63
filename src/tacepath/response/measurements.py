"""Lesion measurements the response criteria use, for callers that draw or tabulate them.

:func:`whole_mm2` is the bidimensional product of the whole lesion and :func:`viable_mm2`
that of its viable (enhancing) part, each with a note saying how it was obtained.
"""

from tacepath.response._core import viable_mm2, whole_mm2

__all__ = ["viable_mm2", "whole_mm2"]
