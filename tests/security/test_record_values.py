"""Identifiers, booleans and dates: what the domain's records refuse on every field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tacepath.domain.patient import parse_patient
from tacepath.domain.timeline import parse_timeline
from tacepath.errors import InputError

LESION = {"id": "L1", "organ": "liver", "target": True, "longest_mm": 30, "viable_longest_mm": 30}


def _timeline(**changes: Any) -> dict[str, Any]:
    tl: dict[str, Any] = {
        "id": "P1",
        "start_date": "2024-01-01",
        "assessments": [{"date": "2024-01-02", "lesions": [LESION]}],
    }
    tl.update(changes)
    return tl


@pytest.mark.parametrize(
    "pid",
    ["P\u200b001", "P001\u202e", "\u2066P001", "P\x00001", "P\n001", " P001", "P001 ", "P\ufeff1"],
)
def test_identifiers_with_invisible_characters_or_outer_spaces_are_refused(pid: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_patient({"id": pid})
    assert exc.value.problems[0].field == "id"
    with pytest.raises(InputError):
        parse_timeline(_timeline(id=pid))
    with pytest.raises(InputError):
        parse_timeline(_timeline(assessments=[{"date": "2024-01-02",
                                               "lesions": [{**LESION, "id": pid}]}]))  # fmt: skip


@pytest.mark.parametrize(
    ("pid", "says"),
    [
        ("P\u041e01", "mixes Cyrillic and Latin"),  # Cyrillic O in a Latin id: looks like PO01
        ("A\u0392C1", "mixes Greek and Latin"),  # Greek capital beta between Latin A and C
        ("\uff30001", "FULLWIDTH LATIN CAPITAL LETTER P"),  # looks like P001
        ("P\u00b2", "SUPERSCRIPT TWO"),
        ("\ufb01le-1", "LATIN SMALL LIGATURE FI"),
    ],
)
def test_look_alike_identifiers_are_refused(pid: str, says: str) -> None:
    """Unicode TS #39: identifiers stable under NFKC, their letters of one script."""
    with pytest.raises(InputError) as exc:
        parse_patient({"id": pid})
    assert exc.value.problems[0].field == "id"
    assert says in exc.value.problems[0].allowed
    with pytest.raises(InputError):
        parse_timeline(_timeline(id=pid))


@pytest.mark.parametrize(
    "pid",
    [
        "P001",
        "M\u00fcller-7",
        "\u5c71\u7530\u30bf\u30ed\u30fc",
        "\uae40\ucca0\uc218",
        "\u0395\u039b-1",
        "HCC-2026/04",
    ],
)
def test_identifiers_of_one_script_are_accepted(pid: str) -> None:
    assert parse_patient({"id": pid}).id == pid


@pytest.mark.parametrize(
    ("pid", "looks_like", "script"),
    [
        ("\u0420001", "P001", "Cyrillic"),  # Cyrillic ER, then digits
        ("\u0410\u0412\u0421-12", "ABC-12", "Cyrillic"),
        ("\u041e\u041e7", "OO7", "Cyrillic"),
        ("\u0391\u0392\u0395", "ABE", "Greek"),
    ],
)
def test_an_identifier_wholly_in_another_script_that_looks_latin_is_refused(
    pid: str, looks_like: str, script: str
) -> None:
    """Unicode TS #39 section 4, whole-script confusables, from Unicode's confusables.txt."""
    for parse in (lambda: parse_patient({"id": pid}), lambda: parse_timeline(_timeline(id=pid))):
        with pytest.raises(InputError) as exc:
            parse()
        problem = exc.value.problems[0]
        assert str(problem.field).endswith("id")
        assert problem.allowed == (
            "an identifier that cannot be taken for one in Latin letters "
            f"(written in {script}, it looks like {looks_like!r})"
        )
    assert parse_patient({"id": looks_like}).id == looks_like  # the Latin one is fine


@pytest.mark.parametrize(
    "pid",
    [
        "\u041f\u0430\u0446\u0438\u0435\u043d\u0442-7",  # Cyrillic, PE and TSE look like no Latin
        "\u0391\u03bb\u03c6\u03b1",  # Greek Alpha-lambda-phi-alpha
        "\u5c71\u7530-01",
        "\u0627\u062d\u0645\u062f-3",  # Arabic
    ],
)
def test_an_identifier_in_another_script_that_cannot_be_taken_for_latin_is_accepted(
    pid: str,
) -> None:
    assert parse_patient({"id": pid}).id == pid


def test_free_text_may_be_written_in_any_script() -> None:
    detail = "\u0420001: \u043f\u0430\u0446\u0438\u0435\u043d\u0442 \u0410\u0412\u0421"
    tl = parse_timeline(
        _timeline(events=[{"date": "2024-01-03", "type": "withdrawal", "detail": detail}])
    )
    assert tl.events[0].detail == detail


#: Cyrillic letters Unicode's confusables give an ASCII look-alike (A B E K M H O P C T X a e o
#: p c x).
_LOOKS_LATIN = (
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425"
    "\u0430\u0435\u043e\u0440\u0441\u0445"
)


@given(
    letters=st.text(alphabet=_LOOKS_LATIN, min_size=1, max_size=10),
    digits=st.text(alphabet="0123456789-", max_size=6),
)
def test_cyrillic_letters_that_all_look_latin_are_always_refused(letters: str, digits: str) -> None:
    with pytest.raises(InputError, match="cannot be taken for one in Latin letters"):
        parse_patient({"id": letters + digits})


@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/",
        min_size=1,
        max_size=20,
    )
)
def test_latin_identifiers_are_never_taken_for_look_alikes(pid: str) -> None:
    assert parse_patient({"id": pid}).id == pid


def test_identifiers_are_normalised_to_nfc() -> None:
    decomposed = "Jose\u0301-1"
    assert parse_patient({"id": decomposed}).id == "Jos\u00e9-1"


@pytest.mark.parametrize(
    "raw",
    [
        {"id": "P1", "ecog": True},
        {"id": "P1", "age_years": False},
        {"id": "P1", "weight_kg": True},
        {"id": "P1", "labs": {"inr": {"value": True}}},
        {"id": "P1", "tumours": [{"diameter_mm": True}]},
        {"id": "P1", "history": {"prior_tace_sessions": True}},
    ],
)
def test_booleans_are_never_numbers(raw: dict[str, Any]) -> None:
    with pytest.raises(InputError) as exc:
        parse_patient(raw)
    assert "not true/false" in str(exc.value)


def test_booleans_stay_booleans() -> None:
    p = parse_patient(
        {"id": "P1", "dialysis_twice_past_week": True, "history": {"jaundice": False}}
    )
    assert p.dialysis_twice_past_week is True


@pytest.mark.parametrize(
    "changes",
    [
        {"start_date": "0001-01-01"},
        {"start_date": "1899-12-31"},
        {"assessments": [{"date": "2201-01-01", "lesions": [LESION]}]},
        {"death_date": "9999-12-31"},
        {"events": [{"date": "0001-01-01", "type": "withdrawal"}]},
    ],
)
def test_timeline_dates_are_within_1900_to_2200(changes: dict[str, Any]) -> None:
    with pytest.raises(InputError) as exc:
        parse_timeline(_timeline(**changes))
    assert "1900-01-01 to 2200-12-31" in str(exc.value)


def test_snapshot_dates_are_within_1900_to_2200() -> None:
    with pytest.raises(InputError):
        parse_patient({"id": "P1", "date": "0001-01-01"})
    with pytest.raises(InputError):
        parse_patient({"id": "P1", "history": {"last_tace_date": "2999-01-01"}})
    assert parse_patient({"id": "P1", "date": "1900-01-01"}).date is not None


def _outcome(check: Any, value: str) -> str:
    try:
        return "ok:" + check(value)
    except ValueError as exc:
        return "refused:" + str(exc)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=24))
def test_the_ascii_shortcut_decides_as_the_full_identifier_check(value: str) -> None:
    """Printable ASCII is returned at once; every ASCII text gets the full check's answer."""
    from tacepath.domain.values import _check_identifier, check_identifier

    assert _outcome(check_identifier, value) == _outcome(_check_identifier, value)


def test_the_ascii_shortcut_leaves_controls_and_outer_spaces_to_the_full_check() -> None:
    from tacepath.domain.values import check_identifier

    for bad in ("P\x7f1", "P\t1", " P1", "P1 ", "P\x001"):
        with pytest.raises(ValueError, match="identifier"):
            check_identifier(bad)
    assert check_identifier("P-001 a") == "P-001 a"
