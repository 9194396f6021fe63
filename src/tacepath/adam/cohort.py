"""A synthetic TACTICS-like cohort (ADSL, ADTTE, ADAE) for trying the analysis end to end.

SYNTHETIC — not trial data. Every row carries ``DATASRC = "SYNTHETIC — not trial data"``
(XPT files also as their file label, Parquet files in their metadata), and the written
folder has a ``README.txt`` saying so. The numbers the generator is calibrated to are the
published ones of the TACTICS final analysis [1]_; everything else is a stated modelling
assumption, listed in :data:`ASSUMPTIONS` and repeated in :attr:`SyntheticCohort.notes`.

From the paper [1]_:

* arms: TACE plus sorafenib 80, TACE alone 76 randomised; 77 and 71 received protocol
  treatment (safety population) (Fig. 1);
* enrolment February 2011 to March 2016; data cut-off July 31, 2020 (Results, Methods);
* 33 centres; allocation factors site, Milan criteria (within/beyond), prior TACE
  (0 vs 1–2) (Methods, Randomization);
* baseline counts per arm of sex, ECOG PS, aetiology, Child-Pugh score, AFP, Milan,
  up-to-7, BCLC stage and prior TACE (Table 1), reproduced exactly per arm; age group
  < 65 / ≥ 65 overall 27 / 129 (Fig. 3);
* exponential times with the final medians: OS 36.2 vs 30.8 months, TACE-specific PFS
  22.8 vs 13.5 months (Abstract; Results);
* post-trial anticancer treatment 47 of 80 vs 58 of 76 (Table 2);
* adverse events within 8 weeks of the first TACE, per term and arm, grades 1–2, 3 and 4
  (Table 3), reproduced exactly per arm in the safety population.

References
----------
.. [1] Kudo M, Ueshima K, Ikeda M, et al. Final results of TACTICS: a randomized,
   prospective trial comparing transarterial chemoembolization plus sorafenib to
   transarterial chemoembolization alone in patients with unresectable hepatocellular
   carcinoma. Liver Cancer 2022;11(4):354-367. doi:10.1159/000522547
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tacepath.adam.endpoints import ADTTE_COLUMNS, PARAMS
from tacepath.adam.model import SYNTHETIC_LABEL
from tacepath.errors import InputError

__all__ = [
    "ADAE_LABELS",
    "ADSL_LABELS",
    "ASSUMPTIONS",
    "DAYS_PER_MONTH",
    "TACTICS_SOURCE",
    "SyntheticCohort",
    "cohort_files",
    "cohort_readme",
    "tactics_like_cohort",
]

TACTICS_SOURCE = (
    "Kudo M, et al. Final results of TACTICS. Liver Cancer 2022;11(4):354-367. "
    "doi:10.1159/000522547"
)
DAYS_PER_MONTH = 365.25 / 12
"""Days per month (30.4375): the conversion of ``AVAL`` days to months, here and in the plan."""

EXPERIMENTAL = "TACE plus sorafenib"
REFERENCE = "TACE alone"
_ARMS: tuple[tuple[str, int, int], ...] = (
    # arm, randomised, safety population (Fig. 1)
    (EXPERIMENTAL, 80, 77),
    (REFERENCE, 76, 71),
)
_MEDIANS_MONTHS: Mapping[str, Mapping[str, float]] = {
    # Final analysis (Abstract; Results).
    "OS": {EXPERIMENTAL: 36.2, REFERENCE: 30.8},
    "TACEPFS": {EXPERIMENTAL: 22.8, REFERENCE: 13.5},
}
_ENROL_FIRST = dt.date(2011, 2, 1)  # "between February 2011 and March 2016"
_ENROL_LAST = dt.date(2016, 3, 31)
_CUTOFF = dt.date(2020, 7, 31)  # "the cut-off date of July 31, 2020"
_SITES = 33  # "33 centers across Japan"

# Table 1 counts per arm: (TACE plus sorafenib, TACE alone).
_TABLE1: Mapping[str, Mapping[str, tuple[int, int]]] = {
    "SEX": {"M": (63, 55), "F": (17, 21)},
    "ECOG": {"0": (71, 67), "1": (9, 9)},
    "ETIOL": {"HBV": (10, 2), "HCV": (38, 53), "NBNC": (32, 21)},
    "CPSCORE": {"5": (64, 54), "6": (15, 17), "7": (1, 5)},
    "AFPGR1": {"<200": (64, 60), ">=200": (16, 16)},
    "MILANGR": {"WITHIN": (28, 35), "BEYOND": (52, 41)},
    "UPTO7GR": {"WITHIN": (54, 50), "BEYOND": (26, 26)},
    "BCLC": {"A": (27, 33), "B": (44, 34), "C": (9, 9)},
    "PTACEGR": {"0": (45, 48), "1-2": (35, 28)},
}
_AGE_UNDER_65 = 27  # Fig. 3: < 65 years 27 (17%), >= 65 years 129 (83%), both arms together
_POST_TREATMENT = {EXPERIMENTAL: 47, REFERENCE: 58}  # Table 2

# Table 3: term -> ((grade 1-2, grade 3, grade 4) TACE plus sorafenib, (...) TACE alone).
_TABLE3: Mapping[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "Elevated AST": ((50, 17, 5), (50, 14, 1)),
    "Elevated ALT": ((50, 18, 1), (42, 13, 0)),
    "Thrombocytopenia": ((57, 10, 0), (51, 2, 0)),
    "Elevated bilirubin": ((54, 1, 0), (37, 2, 0)),
    "Anemia": ((49, 1, 0), (34, 1, 0)),
    "Hand-foot skin reaction": ((47, 4, 0), (0, 0, 0)),
    "Hypertension": ((37, 8, 0), (25, 3, 0)),
    "Elevated lipase": ((26, 11, 1), (16, 2, 0)),
    "Elevated serum amylase": ((26, 6, 0), (18, 1, 0)),
    "Neutropenia": ((26, 4, 0), (29, 0, 0)),
    "Decreased WBC count": ((28, 1, 0), (26, 0, 0)),
    "Malaise": ((20, 0, 0), (9, 0, 0)),
    "Fatigue": ((18, 2, 0), (7, 0, 0)),
    "Fever": ((14, 1, 0), (18, 0, 0)),
    "Anorexia": ((9, 2, 0), (7, 1, 0)),
    "Diarrhea": ((11, 2, 0), (0, 0, 0)),
    "Erythema multiforme": ((7, 2, 0), (0, 0, 0)),
    "Weight loss": ((10, 0, 0), (2, 0, 0)),
    "Hoarseness": ((10, 0, 0), (0, 0, 0)),
}

ASSUMPTIONS: tuple[str, ...] = (
    "Times are exponential with the paper's final medians; one uniform draw per patient "
    "gives both endpoints (TACE-specific PFS = OS x PFS median / OS median), so PFS never "
    "exceeds OS and every PFS event is a progression. The strata carry no prognostic effect.",
    "Randomisation dates are uniform over February 2011 - March 2016; the only censoring is "
    "administrative, at the data cut-off of July 31, 2020 (no loss to follow-up).",
    "Sites are drawn uniformly from 33 centres (the paper gives no per-site numbers).",
    "Baseline factors reproduce Table 1's counts per arm but are drawn independently of each "
    "other, except: within Milan implies within up-to-7, and BCLC C is exactly the ECOG PS 1 "
    "patients (Table 1 footnote: PS 1, no vascular invasion or extrahepatic spread). Age is "
    "given as < 65 / >= 65 only (27 / 129 over both arms, Fig. 3), assigned at random.",
    "Post-trial treatment (Table 2) and the adverse events (Table 3, worst grade per term; "
    "grades 1-2 recorded as ATOXGR '1-2', ATOXGRN 2 since the paper does not split them) are "
    "assigned at random within the arm and independent of outcome.",
)

ADSL_LABELS: Mapping[str, str] = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "SITEID": "Study Site Identifier",
    "TRT01P": "Planned Treatment for Period 01",
    "TRT01A": "Actual Treatment for Period 01",
    "RANDDT": "Date of Randomization",
    "ITTFL": "Intent-To-Treat Population Flag",
    "SAFFL": "Safety Population Flag",
    "AGEGR1": "Pooled Age Group 1",
    "SEX": "Sex",
    "ECOG": "ECOG Performance Status",
    "ETIOL": "Aetiology (HBV, HCV, non-B non-C)",
    "CPSCORE": "Child-Pugh Score",
    "AFPGR1": "AFP Group (ng/mL)",
    "MILANGR": "Milan Criteria",
    "UPTO7GR": "Up-to-7 Criteria",
    "BCLC": "BCLC Stage",
    "PTACEGR": "Prior TACE Sessions",
    "POSTTRFL": "Post-Trial Anticancer Treatment Flag",
    "DATASRC": "Data Source",
}
ADAE_LABELS: Mapping[str, str] = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "AEDECOD": "Adverse Event Term (as Table 3)",
    "ATOXGR": "Analysis Toxicity Grade",
    "ATOXGRN": "Analysis Toxicity Grade (N)",
    "TRTEMFL": "Treatment Emergent Analysis Flag",
    "DATASRC": "Data Source",
}
_ADTTE_LABELS: Mapping[str, str] = {
    "USUBJID": "Unique Subject Identifier",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "STARTDT": "Time-to-Event Origin Date",
    "ADT": "Analysis Date",
    "AVAL": "Analysis Value",
    "AVALU": "Analysis Value Unit",
    "CNSR": "Censor",
    "EVNTDESC": "Event or Censoring Description",
    "CNSDTDSC": "Censor Date Description",
    "DATASRC": "Data Source",
}
_STUDY = "TACTICS-LIKE-SYN"


@dataclass(frozen=True, slots=True, kw_only=True)
class SyntheticCohort:
    """A synthetic cohort: ADSL, ADTTE and ADAE frames with how they were made.

    ``seed`` reproduces it exactly; ``notes`` lists the modelling assumptions and
    ``source`` the paper whose numbers it is calibrated to.
    """

    adsl: pd.DataFrame
    adtte: pd.DataFrame
    adae: pd.DataFrame
    like: str
    seed: int
    source: str
    notes: tuple[str, ...]


def _shuffled(rng: np.random.Generator, counts: Mapping[str, int]) -> np.ndarray:
    values = np.repeat(np.asarray(list(counts), dtype=object), list(counts.values()))
    return rng.permutation(values)


def _baseline(rng: np.random.Generator, arm_index: int, n: int) -> dict[str, np.ndarray]:
    """Table 1 factors of one arm, exact counts, with the two logical links kept."""
    per = {k: {lvl: c[arm_index] for lvl, c in v.items()} for k, v in _TABLE1.items()}
    out: dict[str, np.ndarray] = {}
    for var in ("SEX", "ECOG", "ETIOL", "CPSCORE", "AFPGR1", "MILANGR", "PTACEGR"):
        out[var] = _shuffled(rng, per[var])
        assert out[var].size == n
    # Up-to-7: everyone within Milan is within up-to-7; the rest of "within" among beyond.
    upto7 = np.full(n, "BEYOND", dtype=object)
    within_milan = out["MILANGR"] == "WITHIN"
    upto7[within_milan] = "WITHIN"
    extra = per["UPTO7GR"]["WITHIN"] - int(within_milan.sum())
    beyond_idx = np.flatnonzero(~within_milan)
    upto7[rng.choice(beyond_idx, size=extra, replace=False)] = "WITHIN"
    out["UPTO7GR"] = upto7
    # BCLC C is exactly the PS 1 patients; A/B shuffled among PS 0.
    bclc = np.full(n, "C", dtype=object)
    ps0 = np.flatnonzero(out["ECOG"] == "0")
    bclc[ps0] = _shuffled(rng, {"A": per["BCLC"]["A"], "B": per["BCLC"]["B"]})
    out["BCLC"] = bclc
    return out


def _days(months: np.ndarray) -> np.ndarray:
    return np.maximum(1, np.ceil(months * DAYS_PER_MONTH)).astype(np.int64)


def _adtte_rows(
    ids: Sequence[str], rand: Sequence[dt.date], arm: Sequence[str], u: np.ndarray
) -> pd.DataFrame:
    rows = []
    descs = {"OS": "DEATH", "TACEPFS": "UNTACEABLE PROGRESSION"}
    for code in ("TACEPFS", "OS"):
        medians = np.asarray([_MEDIANS_MONTHS[code][a] for a in arm])
        months = -np.log(u) * medians / math.log(2.0)
        days = _days(months)
        for sid, start, d in zip(ids, rand, days, strict=True):
            end = start + dt.timedelta(days=int(d) - 1)
            event = end <= _CUTOFF
            adt = end if event else _CUTOFF
            rows.append(
                {
                    "USUBJID": sid,
                    "PARAMCD": code,
                    "PARAM": PARAMS[code],
                    "STARTDT": start,
                    "ADT": adt,
                    "AVAL": (adt - start).days + 1,
                    "AVALU": "DAYS",
                    "CNSR": 0 if event else 1,
                    "EVNTDESC": descs[code] if event else "",
                    "CNSDTDSC": "" if event else "DATA CUT-OFF (ADMINISTRATIVE)",
                }
            )
    frame = pd.DataFrame(rows, columns=list(ADTTE_COLUMNS))
    for col in ("STARTDT", "ADT"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def _adae_rows(rng: np.random.Generator, safety: Mapping[int, list[str]]) -> pd.DataFrame:
    rows = []
    for term, per_arm in _TABLE3.items():
        for arm_index, (g12, g3, g4) in enumerate(per_arm):
            pool = safety[arm_index]
            chosen = rng.choice(len(pool), size=g12 + g3 + g4, replace=False)
            grades = ["1-2"] * g12 + ["3"] * g3 + ["4"] * g4
            for k, grade in zip(sorted(chosen), rng.permutation(grades), strict=True):
                rows.append(
                    {
                        "STUDYID": _STUDY,
                        "USUBJID": pool[k],
                        "AEDECOD": term,
                        "ATOXGR": grade,
                        "ATOXGRN": 2 if grade == "1-2" else int(grade),
                        "TRTEMFL": "Y",
                    }
                )
    frame = pd.DataFrame(rows)
    frame = frame.sort_values(["USUBJID", "AEDECOD"], kind="stable").reset_index(drop=True)
    frame["DATASRC"] = SYNTHETIC_LABEL
    return frame


def tactics_like_cohort(*, seed: int = 20200731) -> SyntheticCohort:
    """A synthetic cohort shaped like TACTICS (see the module docstring for what is the
    paper's and what is assumed). The same ``seed`` gives the same data sets.

    Returns
    -------
    SyntheticCohort
        ADSL (156 subjects), ADTTE (``TACEPFS`` and ``OS`` per subject, ``AVAL`` in days,
        ``CNSR`` 0 event / 1 censored at the cut-off) and ADAE (worst grade per subject and
        Table 3 term, safety population), each with ``DATASRC`` =
        ``"SYNTHETIC — not trial data"``.
    """
    if not isinstance(seed, int) or seed < 0:
        raise InputError("--seed", seed, "an integer ≥ 0")
    rng = np.random.default_rng(seed)
    ids: list[str] = []
    columns: dict[str, list[object]] = {}
    safety: dict[int, list[str]] = {}
    enrol_days = (_ENROL_LAST - _ENROL_FIRST).days
    k = 0
    for arm_index, (arm, n, n_safety) in enumerate(_ARMS):
        base = _baseline(rng, arm_index, n)
        saf = rng.permutation(
            np.repeat(np.asarray(["Y", "N"], dtype=object), [n_safety, n - n_safety])
        )
        post = _shuffled(rng, {"Y": _POST_TREATMENT[arm], "N": n - _POST_TREATMENT[arm]})
        arm_ids = [f"SYN-{k + i + 1:03d}" for i in range(n)]
        k += n
        ids += arm_ids
        safety[arm_index] = [s for s, f in zip(arm_ids, saf, strict=True) if f == "Y"]
        cols: dict[str, list[object]] = {
            "TRT01P": [arm] * n,
            "TRT01A": [arm if f == "Y" else None for f in saf],
            "SAFFL": list(saf),
            "POSTTRFL": list(post),
            **{var: list(v) for var, v in base.items()},
        }
        for name, values in cols.items():
            columns.setdefault(name, []).extend(values)
    total = len(ids)
    age = np.full(total, ">=65", dtype=object)
    age[rng.choice(total, size=_AGE_UNDER_65, replace=False)] = "<65"
    rand = [
        _ENROL_FIRST + dt.timedelta(days=int(d)) for d in rng.integers(0, enrol_days + 1, total)
    ]
    site = [f"S{int(s):02d}" for s in rng.integers(1, _SITES + 1, total)]
    u = rng.random(total)
    adsl = pd.DataFrame(
        {
            "STUDYID": _STUDY,
            "USUBJID": ids,
            "SITEID": site,
            "TRT01P": columns["TRT01P"],
            "TRT01A": columns["TRT01A"],
            "RANDDT": pd.to_datetime(rand),
            "ITTFL": "Y",
            "SAFFL": columns["SAFFL"],
            "AGEGR1": list(age),
            **{var: columns[var] for var in _TABLE1},
            "POSTTRFL": columns["POSTTRFL"],
            "DATASRC": SYNTHETIC_LABEL,
        }
    )
    adtte = _adtte_rows(ids, rand, columns["TRT01P"], u)  # type: ignore[arg-type]
    adtte["DATASRC"] = SYNTHETIC_LABEL
    adae = _adae_rows(rng, safety)
    adae.insert(0, "STUDYID", adae.pop("STUDYID"))
    return SyntheticCohort(
        adsl=adsl,
        adtte=adtte,
        adae=adae,
        like="tactics",
        seed=seed,
        source=TACTICS_SOURCE,
        notes=ASSUMPTIONS,
    )


def cohort_readme(cohort: SyntheticCohort, files: Sequence[str]) -> str:
    """The text of the cohort's ``README.txt`` naming ``files`` (every line says synthetic)."""
    lines = [
        SYNTHETIC_LABEL.upper(),
        "",
        f"A synthetic {cohort.like.upper()}-like cohort made by tacepath "
        f"(tacepath simulate cohort --like {cohort.like} --seed {cohort.seed}).",
        "It is calibrated to published summary numbers only and contains no patient's data.",
        f"Calibrated to: {cohort.source}",
        "",
        "Files: " + ", ".join(files),
        "",
        "Assumptions (not from the paper):",
        *[f"- {n}" for n in cohort.notes],
        "",
    ]
    return "\n".join(lines)


def cohort_files(
    cohort: SyntheticCohort,
) -> tuple[tuple[str, pd.DataFrame, Mapping[str, str]], ...]:
    """The cohort's data sets as (name, frame, variable labels): ``adsl``, ``adtte``, ``adae``."""
    return (
        ("adsl", cohort.adsl, ADSL_LABELS),
        ("adtte", cohort.adtte, _ADTTE_LABELS),
        ("adae", cohort.adae, ADAE_LABELS),
    )
