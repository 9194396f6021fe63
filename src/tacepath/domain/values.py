"""What every record of the domain holds to, whatever its fields:

* **numbers are never booleans**: ``"ecog": true`` is refused (pydantic would read it as 1);
* **dates are from 1900-01-01 to 2200-12-31** (:data:`DATE_RANGE`), so ``0001-01-01`` or
  ``9999-12-31`` (a typing slip, a placeholder) cannot enter a timeline or a snapshot;
* **identifiers** (:data:`Identifier`: patient and lesion ids) are normalised to Unicode NFC
  and refused with a control, format (zero-width, bidirectional override), private-use or
  unpaired surrogate character, or with leading or trailing white space: ``"P\\u200b001"``
  would look like ``"P001"`` on every page and in every summary while being another patient.
  Look-alikes (Unicode TS #39, "Security mechanisms"): a compatibility character (fullwidth
  ``Ｐ``, ligatures, superscripts: not stable under NFKC), letters of two scripts (Latin
  ``P`` with Cyrillic ``О``), and a *whole-script confusable* — an identifier all of whose
  letters are of another script and each look like a Latin letter or digit (Cyrillic
  ``Р001`` beside Latin ``P001``) — are refused too. The look-alikes are Unicode's own
  table (``confusables.txt`` of TS #39), read from the ``confusable-homoglyphs`` package,
  which ships it with Unicode's ``Scripts.txt``; identifiers in another script that cannot
  be taken for Latin (``Пациент-7``, ``山田タロー``) are accepted, and free text is not
  checked.

:class:`Record` is the base class of the domain's pydantic models; it applies the first two
to every field.
"""

from __future__ import annotations

import datetime as dt
import functools
import types
import typing
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator

__all__ = ["DATE_RANGE", "FrozenModel", "Identifier", "Record", "check_identifier", "frozen"]

#: The dates a record accepts (validation limits, not clinical ones).
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2200, 12, 31))

#: Unicode categories refused in an identifier: controls, format characters (zero-width
#: space and joiners, bidirectional marks and overrides, BOM), surrogates, private use,
#: unassigned, line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def frozen(value: Any) -> Any:
    """``value`` made deeply read-only, for the JSON-like parts a frozen result holds:
    mappings as read-only mappings (``types.MappingProxyType``), lists and tuples as tuples,
    all the way down."""
    if isinstance(value, Mapping):
        return types.MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    return value


def check_identifier(value: str) -> str:
    """``value`` in NFC, or :class:`ValueError` naming the first character refused.

    Printable ASCII without outer spaces passes every check below unchanged (no refused
    category, NFC and NFKC stable, Latin letters only), so it is returned at once.
    """
    if value.isascii() and value.isprintable() and value == value.strip():
        return value
    return _check_identifier(value)


def _check_identifier(value: str) -> str:
    """:func:`check_identifier`, character by character."""
    if value != value.strip():
        raise ValueError("an identifier without leading or trailing spaces")
    for i, ch in enumerate(value):
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise ValueError(
                f"an identifier of visible characters (U+{ord(ch):04X} "
                f"{unicodedata.name(ch, 'unnamed')} at position {i + 1} is not)"
            )
    value = unicodedata.normalize("NFC", value)
    for i, ch in enumerate(value):
        if unicodedata.normalize("NFKC", ch) != ch:
            raise ValueError(
                f"an identifier without compatibility characters (U+{ord(ch):04X} "
                f"{unicodedata.name(ch, 'unnamed')} at position {i + 1} is shown like "
                f"{unicodedata.normalize('NFKC', ch)!r})"
            )
    scripts = sorted({s for s in map(_script, value) if s})
    if len(scripts) > 1:
        raise ValueError(
            "an identifier whose letters are of one script (it mixes "
            + " and ".join(s.title() for s in scripts)
            + ": a letter of one may look like a letter of the other)"
        )
    alike = _latin_look_alike(value)
    if alike is not None:
        raise ValueError(
            f"an identifier that cannot be taken for one in Latin letters (written in "
            f"{scripts[0].title()}, it looks like {alike[:40]!r})"
        )
    return value


@functools.cache
def _confusables() -> dict[str, list[dict[str, str]]]:
    """Unicode's confusables table: a character → the characters it looks like."""
    from confusable_homoglyphs import confusables

    table: dict[str, list[dict[str, str]]] = confusables.confusables_data
    return table


def _latin_look_alike(value: str) -> str | None:
    """The ASCII text ``value`` looks like when it has letters, none Latin, each of which
    Unicode's confusables table gives an ASCII letter or digit look-alike for (TS #39
    section 4, whole-script confusables); else ``None``."""
    table = _confusables()
    shown, letters = [], 0
    for ch in value:
        script = _script(ch)
        if script == "LATIN":
            return None
        if script is not None:
            ascii_alike = (
                h["c"] for h in table.get(ch, ()) if h["c"].isascii() and h["c"].isalnum()
            )
            ch = next(ascii_alike, "")
            if not ch:
                return None
            letters += 1
        shown.append(ch)
    return "".join(shown) if letters else None


#: Scripts written together (Japanese, Korean): counted as one for :func:`_script`.
_HAN_GROUP = frozenset(
    {"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC"}
)


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name's first word (``LATIN``, ``CYRILLIC``,
    ``GREEK``, …); ``None`` for digits, punctuation and symbols, which every script uses."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    word = unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]
    return "CJK" if word in _HAN_GROUP else word


#: A record identifier: NFC, no invisible or control characters, no outer spaces.
Identifier = Annotated[str, AfterValidator(check_identifier)]


def _takes(annotation: Any, kinds: tuple[type, ...]) -> bool:
    """Whether ``annotation`` (through Optional, unions, Annotated) accepts one of ``kinds``."""
    if annotation in kinds:
        return True
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _takes(typing.get_args(annotation)[0], kinds)
    if origin is typing.Union or origin is types.UnionType:
        return any(_takes(a, kinds) for a in typing.get_args(annotation))
    return False


@functools.cache
def _number_field(model: type[BaseModel], name: str) -> bool:
    """Whether field ``name`` of ``model`` takes a number and not a boolean (once per
    field: the models' annotations do not change)."""
    field = model.model_fields.get(name)
    kind = field.annotation if field is not None else None
    return _takes(kind, (int, float)) and not _takes(kind, (bool,))


class FrozenModel(BaseModel):
    """Base of the models of tacepath's data files (catalogues, registry, schedules, rules):
    immutable once loaded, and an unknown key is an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Record(BaseModel):
    """Base of the domain's models: immutable, an unknown key is an error, no boolean where
    a number is expected, no date outside :data:`DATE_RANGE`, on every field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if (
            isinstance(value, bool)
            and info.field_name is not None
            and _number_field(cls, info.field_name)
        ):
            raise ValueError("a number, not true/false")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _dates_in_range(cls, value: Any) -> Any:
        if isinstance(value, dt.date):
            lo, hi = DATE_RANGE
            day = value.date() if isinstance(value, dt.datetime) else value
            if not lo <= day <= hi:
                raise ValueError(f"a date from {lo} to {hi}")
        return value
