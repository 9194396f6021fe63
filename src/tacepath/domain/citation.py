"""Citations: every rule and every number in tacepath names where it comes from."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Citation"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    """A bibliographic source: enough to find the paper or document.

    ``short`` is how it is cited inline (``"Johnson 2015"``); ``doi``/``pmid``/``url``
    are the identifiers where known.
    """

    short: str
    title: str
    journal: str = ""
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None

    def __str__(self) -> str:
        ids = [f"doi:{self.doi}" if self.doi else "", f"PMID {self.pmid}" if self.pmid else ""]
        ident = "; ".join(i for i in ids if i)
        tail = f" ({ident})" if ident else ""
        journal = f" {self.journal}" if self.journal else ""
        return f"{self.short}.{journal}{tail}"

    def to_dict(self) -> dict[str, object]:
        return {
            "short": self.short,
            "title": self.title,
            "journal": self.journal,
            "year": self.year,
            "doi": self.doi,
            "pmid": self.pmid,
            "url": self.url,
            "text": str(self),
        }
