"""Common and easily guessed passwords are refused (ASVS 2.1.7).

Before: only the length was checked, so ``aaaaaaaaaaaa`` (12 characters) was accepted.
"""

from __future__ import annotations

from typing import Any

import pytest

from tacepath.errors import InputErrors
from tacepath.service.auth import create_user
from tacepath.service.passwords import MIN_SCORE, password_weakness
from tests.platform.conftest import PASSWORD, login


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaaaa", "Repeats"),
        ("password1234", "very common password"),
        ("Password123!", "similar to a commonly used password"),
        ("qwertyuiop123", ""),
    ],
)
def test_common_passwords_are_refused_with_a_clear_message(
    db: Any, orgs: Any, password: str, reason: str
) -> None:
    with pytest.raises(InputErrors) as err:
        create_user(
            db,
            None,
            organisation_id=orgs[0].id,
            username="newuser",
            password=password,
            role="navigator",
        )
    (problem,) = err.value.problems
    assert problem.field == "password"
    assert problem.value == "(hidden)"
    assert problem.allowed.startswith("not a common or easily guessed password")
    assert reason in problem.allowed
    assert password not in problem.allowed  # the message never repeats the password


def test_the_user_name_and_full_name_count_as_guessable() -> None:
    assert password_weakness("Hepatologist Smith", ()) is None
    assert password_weakness("Hepatologist Smith", ("hsmith", "Hepatologist Smith")) is not None


@pytest.mark.parametrize(
    "password", [PASSWORD, "a long enough password", "tR7#kq9!Lm2@xz", "x" * 5 + "Q7%vLp0!zr" * 100]
)
def test_strong_passwords_are_accepted(password: str) -> None:
    assert password_weakness(password) is None


def test_the_api_and_the_admin_page_refuse_a_common_password(client: Any, orgs: Any) -> None:
    login(client, "a-admin")
    r = client.post(
        "/api/users", json={"username": "weak1", "role": "navigator", "password": "password1234"}
    )
    assert r.status_code == 422
    assert "very common password" in r.text
    assert "password1234" not in r.text
    r = client.post(
        "/api/users",
        json={"username": "strong1", "role": "navigator", "password": "a long enough password"},
    )
    assert r.status_code == 201, r.text


def test_the_threshold_is_zxcvbns_safely_unguessable_score() -> None:
    from zxcvbn import zxcvbn

    assert MIN_SCORE == 3
    # both sides of the threshold: score 2 refused, score 3 accepted
    assert zxcvbn("iloveyou2024!")["score"] == 2
    assert password_weakness("iloveyou2024!") is not None
    assert zxcvbn("Summer2019!!")["score"] == 3
    assert password_weakness("Summer2019!!") is None
    # the product's name counts as guessable
    assert password_weakness("Tacepath2026!") is not None
