"""The permission table: which role may do what (data, printed in docs/platform.md).

Every API endpoint and page names one permission (``tests/platform/test_access_control.py``
calls every endpoint with every role and checks the answer against this table), and every use
case checks it again. Organisations are separate whatever the role: nobody sees another
organisation's records.
"""

from __future__ import annotations

from dataclasses import dataclass

from tacepath.service.errors import PermissionDenied
from tacepath.store.models import ROLES

__all__ = [
    "PERMISSIONS",
    "ROLES",
    "Permission",
    "allowed",
    "check",
    "permission_table_markdown",
]


@dataclass(frozen=True, slots=True)
class Permission:
    name: str
    what: str
    roles: frozenset[str]


def _p(name: str, what: str, *roles: str) -> Permission:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)} in permission {name}")
    return Permission(name, what, frozenset(roles))


#: The table. ``authenticated`` is every signed-in user (own account and API tokens).
PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in (
        _p(
            "patient.read",
            "see patients, scores, pathway, schedule, course, decisions",
            "clinician",
            "navigator",
        ),
        _p(
            "patient.write",
            "create patients, add snapshots, edit the course header",
            "clinician",
            "navigator",
        ),
        _p(
            "followup.record",
            "enter a follow-up (imaging, labs, AEs) and get the decision",
            "clinician",
        ),
        _p("summary.read", "MDT and patient summaries (HTML, PDF)", "clinician", "navigator"),
        _p("interop.import", "import a FHIR Bundle or a registry CSV", "clinician", "navigator"),
        _p(
            "interop.export", "export a patient's record as a FHIR Bundle", "clinician", "navigator"
        ),
        _p("evidence.read", "the evidence registry and its conflicts", *ROLES),
        _p("grade.use", "CTCAE grading and label dose actions", "clinician"),
        _p("trial.read", "see trial workspaces, files and reports", "statistician"),
        _p("trial.write", "create trial workspaces, upload ADSL/ADTTE and SAP", "statistician"),
        _p("trial.run", "run a trial's analysis plan", "statistician"),
        _p(
            "reconstruct.run", "reconstruct IPD from a digitised Kaplan-Meier curve", "statistician"
        ),
        _p("users.manage", "list and add users of the organisation", "admin"),
        _p("letters.edit", "edit the organisation's letter templates", "admin", "navigator"),
        _p(
            "audit.read",
            "the organisation's audit trail: admin every record without values; "
            "clinician, navigator their patients' records with the values changed",
            "clinician",
            "navigator",
            "admin",
        ),
        _p("authenticated", "own account, API tokens, log out", *ROLES),
    )
}


def allowed(role: str, permission: str) -> bool:
    """Whether ``role`` has ``permission`` (an unknown permission is never allowed)."""
    p = PERMISSIONS.get(permission)
    return p is not None and role in p.roles


def check(role: str, permission: str) -> None:
    """Raise :class:`PermissionDenied` unless ``role`` has ``permission``."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if not allowed(role, permission):
        raise PermissionDenied(permission, role)


def permission_table_markdown() -> str:
    """The table as Markdown (one row per permission, one column per role)."""
    head = "| permission | what | " + " | ".join(ROLES) + " |"
    rule = "|---|---|" + "---|" * len(ROLES)
    rows = [
        f"| `{p.name}` | {p.what} | "
        + " | ".join("yes" if r in p.roles else "—" for r in ROLES)
        + " |"
        for p in PERMISSIONS.values()
    ]
    return "\n".join([head, rule, *rows])
