"""The public namespace is exactly the intended names, and each resolves."""

from __future__ import annotations

import tacepath.clinical as clinical


def test_all_is_sorted_and_resolves() -> None:
    assert clinical.__all__ == sorted(clinical.__all__)
    for name in clinical.__all__:
        assert getattr(clinical, name) is not None
