"""Common and guessable passwords are refused (OWASP ASVS 4.0.3, 2.1.7; NIST SP 800-63B 5.1.1.2).

The check is ``zxcvbn`` (the Python port of Dropbox's estimator, maintained on PyPI): it
works offline, ships its own frequency lists (the 30 000 most common passwords of leaked
sets, English words, names, surnames, TV and film words) and also finds what a list alone
misses: repeats (``aaaaaaaaaaaa``), sequences, keyboard patterns, dates, l33t substitutions
and a common word with digits and a symbol appended (``Password123!``). A password is
accepted when zxcvbn's score is at least :data:`MIN_SCORE` (3: "safely unguessable",
about 10^8 guesses or more, the level zxcvbn's authors advise for sign-up). Breach lists
queried over the network (Have I Been Pwned) are not used: the server may run without
internet access, and sending even a hash prefix of a password out is a disclosure to weigh.

zxcvbn's run time grows with the length, so only the first :data:`ESTIMATE_CHARS`
characters are estimated; a longer password is at least as strong as its beginning.
"""

from __future__ import annotations

from collections.abc import Sequence

from zxcvbn import zxcvbn

__all__ = ["ESTIMATE_CHARS", "MIN_SCORE", "password_weakness"]

#: zxcvbn's score, 0 to 4, a password must reach.
MIN_SCORE = 3
#: Characters of the password given to the estimator.
ESTIMATE_CHARS = 64


def password_weakness(password: str, context: Sequence[str] = ()) -> str | None:
    """Why ``password`` is too easy to guess, or ``None`` when it is strong enough.

    ``context``: words an attacker would try first (the user name, the person's name, the
    product's name). The reason is zxcvbn's feedback, which never repeats the password."""
    words = [w[:100] for w in context if w]
    result = zxcvbn(password[:ESTIMATE_CHARS], user_inputs=[*words, "tacepath"])
    if int(result["score"]) >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    warning = str(feedback.get("warning") or "").strip()
    hints = " ".join(str(h) for h in feedback.get("suggestions") or [])
    reason = warning or "This password is easy to guess."
    return f"not a common or easily guessed password: {reason} {hints}".strip()
