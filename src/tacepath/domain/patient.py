"""The patient snapshot: one patient at one moment, as the clinical calculators see it.

This is the input contract of ``tacepath assess`` (see the README). Structure and categories
are checked by pydantic; lab units and validation limits by :func:`tacepath.domain.labs.check_lab`.
Every problem is reported at once, each naming the field, the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from tacepath.domain.labs import Labs, LabValue, check_lab
from tacepath.domain.values import Record, check_identifier
from tacepath.errors import InputError, InputErrors, Problem

__all__ = [
    "Ascites",
    "Encephalopathy",
    "History",
    "PatientSnapshot",
    "Sex",
    "TaceFailure",
    "TaceFailureCriterion",
    "Tumour",
    "input_warnings",
    "parse_patient",
    "parse_patients",
    "patient_json_schema",
]

Sex = Literal["male", "female"]
Ascites = Literal["none", "mild", "moderate-severe"]
Encephalopathy = Literal["none", "grade-1-2", "grade-3-4"]
Varices = Literal["none", "low-risk", "high-risk-untreated", "treated", "unknown"]
Hypertension = Literal["none", "controlled", "uncontrolled"]
Autoimmune = Literal["none", "inactive", "active"]

#: Validation limit on a tumour diameter (not a clinical cut-off): refuses unit mix-ups
#: such as centimetres entered as metres, accepts giant HCC.
MAX_TUMOUR_DIAMETER_MM = 400.0
#: Plausibility limit on a tumour diameter (not a clinical cut-off): a smaller value is
#: accepted (small nodules exist) with a warning that it may have been typed in centimetres.
SMALL_TUMOUR_DIAMETER_MM = 10.0
#: Validation limit on the prothrombin-time prolongation over control, seconds.
MAX_PT_PROLONGATION_S = 100.0
#: Validation limit on the tumours listed in one snapshot (each measured tumour is one entry;
#: a liver with more is described as diffuse, not listed).
MAX_TUMOURS = 100
#: Characters of a patient identifier (the stored record's limit).
MAX_PATIENT_ID_CHARS = 64


class Tumour(Record):
    """An intrahepatic tumour, by its largest diameter."""

    diameter_mm: Annotated[
        float,
        Field(
            gt=0,
            le=MAX_TUMOUR_DIAMETER_MM,
            allow_inf_nan=False,
            description="Largest diameter in millimetres.",
        ),
    ]

    @property
    def diameter_cm(self) -> float:
        return self.diameter_mm / 10.0


#: How TACE failure was established (response/tace_failure.py derives both from a timeline).
TaceFailureCriterion = Literal["untaceable_progression", "jsh_refractoriness"]


class TaceFailure(Record):
    """A recorded TACE failure: the date and the criterion that established it."""

    date: dt.date = Field(description="Date TACE failure was established.")
    criterion: TaceFailureCriterion = Field(
        description="unTACEable progression (TACTICS) or JSH-LCSGJ TACE refractoriness."
    )


class History(Record):
    """What the treatment pathway screens for contraindications (the ``history`` object).

    A field that is absent is unknown. For the dates, an explicit ``null`` means
    "never happened"; for the other fields ``null`` is the same as absent (unknown).
    ``varices: "unknown"`` states that varices were not assessed. The TACE fields follow
    the EASL 2018 contraindication table; the others are criteria of the trials behind the
    regimens (docs/pathway.md names the rule and the source of each).
    """

    #: The date fields: ``null`` given explicitly means "never".
    DATES: ClassVar[tuple[str, ...]] = (
        "variceal_bleeding_date",
        "thromboembolism_date",
        "gastric_bleeding_date",
        "cardiovascular_disease_date",
        "last_tace_date",
    )

    varices: Varices | None = Field(default=None, description="Oesophageal/gastric varices.")
    variceal_bleeding_date: dt.date | None = Field(
        default=None, description="Date of the last variceal bleeding; null = never."
    )
    hypertension: Hypertension | None = None
    proteinuria_g_per_24h: Annotated[
        float | None, Field(ge=0, le=50, allow_inf_nan=False, description="Urine protein g/24 h.")
    ] = None
    thromboembolism_date: dt.date | None = Field(
        default=None, description="Date of the last thromboembolic event; null = never."
    )
    autoimmune_disease: Autoimmune | None = None
    organ_transplant: bool | None = Field(default=None, description="Prior solid organ transplant.")
    prior_systemic_therapy: (
        tuple[Annotated[str, Field(min_length=1, max_length=80)], ...] | None
    ) = Field(
        default=None,
        max_length=50,
        description="Systemic anticancer drugs received before (names).",
    )
    prior_tace_sessions: Annotated[int | None, Field(ge=0, le=100)] = None
    last_tace_date: dt.date | None = Field(
        default=None, description="Date of the last TACE session; null = never."
    )
    locoregional_therapy_to_current_tumours: bool | None = Field(
        default=None,
        description="Locoregional therapy (TACE, ablation, radiotherapy, radioembolisation) "
        "already given to the tumours present now.",
    )
    # TACE contraindications (EASL 2018 table, secondary reproduction)
    jaundice: bool | None = Field(default=None, description="Clinical jaundice.")
    refractory_ascites: bool | None = Field(
        default=None, description="Refractory ascites (asked only when ascites is present)."
    )
    hepatorenal_syndrome: bool | None = None
    bland_portal_vein_thrombosis: bool | None = Field(
        default=None, description="Portal-vein thrombus without tumour (bland thrombus)."
    )
    hepatofugal_portal_flow: bool | None = Field(
        default=None, description="Hepatofugal (reversed) portal-vein flow."
    )
    tumour_in_both_entire_lobes: bool | None = Field(
        default=None, description="Extensive tumour involving both entire liver lobes."
    )
    intra_arterial_technical_contraindication: bool | None = Field(
        default=None, description="Technical contraindication to hepatic intra-arterial treatment."
    )
    creatinine_clearance_ml_min: Annotated[
        float | None,
        Field(
            ge=0,
            le=300,
            allow_inf_nan=False,
            description="Creatinine clearance, mL/min (measured or as the team estimates it).",
        ),
    ] = None
    severe_comorbidity: bool | None = None
    incompetent_papilla_with_aerobilia: bool | None = Field(
        default=None, description="Incompetent papilla with aerobilia (biliary stent or surgery)."
    )
    biliary_dilatation: bool | None = None
    # criteria of the trials behind the regimens
    gastric_bleeding_date: dt.date | None = Field(
        default=None,
        description="Date of the last bleeding from the stomach (any cause, gastric varices "
        "included); null = never.",
    )
    cardiovascular_disease_date: dt.date | None = Field(
        default=None,
        description="Last date clinically significant cardiovascular disease (event or "
        "impairment) was present (the assessment date if ongoing); null = never.",
    )
    nephrotic_or_nephritic_syndrome: bool | None = Field(
        default=None, description="History of nephrotic or nephritic syndrome."
    )
    liver_transplant_candidate: bool | None = Field(
        default=None, description="Currently a candidate for liver transplantation."
    )
    hbv_hcv_coinfection: bool | None = Field(
        default=None, description="Hepatitis B and hepatitis C co-infection."
    )
    tace_failure: TaceFailure | None = Field(
        default=None,
        description="TACE failure already established (date and criterion); null: none recorded. "
        "After it, TACE is not repeated (docs/pathway.md, treatment-stage migration).",
    )

    @model_validator(mode="after")
    def _tace_dates_agree(self) -> History:
        if self.prior_tace_sessions == 0 and self.last_tace_date is not None:
            raise ValueError("last_tace_date must be null (never) when prior_tace_sessions is 0")
        if self.prior_tace_sessions and self.known("last_tace_date") and not self.last_tace_date:
            raise ValueError("last_tace_date cannot be null (never) after prior TACE sessions")
        return self

    def known(self, name: str) -> bool:
        """Whether ``name`` was given (for the dates, ``null`` counts as given: never).

        ``prior_tace_sessions: 0`` also gives ``last_tace_date`` (never)."""
        if name == "last_tace_date" and self.prior_tace_sessions == 0:
            return True
        if name in self.DATES:
            return name in self.model_fields_set
        return getattr(self, name) is not None


class PatientSnapshot(Record):
    """A patient at one time point: demographics, labs, clinical findings and tumours.

    Only ``id`` is required; a score whose inputs are missing is reported as not computable,
    naming the missing fields.
    """

    id: Annotated[
        str,
        StringConstraints(min_length=1, max_length=MAX_PATIENT_ID_CHARS),
        AfterValidator(check_identifier),
        Field(description="Patient identifier."),
    ]
    date: dt.date | None = Field(default=None, description="Date of the snapshot (ISO 8601).")
    sex: Sex | None = None
    age_years: Annotated[float | None, Field(ge=0, le=120, description="Age in years.")] = None
    ecog: Annotated[int | None, Field(ge=0, le=5, description="ECOG performance status 0–5.")] = (
        None
    )
    labs: Labs = Field(default_factory=Labs)
    pt_prolongation_s: Annotated[
        float | None,
        Field(
            ge=0,
            le=MAX_PT_PROLONGATION_S,
            description="Prothrombin time prolonged over control, seconds "
            "(Pugh's original variable; used by Child-Pugh when INR is absent).",
        ),
    ] = None
    dialysis_twice_past_week: bool | None = Field(
        default=None, description="Dialysis at least twice in the past 7 days (MELD)."
    )
    cvvhd_24h_past_week: bool | None = Field(
        default=None, description="24 hours of CVVHD in the past 7 days (MELD)."
    )
    ascites: Ascites | None = None
    encephalopathy: Encephalopathy | None = None
    cholestatic_disease: bool | None = Field(
        default=None,
        description="PBC/PSC: Child-Pugh uses the cholestatic bilirubin bands when true.",
    )
    tumours: tuple[Tumour, ...] | None = Field(
        default=None,
        max_length=MAX_TUMOURS,
        description="Intrahepatic tumours, largest diameter each.",
    )
    macrovascular_invasion: bool | None = None
    extrahepatic_spread: bool | None = None
    end_stage_liver_function: bool | None = Field(
        default=None,
        description="Clinician's judgement of end-stage liver function (BCLC D); "
        "never derived from scores.",
    )
    weight_kg: Annotated[
        float | None,
        Field(gt=0, le=400, allow_inf_nan=False, description="Body weight (lenvatinib dose)."),
    ] = None
    history: History | None = Field(
        default=None, description="Contraindication screen for the treatment pathway."
    )
    assessment_date: dt.date | None = Field(
        default=None, description="The date the pathway assesses the patient on."
    )

    @property
    def on_dialysis(self) -> bool | None:
        """True if either MELD dialysis criterion holds; None if neither is known."""
        flags = (self.dialysis_twice_past_week, self.cvvhd_24h_past_week)
        if any(f is True for f in flags):
            return True
        if all(f is None for f in flags):
            return None
        return False


def input_warnings(p: PatientSnapshot) -> tuple[str, ...]:
    """Valid values that look like a unit slip: shown with every result, never silently used.

    A tumour diameter under :data:`SMALL_TUMOUR_DIAMETER_MM` is accepted but may be
    centimetres typed as millimetres (4.5 for a 4.5 cm tumour).
    """
    out = []
    for i, t in enumerate(p.tumours or ()):
        if t.diameter_mm < SMALL_TUMOUR_DIAMETER_MM:
            out.append(
                f"tumours[{i}].diameter_mm = {t.diameter_mm:g}: under "
                f"{SMALL_TUMOUR_DIAMETER_MM:g} mm — check that it is millimetres, not "
                f"centimetres ({t.diameter_mm:g} cm would be {t.diameter_mm * 10:g} mm); every "
                "size-based result (BCLC, Milan, up-to-seven, HAP, TACE limits) uses it as mm"
            )
    return tuple(out)


_LAB_NAMES = tuple(Labs.model_fields)


def _field(loc: Sequence[int | str]) -> str:
    return ".".join(str(p) for p in loc)


def _problems_from_pydantic(err: ValidationError, prefix: str) -> list[Problem]:
    out: list[Problem] = []
    for e in err.errors():
        msg = str(e["msg"])
        allowed = msg.removeprefix("Input should be ").removeprefix("Value error, ")
        if e["type"] == "missing":
            allowed = "a value (required)"
            value: object = None
        elif e["type"] == "extra_forbidden":
            allowed = "no such field (see `tacepath schema patient`)"
            value = e.get("input")
        else:
            value = e.get("input")
        out.append(Problem(prefix + _field(e["loc"]), value, allowed))
    return out


def _lab_problems(raw: Mapping[str, Any], prefix: str) -> list[Problem]:
    labs = raw.get("labs")
    if not isinstance(labs, Mapping):
        return []
    out: list[Problem] = []
    for name in _LAB_NAMES:
        item = labs.get(name)
        if item is None:
            continue
        try:
            lab = LabValue.model_validate(item)
        except ValidationError:
            continue  # reported by the structural pass
        try:
            check_lab(name, lab, f"{prefix}labs.{name}")
        except InputError as exc:
            out.extend(exc.problems)
    return out


def parse_patient(raw: object, *, where: str = "") -> PatientSnapshot:
    """Validate one patient object; raise :class:`InputErrors` listing every problem.

    ``where`` prefixes field names (``"[2]."`` for the third patient of a list).
    """
    if not isinstance(raw, Mapping):
        raise InputError(where.rstrip(".") or "patient", type(raw).__name__, "a JSON object")
    problems: list[Problem] = []
    snapshot: PatientSnapshot | None = None
    try:
        snapshot = PatientSnapshot.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_problems_from_pydantic(exc, where))
    problems.extend(_lab_problems(raw, where))
    if problems or snapshot is None:
        raise InputErrors(problems)
    return snapshot


def parse_patients(raw: object) -> list[PatientSnapshot]:
    """Validate one patient object or a list of them (problems of all patients at once)."""
    if isinstance(raw, Mapping):
        return [parse_patient(raw)]
    if not isinstance(raw, list):
        raise InputError("input", type(raw).__name__, "a patient object or a list of them")
    out: list[PatientSnapshot] = []
    problems: list[Problem] = []
    for i, item in enumerate(raw):
        pid = item.get("id") if isinstance(item, Mapping) else None
        where = f"[{i}]" + (f"(id={pid})" if pid else "") + "."
        try:
            out.append(parse_patient(item, where=where))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputErrors(problems)
    return out


def patient_json_schema() -> dict[str, Any]:
    """The JSON Schema of one patient object (``tacepath schema patient``)."""
    schema = PatientSnapshot.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tacepath patient snapshot"
    return schema
