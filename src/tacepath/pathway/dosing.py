"""Dose modifications for adverse events: what to do with the drug, and the new dose.

The rules are data (``dose_rules.yaml`` in this package, checked on load): per drug, the
dose levels (sorafenib per the current Nexavar PI; lenvatinib by body weight), the label
rows by event and grade (sorafenib adverse-reaction table and original skin-toxicity table;
lenvatinib general and per-toxicity rules; bevacizumab proteinuria, arterial
thromboembolism, GI perforation; checkpoint-inhibitor hepatitis and other immune-mediated
reactions). Their model, read and checked, is :mod:`tacepath.pathway.dose_rules_data`; the
dose ladders are read by ``pathway._dose_levels``. This module interprets the rules; the
names of the data model that it has always offered (``DoseRules``, ``load_dose_rules``...)
are importable from here as before.

Where a rule depends on something that was not given (is the grade 2 toxicity persistent
and intolerable? the baseline AST/ALT category? the body weight, when it decides the next
level?) the action is ``needs-information`` and ``needs`` names what is needed; where the
reference did not verify a label row, the action is ``needs-information`` too, with the
unverified text. Nothing is guessed.

References
----------
.. [1] Nexavar (sorafenib) US PI, dose modifications (manufacturer HCP page); original PI
   skin-toxicity table (Bayer 2005) as reproduced in Oncologist 2009;14(8):800-805.
.. [2] Lenvima (lenvatinib) US PI 2.4-2.5 (drugs.com); J Gastroenterol Hepatol
   2022;37(3):428-439 Table 1 (doi:10.1111/jgh.15727).
.. [3] Avastin (bevacizumab) US PI and EU SmPC 4.4 (secondary copies).
.. [4] Imfinzi (durvalumab) US PI Table 4; Keytruda (pembrolizumab) US PI; Imjudo/Imfinzi
   EU SmPCs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tacepath.domain.units import denoise
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.evidence.model import Source
from tacepath.jsonsafe import JsonFields
from tacepath.pathway._dose_levels import check_dose, next_level
from tacepath.pathway.ctcae import Ctcae, GradeResult, Term, ctcae
from tacepath.pathway.dose_rules_data import (
    ACTIONS,
    DOSE_RULES_FILE,
    Action,
    DoseRule,
    DoseRules,
    Drug,
    Ladder,
    When,
    dose_rules,
    load_dose_rules,
    when_parts,
)

# The data model was defined here before it had a module of its own; still importable here.
from tacepath.pathway.dose_rules_data import CitedText as CitedText
from tacepath.pathway.dose_rules_data import Conflict as Conflict
from tacepath.pathway.dose_rules_data import DoseChange as DoseChange
from tacepath.pathway.dose_rules_data import Event as Event
from tacepath.pathway.dose_rules_data import EventNote as EventNote
from tacepath.pathway.dose_rules_data import Fact as Fact
from tacepath.pathway.dose_rules_data import Level as Level
from tacepath.pathway.dose_rules_data import Measure as Measure
from tacepath.pathway.dose_rules_data import Range as Range

__all__ = [
    "ACTIONS",
    "DOSE_RULES_FILE",
    "DoseAction",
    "DoseRule",
    "DoseRules",
    "Drug",
    "dose_action",
    "dose_rules",
    "load_dose_rules",
]

Tri = bool | None

_HEPATIC = {"Aspartate aminotransferase increased", "Alanine aminotransferase increased"}
_BILIRUBIN = "Blood bilirubin increased"

# --------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True, kw_only=True)
class DoseAction(JsonFields):
    """What to do with a drug for an adverse event, and why.

    Attributes
    ----------
    drug : str
        The drug (the class member named, e.g. "durvalumab", or the drug id).
    event, grade : str, int or None
        The canonical event (CTCAE term or label event) and its grade.
    action : {"continue", "interrupt", "withhold", "reduce", "discontinue", "needs-information"}
        The label's word (sorafenib "interrupt", lenvatinib/bevacizumab/ICI "withhold").
    current_dose, new_dose : str, str or None
        The dose given and the dose to resume at: the next level, the same dose, or
        ``None`` (discontinue, or needs information).
    resume : str or None
        When to resume.
    rule, rule_id : str, str or None
        The rule's text as the label states it, and its id in ``dose_rules.yaml``.
    source, also : Source or None
        The rule's source and cross-checking sources.
    needs : tuple of str
        What information is needed (``needs-information``).
    notes : tuple of str
        E.g. "no dose reduction for checkpoint inhibitors", conflicts, assumptions.
    verified : bool
        False when the label row for this drug was not verified in the reference.
    ctcae_version : str or None
        The CTCAE version of the grade (from a :class:`GradeResult`).
    """

    drug: str
    event: str
    grade: int | None
    action: Action
    current_dose: str
    new_dose: str | None
    resume: str | None
    rule: str
    rule_id: str | None
    source: Source | None
    also: tuple[Source, ...] = ()
    needs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    verified: bool = True
    ctcae_version: str | None = None


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True, kw_only=True)
class _Context:
    grade: int | None
    occurrence: int
    lab: bool
    facts: Mapping[str, bool]
    measures: Mapping[str, float]


def _all(parts: Sequence[tuple[Tri, frozenset[str]]]) -> tuple[Tri, frozenset[str]]:
    if any(v is False for v, _ in parts):
        return False, frozenset()
    missing = frozenset(m for v, ms in parts if v is None for m in ms)
    return (None, missing) if missing else (True, frozenset())


def _any(parts: Sequence[tuple[Tri, frozenset[str]]]) -> tuple[Tri, frozenset[str]]:
    if any(v is True for v, _ in parts):
        return True, frozenset()
    missing = frozenset(m for v, ms in parts if v is None for m in ms)
    return (None, missing) if missing else (False, frozenset())


def _holds(w: When, ctx: _Context) -> tuple[Tri, frozenset[str]]:
    """Three-valued: True, False, or unknown with the names of the missing information."""
    parts: list[tuple[Tri, frozenset[str]]] = []
    if w.grades is not None:
        parts.append(
            (None, frozenset({"grade"})) if ctx.grade is None else (ctx.grade in w.grades, _NO)
        )
    if w.occurrence is not None:
        parts.append((w.occurrence.contains(ctx.occurrence), _NO))
    for name, want in w.facts.items():
        got = ctx.facts.get(name)
        parts.append((None, frozenset({name})) if got is None else (got == want, _NO))
    for name, rng in w.measures.items():
        x = ctx.measures.get(name)
        parts.append((None, frozenset({name})) if x is None else (rng.contains(x), _NO))
    if w.lab is not None:
        parts.append((ctx.lab == w.lab, _NO))
    if w.any_of:
        parts.append(_any([_holds(sub, ctx) for sub in w.any_of]))
    return _all(parts)


_NO: frozenset[str] = frozenset()


def _covers(rules: DoseRules, rule_event: str, event: str) -> bool:
    if rule_event == event:
        return True
    return any(e.name == rule_event and event in e.covers for e in rules.events)


def _rule_groups(rules: DoseRules, drug: Drug, event: str) -> list[list[DoseRule]]:
    """The event's own rules, then the drug's general rules (events ``"*"``), if any."""
    own = [r for r in drug.rules if any(_covers(rules, e, event) for e in r.events)]
    general = [r for r in drug.rules if "*" in r.events]
    return [g for g in (own, general) if g]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Match:
    rule: DoseRule | None
    missing: frozenset[str]
    undecided: DoseRule | None
    evaluated: tuple[DoseRule, ...]


def _match_groups(groups: Sequence[Sequence[DoseRule]], ctx: _Context) -> _Match:
    """The event's own rows first; the general rows only when no own row holds or is open."""
    evaluated: tuple[DoseRule, ...] = ()
    for group in groups:
        m = _match(group, ctx)
        evaluated += m.evaluated
        if m.rule is not None or m.missing:
            return _Match(
                rule=m.rule, missing=m.missing, undecided=m.undecided, evaluated=evaluated
            )
    return _Match(rule=None, missing=frozenset(), undecided=None, evaluated=evaluated)


def _match(candidates: Sequence[DoseRule], ctx: _Context) -> _Match:
    """The first rule that holds, unless an earlier rule is undecided (then: what is missing)."""
    missing: set[str] = set()
    undecided: DoseRule | None = None
    for i, r in enumerate(candidates):
        holds, needs = _holds(r.when, ctx)
        if holds is True:
            found = None if missing else r
            return _Match(
                rule=found,
                missing=frozenset(missing),
                undecided=undecided,
                evaluated=tuple(candidates[: i + 1]),
            )
        if holds is None:
            missing |= needs
            undecided = undecided or r
    return _Match(
        rule=None, missing=frozenset(missing), undecided=undecided, evaluated=tuple(candidates)
    )


# --------------------------------------------------------------------------- dose levels
# --------------------------------------------------------------------------- inputs


def _event_and_grade(
    event: GradeResult | tuple[str, int | None], rules: DoseRules, cat: Ctcae
) -> tuple[str, int | None, bool, GradeResult | None]:
    if isinstance(event, GradeResult):
        term = cat.term(event.term)
        return term.term, event.grade, term.kind == "lab", event
    if not (isinstance(event, tuple) and len(event) == 2 and isinstance(event[0], str)):
        raise InputError("event", event, "a GradeResult or a (term, grade) pair")
    name, g = event
    canonical, lab = rules.event(name, cat)
    if g is not None and (isinstance(g, bool) or not isinstance(g, int) or not 0 <= g <= 4):
        raise InputError("grade", g, "0–4 or none (grade 5 is death: no dose action)")
    entry = cat.lookup(canonical)
    if g is not None and isinstance(entry, Term) and g > entry.max_grade:
        raise InputError(
            "grade", g, f"0–{entry.max_grade}: CTCAE v5.0 has no higher grade for {entry.term}"
        )
    return canonical, g, lab, None


def _derived_measures(
    result: GradeResult | None, given: Mapping[str, float | None]
) -> tuple[dict[str, float], list[str]]:
    """Measures given, completed from a graded AST/ALT/bilirubin value (×ULN)."""
    measures = {k: v for k, v in given.items() if v is not None}
    notes: list[str] = []
    if result is None or "x_uln" not in result.measures:
        return measures, notes
    x = float(result.measures["x_uln"])
    if result.term in _HEPATIC:
        if "ast_alt_x_uln" not in measures:
            notes.append(
                f"AST/ALT ×ULN taken from the graded {result.term} ({x:g}×ULN); the hepatitis "
                "rows use the higher of AST and ALT (give ast_alt_x_uln if the other is higher)"
            )
        measures["ast_alt_x_uln"] = max(x, measures.get("ast_alt_x_uln", x))
        base, uln = result.inputs.get("baseline"), result.inputs.get("uln")
        if (
            "baseline_ast_alt_x_uln" not in measures
            and isinstance(base, int | float)
            and isinstance(uln, int | float)
        ):
            measures["baseline_ast_alt_x_uln"] = float(denoise(base / uln))
    elif result.term == _BILIRUBIN:
        measures.setdefault("bilirubin_x_uln", x)
    return measures, notes


def _check_inputs(
    rules: DoseRules,
    *,
    weight_kg: float | None,
    occurrence: int,
    measures: Mapping[str, float | None],
    facts: Mapping[str, bool],
) -> None:
    problems: list[Problem] = []
    if weight_kg is not None and (
        isinstance(weight_kg, bool)
        or not isinstance(weight_kg, int | float)
        or not math.isfinite(weight_kg)
        or weight_kg <= 0
    ):
        problems.append(Problem("weight_kg", weight_kg, "> 0 kg"))
    if isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence < 1:
        problems.append(Problem("occurrence", occurrence, "a whole number ≥ 1"))
    for name, v in measures.items():
        if v is not None and (
            isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0
        ):
            problems.append(Problem(name, v, "a finite number ≥ 0"))
    known = {f.id for f in rules.facts}
    for name, v in facts.items():
        if name not in known:
            problems.append(Problem("facts", name, "one of " + ", ".join(sorted(known))))
        elif not isinstance(v, bool):
            problems.append(Problem(name, v, "true or false"))
    if problems:
        raise InputErrors(problems)


# --------------------------------------------------------------------------- public API


def dose_action(
    drug: str,
    event: GradeResult | tuple[str, int | None],
    *,
    current_dose: str,
    weight_kg: float | None = None,
    occurrence: int = 1,
    baseline_ast_alt_x_uln: float | None = None,
    ast_alt_x_uln: float | None = None,
    bilirubin_x_uln: float | None = None,
    proteinuria_g_24h: float | None = None,
    facts: Mapping[str, bool] | None = None,
) -> DoseAction:
    """The drug action for an adverse event, with the new dose, from the label rules.

    Parameters
    ----------
    drug : str
        sorafenib, lenvatinib, bevacizumab, or a checkpoint inhibitor (atezolizumab,
        durvalumab, tremelimumab, pembrolizumab, nivolumab); brand names accepted.
    event : GradeResult or (str, int or None)
        A :func:`tacepath.pathway.ctcae.grade` result, or an event (CTCAE term or label
        event such as "Congestive heart failure") with the grade the clinician assigned
        (``None`` for events that need no grade, e.g. ``("Proteinuria", None)``).
    current_dose : str
        The dose now, e.g. "400 mg twice daily" (sorafenib and lenvatinib: a label level).
    weight_kg : float, optional
        Actual body weight; selects the lenvatinib ladder (≥60 kg: 12 mg; <60 kg: 8 mg).
    occurrence : int
        Which occurrence of this adverse event (1 = first).
    baseline_ast_alt_x_uln, ast_alt_x_uln, bilirubin_x_uln : float, optional
        Checkpoint-inhibitor hepatitis rows (×ULN); derived from a graded AST/ALT or
        bilirubin result when not given (AST/ALT: the higher of the graded and given value).
    proteinuria_g_24h : float, optional
        Urine protein, g/24 h (bevacizumab, lenvatinib).
    facts : Mapping[str, bool], optional
        Answers the rules may need: symptomatic_or_persistent, requires_medical_intervention,
        no_improvement_within_7_days, persistent_and_intolerable,
        despite_optimal_antihypertensives, life_threatening, nephrotic_syndrome, confirmed,
        liver_tumour_involvement (see ``dose_rules.yaml``).

    Returns
    -------
    DoseAction
        The action, the new dose, the resume condition, the rule and its source; or
        ``needs-information`` naming what is needed.

    Raises
    ------
    InputError
        Unknown drug or event; a dose that is not a label level; a bad grade, weight,
        occurrence, measure or fact.

    Notes
    -----
    Rules are tried in the data file's order (the event's own rows, then the drug's general
    rows); an earlier row that cannot be decided stops the search, so a later row is never
    applied by default. Sorafenib levels follow the current Nexavar PI (conflict C1 of the
    reference: older text "800 -> 400 -> 400 mg every other day") [1]_.

    References
    ----------
    .. [1] Nexavar US PI dose modifications; Lenvima US PI 2.4-2.5 and J Gastroenterol
       Hepatol 2022;37:428-439; Avastin US PI / EU SmPC; Imfinzi and Keytruda US PIs.
    """
    rules, cat = dose_rules(), ctcae()
    entry, member = rules.drug(drug)
    canonical, g, lab, result = _event_and_grade(event, rules, cat)
    given_measures = {
        "baseline_ast_alt_x_uln": baseline_ast_alt_x_uln,
        "ast_alt_x_uln": ast_alt_x_uln,
        "bilirubin_x_uln": bilirubin_x_uln,
        "proteinuria_g_24h": proteinuria_g_24h,
    }
    given_facts = dict(facts or {})
    _check_inputs(
        rules,
        weight_kg=weight_kg,
        occurrence=occurrence,
        measures=given_measures,
        facts=given_facts,
    )
    found = check_dose(entry, current_dose, weight_kg)
    dose_now = found[0][0].levels[found[0][1]].dose if found else current_dose.strip()
    name = member or entry.id
    version = result.ctcae_version if result is not None else None
    base = _Base(drug=name, event=canonical, grade=g, current_dose=dose_now, version=version)
    notes = _drug_notes(rules, entry, canonical)

    if result is not None and result.grade is None:
        return base.make(
            action="needs-information",
            rule=f"the grade could not be assigned: {result.reason}",
            needs=(f"grade: {result.reason}",),
            notes=notes,
        )
    if g == 0:
        return base.make(
            action="continue",
            new_dose=dose_now,
            rule="grade 0: no adverse event by CTCAE v5.0 criteria; no dose modification",
            notes=notes,
        )
    measures, derived_notes = _derived_measures(result, given_measures)
    all_facts = {f.id: f.default for f in rules.facts if f.default is not None} | given_facts
    ctx = _Context(grade=g, occurrence=occurrence, lab=lab, facts=all_facts, measures=measures)
    groups = _rule_groups(rules, entry, canonical)
    if not groups:
        return base.make(
            action="needs-information",
            rule=entry.uncovered,
            notes=notes,
            verified=False,
            needs=(f"a verified {entry.id} rule for {canonical}",),
        )
    m = _match_groups(groups, ctx)
    notes = notes + tuple(derived_notes) + _default_notes(rules, m.evaluated, given_facts)
    if m.rule is None and m.undecided is not None:
        first = m.undecided
        return base.make(
            action="needs-information",
            rule=f"undecided: whether '{first.text}' applies depends on the information asked for",
            rule_id=first.id,
            source=rules.source(first.source),
            needs=tuple(_question(rules, x) for x in sorted(m.missing)),
            notes=notes,
        )
    if m.rule is None:
        return base.make(
            action="continue",
            new_dose=dose_now,
            rule=(
                f"no row of the {entry.label} rules applies to {canonical} "
                f"{'' if g is None else f'grade {g} '}(the label states no dose modification)"
            ),
            notes=notes,
        )
    return _apply(rules, entry, member, m.rule, found, base, notes)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Base:
    drug: str
    event: str
    grade: int | None
    current_dose: str
    version: str | None

    def make(
        self,
        *,
        action: Action,
        rule: str,
        new_dose: str | None = None,
        resume: str | None = None,
        rule_id: str | None = None,
        source: Source | None = None,
        also: tuple[Source, ...] = (),
        needs: tuple[str, ...] = (),
        notes: tuple[str, ...] = (),
        verified: bool = True,
    ) -> DoseAction:
        return DoseAction(
            drug=self.drug,
            event=self.event,
            grade=self.grade,
            action=action,
            current_dose=self.current_dose,
            new_dose=new_dose,
            resume=resume,
            rule=rule,
            rule_id=rule_id,
            source=source,
            also=also,
            needs=needs,
            notes=tuple(dict.fromkeys(notes)),
            verified=verified,
            ctcae_version=self.version,
        )


def _question(rules: DoseRules, name: str) -> str:
    if name == "grade":
        return "grade: the CTCAE grade of the event"
    for f in rules.facts:
        if f.id == name:
            return f"{name}: {f.question}"
    m = next(m for m in rules.measures if m.id == name)
    return f"{name}: {m.question}"


def _drug_notes(rules: DoseRules, drug: Drug, event: str) -> tuple[str, ...]:
    notes = [drug.no_reduction.text] if drug.no_reduction else []
    notes += [n.text for n in drug.event_notes if event in n.events]
    return tuple(notes)


def _default_notes(
    rules: DoseRules, evaluated: Iterable[DoseRule], given: Mapping[str, bool]
) -> tuple[str, ...]:
    """Notes for the facts assumed from their defaults in the rules that were tried."""
    used = {f for r in evaluated for w in when_parts(r.when) for f in w.facts}
    out = []
    for f in rules.facts:
        if f.id in used and f.id not in given and f.default is not None and f.default_note:
            out.append(f"assumed {f.id}={'yes' if f.default else 'no'}: {f.default_note}")
    return tuple(out)


def _apply(
    rules: DoseRules,
    drug: Drug,
    member: str | None,
    rule: DoseRule,
    found: Sequence[tuple[Ladder, int]],
    base: _Base,
    notes: tuple[str, ...],
) -> DoseAction:
    source = rules.source(rule.source)
    also = tuple(rules.source(s) for s in rule.also)
    if rule.conflict:
        notes = (*notes, f"conflict {rule.conflict}: {rules.conflict(rule.conflict).text}")
    if not rule.verified:
        return base.make(
            action="needs-information",
            rule=rule.text,
            rule_id=rule.id,
            source=source,
            also=also,
            notes=notes,
            verified=False,
            needs=("the label row (not verified in the reference)",),
        )
    if rule.drugs is not None and member not in rule.drugs:
        who = member or f"the {drug.label.lower()} named (one of {', '.join(drug.members)})"
        return base.make(
            action="needs-information",
            rule=(
                f"class row read in the {', '.join(rule.drugs)} label(s): {rule.text} "
                f"(class action: {rule.action}); the label of {who} was not read for this row "
                "(reference §0.2, §2.4) — confirm against it"
            ),
            rule_id=rule.id,
            source=source,
            also=also,
            notes=notes,
            verified=False,
            needs=(f"drug: the {member or 'checkpoint inhibitor'} label's row (not verified)",),
        )
    if rule.action in ("discontinue", "needs-information") or rule.dose == "none":
        return base.make(
            action=rule.action,
            rule=rule.text,
            rule_id=rule.id,
            source=source,
            also=also,
            notes=notes,
            resume=rule.resume,
        )
    if rule.dose == "current":
        return base.make(
            action=rule.action,
            rule=rule.text,
            rule_id=rule.id,
            source=source,
            also=also,
            notes=notes,
            resume=rule.resume,
            new_dose=base.current_dose,
        )
    nxt = next_level(found)
    if nxt.ladder is not None and nxt.ladder.conflict and not rule.conflict:
        c = nxt.ladder.conflict
        notes = (*notes, f"conflict {c}: {rules.conflict(c).text}")
    if nxt.action is not None:
        return base.make(
            action=nxt.action,
            rule=f"{rule.text}; {nxt.text}",
            rule_id=rule.id,
            source=source,
            also=also,
            notes=notes,
            needs=nxt.needs,
            resume=None,
        )
    ladder_src = () if nxt.ladder is None else (rules.source(nxt.ladder.source),)
    return base.make(
        action=rule.action,
        rule=rule.text,
        rule_id=rule.id,
        source=source,
        also=tuple(dict.fromkeys(also + ladder_src)),
        notes=notes,
        resume=rule.resume,
        new_dose=nxt.dose,
    )
