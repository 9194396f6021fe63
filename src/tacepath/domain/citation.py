"""Citations: every rule and every number in tacepath names where it comes from.

One citation type, :class:`BaseCitation`, with one rendering (:meth:`BaseCitation.text`: the
citation, then its identifiers in parentheses), and two kinds of it:

* :class:`Citation`, a bibliographic record written in code beside the rule it sources
  (the clinical scores, the response criteria): short name, title, journal, year, DOI,
  PMID, URL;
* :class:`tacepath.evidence.model.Source`, an entry of the trial registry's YAML files
  (and of the pathway's rule files): the registry's ``id`` and ``kind``, the citation as
  one line of text, DOI, PMID, ``nct`` (a trial registration) and ``seed`` (the project's
  source document).

Why two serialisations. Both ``to_dict`` add the rendered citation as ``text``, but their
JSON is consumed as it is by the CLI and API outputs and pinned by contract tests, and the
two were published with different shapes before they shared a base: a :class:`Citation`
writes all its fields, ``null`` included, because its readers (the assessment and response
JSON) rely on a fixed set of keys; a ``Source`` writes only the fields its data file gives,
as the registry holds them. A merged shape would change one of the two contracts, so each
kind keeps its own ``to_dict``, and only the rendering is shared.

Why two identifier rules. A :class:`Citation` shows its DOI and PMID; its URL is a reading
aid, never the identifier (the RECICL reference is cited by URL alone and reads without it).
A ``Source`` shows DOI, PMID, trial registration and seed, and its URL when it has none of
them (a web page is then the only way to find it).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

__all__ = ["BaseCitation", "Citation", "identifier_texts"]


def identifier_texts(doi: str | None, pmid: str | None) -> tuple[str, ...]:
    """The DOI and PMID as every citation prints them (``doi:…``, ``PMID …``), given ones only."""
    return tuple(t for t in (f"doi:{doi}" if doi else "", f"PMID {pmid}" if pmid else "") if t)


class BaseCitation(ABC):
    """A source of a rule or a number, rendered one way: ``lead (identifier; identifier)``."""

    __slots__ = ()

    @abstractmethod
    def lead(self) -> str:
        """The citation before its identifiers."""

    @abstractmethod
    def identifiers(self) -> tuple[str, ...]:
        """The identifiers shown in parentheses after the lead, in order (none: no parentheses)."""

    def text(self) -> str:
        """The citation as every page, summary and JSON ``text`` shows it."""
        ids = "; ".join(i for i in self.identifiers() if i)
        return f"{self.lead()} ({ids})" if ids else self.lead()


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation(BaseCitation):
    """A bibliographic source: enough to find the paper or document.

    ``short`` is how it is cited inline (``"Johnson 2015"``); ``doi``/``pmid``/``url``
    are the identifiers where known. Rendered ``"<short>. <journal> (doi:…; PMID …)"``.
    """

    short: str
    title: str
    journal: str = ""
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None

    def lead(self) -> str:
        return f"{self.short}. {self.journal}" if self.journal else f"{self.short}."

    def identifiers(self) -> tuple[str, ...]:
        return identifier_texts(self.doi, self.pmid)

    def __str__(self) -> str:
        return self.text()

    def to_dict(self) -> dict[str, object]:
        """Every field, ``None`` included, and the rendered citation as ``text``."""
        return {
            "short": self.short,
            "title": self.title,
            "journal": self.journal,
            "year": self.year,
            "doi": self.doi,
            "pmid": self.pmid,
            "url": self.url,
            "text": self.text(),
        }
