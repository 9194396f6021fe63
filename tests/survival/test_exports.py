"""The public names of tacepath.survival are exactly the intended ones."""

from __future__ import annotations

import tacepath.survival as survival


def test_exported_names() -> None:
    assert sorted(survival.__all__) == [
        "ArmRmst", "BaselineHazard", "ChiSquareTest", "Contrast", "CoxControl", "CoxResult",
        "CoxSurvival", "CoxZphResult", "CumulativeIncidence", "CumulativeIncidenceResult",
        "FineGrayResult", "FisherResult", "GrayTest", "KaplanMeierResult", "LogrankResult",
        "MaxComboResult", "RmstComparison", "SurvivalCurve", "SurvivalData", "SurvivalSummary",
        "Ties", "TrendTest", "WeightedZ", "ZphTransform", "cox_fit", "cox_ph", "cox_survfit",
        "cox_zph", "cumulative_incidence", "fine_gray", "fisher_exact", "fisher_exact_table",
        "kaplan_meier", "kaplan_meier_arrays", "logrank_arrays", "logrank_test", "maxcombo_test",
        "rmst_test",
    ]  # fmt: skip
    for name in survival.__all__:
        assert getattr(survival, name) is not None


def test_competing_module_names() -> None:
    from tacepath.survival import competing

    assert sorted(competing.__all__) == [
        "CompetingData", "CumulativeIncidence", "CumulativeIncidenceResult", "GrayTest",
        "competing_data", "cumulative_incidence",
    ]  # fmt: skip


def test_a_submodule_loads_no_engine() -> None:
    """The array types load without the engines, SciPy or the compiled kernels; a public
    name loads its engine on first use."""
    import subprocess
    import sys

    code = (
        "import sys, tacepath.survival.arrays, tacepath.design.simulate\n"
        "heavy = ['numba', 'tacepath.survival._cox', 'tacepath.survival._kernels']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "from tacepath.survival import cox_ph\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    assert out == [
        "[]",
        "['numba', 'tacepath.survival._cox', 'tacepath.survival._kernels']",
    ]
