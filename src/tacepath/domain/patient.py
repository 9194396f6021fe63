"""The patient snapshot: one patient at one moment, as the clinical calculators see it.

This is the input contract of ``tacepath assess`` (see the README). Structure and categories
are checked by pydantic; lab units and validation limits by :func:`tacepath.domain.labs.check_lab`.
Every problem is reported at once, each naming the field, the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tacepath.domain.labs import Labs, LabValue, check_lab
from tacepath.errors import InputError, InputErrors, Problem

__all__ = [
    "Ascites",
    "Encephalopathy",
    "History",
    "PatientSnapshot",
    "Sex",
    "Tumour",
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
#: Validation limit on the prothrombin-time prolongation over control, seconds.
MAX_PT_PROLONGATION_S = 100.0


class Tumour(BaseModel):
    """An intrahepatic tumour, by its largest diameter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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


class History(BaseModel):
    """What the treatment pathway screens for contraindications (the ``history`` object).

    A field that is absent is unknown. For the two dates, an explicit ``null`` means
    "never happened"; for the other fields ``null`` is the same as absent (unknown).
    ``varices: "unknown"`` states that varices were not assessed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

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
    prior_systemic_therapy: tuple[str, ...] | None = Field(
        default=None, description="Systemic anticancer drugs received before (names)."
    )
    prior_tace_sessions: Annotated[int | None, Field(ge=0, le=100)] = None

    def known(self, name: str) -> bool:
        """Whether ``name`` was given (for the dates, ``null`` counts as given: never)."""
        if name in ("variceal_bleeding_date", "thromboembolism_date"):
            return name in self.model_fields_set
        return getattr(self, name) is not None


class PatientSnapshot(BaseModel):
    """A patient at one time point: demographics, labs, clinical findings and tumours.

    Only ``id`` is required; a score whose inputs are missing is reported as not computable,
    naming the missing fields.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(min_length=1, description="Patient identifier.")]
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
        default=None, description="Intrahepatic tumours, largest diameter each."
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
