"""ADaM analysis data: the data-set model and its checks, TACE endpoints derived from patient
timelines, and synthetic trial cohorts.

For the trial statistician: :mod:`tacepath.adam.model` holds ADSL/ADTTE/ADAE as checked
tables (:func:`check_analysis_data` reports every problem at once; :func:`invalid_cnsr` and
:func:`events_from_cnsr` are the one reading of a ``CNSR`` column, for every caller),
:mod:`tacepath.adam.endpoints` turns checked timelines into ADTTE rows (OS, PFS, TTUP, TTTP...),
and :mod:`tacepath.adam.cohort` makes clearly labelled synthetic cohorts. Reading and writing
the files (CSV, Parquet, XPT) is the job of :mod:`tacepath.interop`, not of this package.
"""

from tacepath.adam.cohort import (
    ADAE_LABELS,
    ADSL_LABELS,
    ASSUMPTIONS,
    DAYS_PER_MONTH,
    TACTICS_SOURCE,
    SyntheticCohort,
    tactics_like_cohort,
)
from tacepath.adam.endpoints import (
    ADTTE_COLUMNS,
    CENSORING,
    PARAMS,
    AdtteRow,
    EndpointOptions,
    adtte_rows,
    derive_adtte,
)
from tacepath.adam.model import (
    ADAE_COLUMNS,
    ADSL_COLUMNS,
    SYNTHETIC_LABEL,
    AnalysisData,
    DatasetKind,
    DataSource,
    adae_problems,
    adsl_problems,
    adtte_problems,
    check_analysis_data,
    events_from_cnsr,
    invalid_cnsr,
    is_synthetic,
)

__all__ = [
    "ADAE_COLUMNS",
    "ADAE_LABELS",
    "ADSL_COLUMNS",
    "ADSL_LABELS",
    "ADTTE_COLUMNS",
    "ASSUMPTIONS",
    "CENSORING",
    "DAYS_PER_MONTH",
    "PARAMS",
    "SYNTHETIC_LABEL",
    "TACTICS_SOURCE",
    "AdtteRow",
    "AnalysisData",
    "DataSource",
    "DatasetKind",
    "EndpointOptions",
    "SyntheticCohort",
    "adae_problems",
    "adsl_problems",
    "adtte_problems",
    "adtte_rows",
    "check_analysis_data",
    "derive_adtte",
    "events_from_cnsr",
    "invalid_cnsr",
    "is_synthetic",
    "tactics_like_cohort",
]
