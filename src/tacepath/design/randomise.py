"""Randomisation: stratified permuted blocks and Pocock–Simon minimisation, with a
persistent allocation file whose records form a hash chain.

Two methods, both reproducible from a seed:

* **Stratified permuted blocks** (:func:`permuted_blocks`): within every stratum (every
  combination of factor levels) a sequence of blocks, each holding the arms in the
  allocation ratio in random order; the block size is drawn for each block from the given
  sizes (a single size gives fixed blocks) [1]_ [2]_. The whole list is drawn when the file
  is made; each stratum has its own random stream
  ``SeedSequence(seed, spawn_key=(stratum index,))``.
* **Minimisation** (:func:`minimisation_decision`) [3]_: for a new subject, the imbalance
  that each arm would create is summed over the factors (the counts of subjects already
  assigned with the subject's level, divided by the arm's ratio; imbalance = range
  max − min, or variance), weighted; the arm with the smallest total is preferred (ties
  broken at random) and assigned with probability ``p_preferred``, otherwise one of the
  other arms at random. The k-th subject's random numbers come from
  ``SeedSequence(seed, spawn_key=(k,))``, so replaying the log reproduces every decision.

**The allocation file** (JSON Lines) holds a header (method, arms, ratio, factors, seed and
options), the drawn list (permuted blocks) and then one record per assigned subject,
appended under a file lock. Every record carries ``prev`` (the hash of the record before)
and ``hash`` = SHA-256 of ``prev`` and the record's canonical JSON. :func:`read_allocation`
(used by :func:`tacepath.interop.allocation_log.load_allocation`, which owns the file)
checks the chain, re-draws the list from the header's seed and replays every minimisation
decision, so an edited, removed, reordered or re-drawn record is reported with its line.
An allocation cannot be drawn again unseen: the list (or the decision) for the k-th subject
is fixed by the seed, a subject is refused a second allocation, and the chain head printed
after each assignment lets anyone check later that no record was dropped from the end
(which a chain alone cannot show).

References
----------
.. [1] Zelen M. The randomization and stratification of patients to clinical trials.
   J Chronic Dis 1974;27(7-8):365-375. doi:10.1016/0021-9681(74)90015-0
.. [2] Matts JP, Lachin JM. Properties of permuted-block randomization in clinical
   trials. Control Clin Trials 1988;9(4):327-344. doi:10.1016/0197-2456(88)90047-5
.. [3] Pocock SJ, Simon R. Sequential treatment assignment with balancing for prognostic
   factors in the controlled clinical trial. Biometrics 1975;31(1):103-115.
   doi:10.2307/2529712
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tacepath import __version__
from tacepath.errors import InputError, InputErrors, Problem
from tacepath.jsonsafe import JsonFields

__all__ = [
    "GENESIS",
    "AllocationState",
    "AllocationTamperedError",
    "Assignment",
    "BlockScheme",
    "Factor",
    "MinimisationDecision",
    "MinimisationScheme",
    "Scheme",
    "Slot",
    "allocation_lines",
    "minimisation_decision",
    "next_assignment_line",
    "permuted_blocks",
    "read_allocation",
]

GENESIS = "0" * 64
Imbalance = Literal["range", "variance"]


class AllocationTamperedError(InputError):
    """The allocation file does not verify: a record was edited, removed or re-drawn."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Factor(JsonFields):
    """A stratification (or minimisation) factor and its levels."""

    name: str
    levels: tuple[str, ...]


def _common_problems(
    arms: Sequence[str], ratio: Sequence[int], factors: Sequence[Factor], seed: int
) -> list[Problem]:
    out = []
    if len(arms) < 2 or len(set(arms)) != len(arms) or any(not a for a in arms):
        out.append(Problem("arms", list(arms), "at least 2 distinct, non-empty arm names"))
    if len(ratio) != len(arms) or any((not isinstance(r, int)) or r < 1 for r in ratio):
        out.append(Problem("ratio", list(ratio), f"{len(arms)} integers ≥ 1, one per arm"))
    names = [f.name for f in factors]
    if len(set(names)) != len(names):
        out.append(Problem("strata", names, "distinct factor names"))
    for f in factors:
        if not f.levels or len(set(f.levels)) != len(f.levels) or any(not v for v in f.levels):
            out.append(Problem(f"strata {f.name}", list(f.levels), "distinct, non-empty levels"))
    if not isinstance(seed, int) or seed < 0:
        out.append(Problem("seed", seed, "an integer ≥ 0"))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockScheme:
    """Stratified permuted blocks: arms in ``ratio``, block sizes drawn from ``block_sizes``.

    ``n_per_stratum`` slots (at least; the last block is kept whole) are drawn for every
    combination of the factors' levels.
    """

    arms: tuple[str, ...]
    ratio: tuple[int, ...]
    factors: tuple[Factor, ...]
    block_sizes: tuple[int, ...]
    n_per_stratum: int
    seed: int
    method: Literal["permuted-blocks"] = "permuted-blocks"

    def __post_init__(self) -> None:
        problems = _common_problems(self.arms, self.ratio, self.factors, self.seed)
        unit = sum(self.ratio) if all(isinstance(r, int) for r in self.ratio) else 1
        if not self.block_sizes or any(
            (not isinstance(b, int)) or b < unit or b % unit for b in self.block_sizes
        ):
            problems.append(
                Problem(
                    "block_sizes",
                    list(self.block_sizes),
                    f"multiples of the ratio's sum {unit} (e.g. {unit},{2 * unit})",
                )
            )
        if not isinstance(self.n_per_stratum, int) or self.n_per_stratum < 1:
            problems.append(Problem("n", self.n_per_stratum, "an integer ≥ 1 (per stratum)"))
        if problems:
            raise InputErrors(problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "arms": list(self.arms),
            "ratio": list(self.ratio),
            "factors": [f.to_dict() for f in self.factors],
            "block_sizes": list(self.block_sizes),
            "n_per_stratum": self.n_per_stratum,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class MinimisationScheme:
    """Pocock–Simon minimisation over ``factors`` (weights default 1)."""

    arms: tuple[str, ...]
    ratio: tuple[int, ...]
    factors: tuple[Factor, ...]
    seed: int
    p_preferred: float = 0.8
    imbalance: Imbalance = "range"
    weights: tuple[float, ...] | None = None
    method: Literal["minimisation"] = "minimisation"

    def __post_init__(self) -> None:
        problems = _common_problems(self.arms, self.ratio, self.factors, self.seed)
        if not self.factors:
            problems.append(Problem("strata", [], "at least one factor to minimise on"))
        low = 1 / len(self.arms) if self.arms else 0.0
        if not (low <= self.p_preferred <= 1):
            problems.append(
                Problem("p_preferred", self.p_preferred, f"a probability from {low:g} to 1")
            )
        if self.imbalance not in ("range", "variance"):
            problems.append(Problem("imbalance", self.imbalance, "range | variance"))
        if self.weights is not None and (
            len(self.weights) != len(self.factors) or any(w <= 0 for w in self.weights)
        ):
            problems.append(
                Problem("weights", self.weights, f"{len(self.factors)} positive weights")
            )
        if problems:
            raise InputErrors(problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "arms": list(self.arms),
            "ratio": list(self.ratio),
            "factors": [f.to_dict() for f in self.factors],
            "seed": self.seed,
            "p_preferred": self.p_preferred,
            "imbalance": self.imbalance,
            "weights": None if self.weights is None else list(self.weights),
        }


Scheme = BlockScheme | MinimisationScheme


@dataclass(frozen=True, slots=True, kw_only=True)
class Slot(JsonFields):
    """One entry of a permuted-block list: stratum, position (1-based), block, arm."""

    stratum: tuple[str, ...]
    index: int
    block: int
    block_size: int
    arm: str


def _strata(factors: Sequence[Factor]) -> list[tuple[str, ...]]:
    return [tuple(c) for c in itertools.product(*(f.levels for f in factors))]


def permuted_blocks(scheme: BlockScheme) -> tuple[Slot, ...]:
    """Draw the whole stratified permuted-block list of a scheme (pure, reproducible)."""
    unit = sum(scheme.ratio)
    slots: list[Slot] = []
    for s_index, stratum in enumerate(_strata(scheme.factors)):
        rng = np.random.default_rng(np.random.SeedSequence(scheme.seed, spawn_key=(s_index,)))
        count, block = 0, 0
        while count < scheme.n_per_stratum:
            block += 1
            size = int(rng.choice(np.asarray(scheme.block_sizes)))
            content = np.repeat(
                np.arange(len(scheme.arms)), [r * size // unit for r in scheme.ratio]
            )
            for arm_index in rng.permutation(content):
                count += 1
                slots.append(
                    Slot(
                        stratum=stratum,
                        index=count,
                        block=block,
                        block_size=size,
                        arm=scheme.arms[int(arm_index)],
                    )
                )
    return tuple(slots)


@dataclass(frozen=True, slots=True, kw_only=True)
class MinimisationDecision(JsonFields):
    """How minimisation chose an arm: totals per arm, preferred arms, the random draws."""

    totals: dict[str, float]
    preferred: str
    tied: tuple[str, ...]
    u: float
    arm: str


def minimisation_decision(
    scheme: MinimisationScheme,
    history: Sequence[tuple[Mapping[str, str], str]],
    levels: Mapping[str, str],
) -> MinimisationDecision:
    """The arm of the next subject (``len(history)`` subjects assigned before) [3]_.

    ``history`` holds (levels, arm) of every subject already assigned, in order.
    """
    k = len(history)
    rng = np.random.default_rng(np.random.SeedSequence(scheme.seed, spawn_key=(k,)))
    arms = scheme.arms
    ratio = np.asarray(scheme.ratio, dtype=float)
    weights = scheme.weights or tuple(1.0 for _ in scheme.factors)
    totals: dict[str, float] = {}
    for a_index, arm in enumerate(arms):
        total = 0.0
        for f, w in zip(scheme.factors, weights, strict=True):
            counts = np.zeros(len(arms))
            for lv, assigned in history:
                if lv[f.name] == levels[f.name]:
                    counts[arms.index(assigned)] += 1
            counts[a_index] += 1
            scaled = counts / ratio
            imb = (
                float(scaled.max() - scaled.min())
                if scheme.imbalance == "range"
                else float(np.var(scaled))
            )
            total += w * imb
        totals[arm] = total
    best = min(totals.values())
    tied = tuple(a for a in arms if abs(totals[a] - best) <= 1e-12)
    preferred = tied[int(rng.integers(len(tied)))] if len(tied) > 1 else tied[0]
    u = float(rng.random())
    if len(tied) == len(arms):
        arm = preferred  # no arm is preferred: the tie-break above was the random choice
    elif u < scheme.p_preferred:
        arm = preferred
    else:
        others = [a for a in arms if a != preferred]
        arm = others[int(rng.integers(len(others)))]
    return MinimisationDecision(totals=totals, preferred=preferred, tied=tied, u=u, arm=arm)


# --------------------------------------------------------------------------- the log


def _canonical(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sealed(record: dict[str, Any], prev: str) -> dict[str, Any]:
    body = {**record, "prev": prev}
    digest = hashlib.sha256((prev + _canonical(body)).encode("utf-8")).hexdigest()
    return {**body, "hash": digest}


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignment(JsonFields):
    """One randomised subject, as recorded in the file."""

    subject: str
    arm: str
    strata: dict[str, str]
    seq: int
    time: str
    slot: int | None
    decision: MinimisationDecision | None
    hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationState:
    """A verified allocation file: its scheme, list, assignments and chain head."""

    path: str
    scheme: Scheme
    slots: tuple[Slot, ...]
    assignments: tuple[Assignment, ...]
    head: str
    records: int
    created: str = ""
    used: dict[tuple[str, ...], int] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        """Subjects per stratum (``a|b|c``) and arm."""
        out: dict[str, dict[str, int]] = {}
        for a in self.assignments:
            key = "|".join(a.strata[f.name] for f in self.scheme.factors) or "all"
            row = out.setdefault(key, dict.fromkeys(self.scheme.arms, 0))
            row[a.arm] += 1
        return out


def _scheme_from(header: Mapping[str, Any]) -> Scheme:
    factors = tuple(
        Factor(name=str(f["name"]), levels=tuple(str(v) for v in f["levels"]))
        for f in header["factors"]
    )
    arms = tuple(str(a) for a in header["arms"])
    ratio = tuple(int(r) for r in header["ratio"])
    seed = int(header["seed"])
    if header["method"] == "permuted-blocks":
        return BlockScheme(
            arms=arms,
            ratio=ratio,
            factors=factors,
            seed=seed,
            block_sizes=tuple(int(b) for b in header["block_sizes"]),
            n_per_stratum=int(header["n_per_stratum"]),
        )
    weights = header.get("weights")
    return MinimisationScheme(
        arms=arms,
        ratio=ratio,
        factors=factors,
        seed=seed,
        p_preferred=float(header["p_preferred"]),
        imbalance=header["imbalance"],
        weights=None if weights is None else tuple(float(w) for w in weights),
    )


def _tampered(path: Path, line: int, what: str) -> AllocationTamperedError:
    return AllocationTamperedError(
        f"{path}: line {line}", what, "an unmodified append-only allocation file"
    )


def _check_chain(p: Path, records: Sequence[dict[str, Any]]) -> str:
    prev = GENESIS
    for n, rec in enumerate(records, start=1):
        if rec.get("prev") != prev:
            raise _tampered(p, n, "its 'prev' is not the hash of the record before")
        body = {k: v for k, v in rec.items() if k != "hash"}
        digest = hashlib.sha256((prev + _canonical(body)).encode("utf-8")).hexdigest()
        if rec.get("hash") != digest:
            raise _tampered(p, n, "its hash does not match its content (edited)")
        if rec.get("seq") != n - 1:
            raise _tampered(p, n, f"sequence number {rec.get('seq')!r}, expected {n - 1}")
        prev = digest
    return prev


def _replay(
    p: Path, scheme: Scheme, slots: Sequence[Slot], records: Sequence[dict[str, Any]], start: int
) -> list[Assignment]:
    out: list[Assignment] = []
    seen: set[str] = set()
    used: dict[tuple[str, ...], int] = {}
    for j, rec in enumerate(records):
        line = start + j + 1
        if rec.get("type") != "assignment":
            raise _tampered(p, line, f"a {rec.get('type')!r} record among the assignments")
        subject = str(rec["subject"])
        if subject in seen:
            raise _tampered(p, line, f"subject {subject!r} allocated twice")
        seen.add(subject)
        strata = {str(k): str(v) for k, v in rec["strata"].items()}
        expected = _expected_arm(scheme, slots, used, out, strata)
        if expected[0] != rec.get("arm") or expected[1] != rec.get("slot"):
            raise _tampered(
                p, line, f"arm {rec.get('arm')!r}, but the list/seed gives {expected[0]!r}"
            )
        out.append(
            Assignment(
                subject=subject,
                arm=expected[0],
                strata=strata,
                seq=int(rec["seq"]),
                time=str(rec.get("time", "")),
                slot=expected[1],
                decision=expected[2],
                hash=str(rec["hash"]),
            )
        )
    return out


def _expected_arm(
    scheme: Scheme,
    slots: Sequence[Slot],
    used: dict[tuple[str, ...], int],
    history: Sequence[Assignment],
    strata: Mapping[str, str],
) -> tuple[str, int | None, MinimisationDecision | None]:
    """The arm the scheme gives the next subject (and records the slot used)."""
    if isinstance(scheme, BlockScheme):
        key = tuple(strata[f.name] for f in scheme.factors)
        k = used.get(key, 0)
        mine = [s for s in slots if s.stratum == key]
        if k >= len(mine):
            raise InputError(
                "--strata",
                dict(strata),
                f"a stratum with slots left (all {len(mine)} of this stratum are used)",
            )
        used[key] = k + 1
        return mine[k].arm, mine[k].index, None
    decision = minimisation_decision(scheme, [(a.strata, a.arm) for a in history], strata)
    return decision.arm, None, decision


def _check_levels(scheme: Scheme, strata: Mapping[str, str]) -> dict[str, str]:
    names = [f.name for f in scheme.factors]
    problems = []
    for f in scheme.factors:
        if f.name not in strata:
            problems.append(Problem(f"--strata {f.name}", None, f"one of {list(f.levels)}"))
        elif strata[f.name] not in f.levels:
            problems.append(
                Problem(f"--strata {f.name}", strata[f.name], f"one of {list(f.levels)}")
            )
    for k in strata:
        if k not in names:
            problems.append(Problem(f"--strata {k}", strata[k], f"a factor of the list {names}"))
    if problems:
        raise InputErrors(problems)
    return {f.name: strata[f.name] for f in scheme.factors}


def allocation_lines(scheme: Scheme, *, created: str | None = None) -> list[str]:
    """The sealed lines of a new allocation file: its header and (permuted blocks) its list."""
    records: list[dict[str, Any]] = [
        {
            "type": "header",
            "seq": 0,
            "software": f"tacepath {__version__}",
            "created": created or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            **scheme.to_dict(),
        }
    ]
    if isinstance(scheme, BlockScheme):
        for i, s in enumerate(permuted_blocks(scheme), start=1):
            records.append({"type": "slot", "seq": i, **s.to_dict()})
    prev = GENESIS
    lines = []
    for r in records:
        sealed = _sealed(r, prev)
        prev = sealed["hash"]
        lines.append(_canonical(sealed))
    return lines


def _parse_lines(p: Path, text: str) -> list[dict[str, Any]]:
    out = []
    if text and not text.endswith("\n"):
        raise _tampered(p, text.count("\n") + 1, "a partial last line")
    for n, line in enumerate(text.splitlines(), start=1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _tampered(p, n, f"not JSON ({exc.msg})") from exc
        if not isinstance(rec, dict):
            raise _tampered(p, n, "not a JSON object")
        out.append(rec)
    if not out or out[0].get("type") != "header":
        raise _tampered(p, 1, "no header record")
    return out


def read_allocation(path: Path | str, text: str) -> AllocationState:
    """Verify the text of the allocation file at ``path`` (chain, list re-drawn from the seed,
    replay) and return its state; ``path`` names the file in errors and in the state."""
    p = Path(path)
    records = _parse_lines(p, text)
    head = _check_chain(p, records)
    try:
        scheme = _scheme_from(records[0])
    except (KeyError, TypeError, ValueError) as exc:
        raise _tampered(p, 1, f"an unreadable header ({exc})") from exc
    slots: tuple[Slot, ...] = ()
    n_slot_lines = sum(1 for r in records if r["type"] == "slot")
    if isinstance(scheme, BlockScheme):
        slots = permuted_blocks(scheme)
        if n_slot_lines != len(slots):
            raise _tampered(p, 2, f"{n_slot_lines} list entries, the seed gives {len(slots)}")
        for i, s in enumerate(slots, start=1):
            rec = {k: v for k, v in records[i].items() if k not in ("type", "seq", "prev", "hash")}
            if records[i]["type"] != "slot" or rec != s.to_dict():
                raise _tampered(p, i + 1, "a list entry that the header's seed does not give")
    assignments = _replay(p, scheme, slots, records[1 + len(slots) :], start=1 + len(slots))
    used: dict[tuple[str, ...], int] = {}
    for a in assignments:
        if a.slot is not None:
            key = tuple(a.strata[f.name] for f in scheme.factors)
            used[key] = used.get(key, 0) + 1
    return AllocationState(
        path=str(p),
        scheme=scheme,
        slots=slots,
        assignments=tuple(assignments),
        head=head,
        records=len(records),
        created=str(records[0].get("created", "")),
        used=used,
    )


def next_assignment_line(
    state: AllocationState, subject: str, strata: Mapping[str, str], *, time: str | None = None
) -> str:
    """The sealed line that allocates ``subject`` (with its stratum levels) after ``state``.

    A subject that already has an allocation, or levels the scheme does not have, are refused.
    """
    levels = _check_levels(state.scheme, strata)
    for a in state.assignments:
        if a.subject == subject:
            raise InputError(
                "--subject",
                subject,
                f"a subject not yet randomised (allocated to {a.arm!r} at {a.time}, "
                f"record {a.seq})",
            )
    used = dict(state.used)
    arm, slot, decision = _expected_arm(state.scheme, state.slots, used, state.assignments, levels)
    record = {
        "type": "assignment",
        "seq": state.records,
        "subject": subject,
        "strata": levels,
        "arm": arm,
        "slot": slot,
        "time": time or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if decision is not None:
        record["decision"] = decision.to_dict()
    return _canonical(_sealed(record, state.head))
