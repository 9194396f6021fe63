"""API fuzzing with schemathesis against the OpenAPI schema: no input makes a 5xx.

Every operation of ``/openapi.json`` gets generated requests (valid and invalid by the
schema), sent with the API token of a role that the permission table allows for it, on a
database holding a patient with a timeline, a trial with a file and a stored analysis.
"""

from __future__ import annotations

from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from tacepath.service.permissions import allowed  # noqa: E402
from tests.platform.conftest import BACKENDS, ROLES, _Backend, make_org  # noqa: E402
from tests.platform.test_access_control import _build, _permission, _routes  # noqa: E402

MAX_EXAMPLES = 12


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tacepath.app import Settings, create_app
    from tacepath.service.db import Database

    backend = _Backend(request.param, tmp_path_factory.mktemp(f"fuzz-{request.param}"))
    url = backend.fresh()
    db = Database(url, migrate=False, pool_size=5)
    app = create_app(Settings(database_url=url, migrate=False), db=db)
    world = _build(db, make_org(db, "Hospital A", "a"))
    perms = {(m, p): _permission(r) for m, p, r in _routes(app)}
    yield app, world, perms
    db.dispose()
    backend.close()


# Signing out and revoking tokens would end the fuzzing session's own credentials (both are
# tested in test_auth.py and test_access_control.py).
EXCLUDED = {("POST", "/api/auth/logout"), ("DELETE", "/api/tokens/{token_id}")}


def _operations(app: Any) -> list[Any]:
    """Every operation of the app's OpenAPI schema but the excluded ones."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [result.ok() for result in schema.get_all_operations()]
    return [op for op in ops if (op.method.upper(), op.path) not in EXCLUDED]


def _server_errors(op: Any, token: str) -> list[str]:
    """Generated requests for one operation; the 5xx answers found (empty when none)."""

    @given(case=op.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        response = case.call(headers={"Authorization": f"Bearer {token}"})
        case.validate_response(response, checks=[not_a_server_error])

    try:
        run()
    except Exception as exc:  # the check's failure (with the shrunk example) or an error
        return [f"{op.method.upper()} {op.path}: {type(exc).__name__}: {str(exc)[:400]}"]
    return []


def test_no_server_error(fuzz_world: Any) -> None:
    app, world, perms = fuzz_world
    operations = _operations(app)
    assert len(operations) > 30, "the schema lost its operations"
    errors: list[str] = []
    for op in operations:
        perm = perms.get((op.method.upper(), op.path))
        roles = [r for r in ROLES if perm and allowed(r, perm)] or ["clinician"]
        errors += _server_errors(op, world.tokens[roles[0]])
    assert not errors, "\n".join(errors)
