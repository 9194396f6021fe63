"""One citation type: code citations and registry sources render one way, each keeps its JSON.

The expected strings are the citations as the response reference and the TACTICS registry file
give them (Kudo 2022, Liver Cancer 2022;11(4):354-367, doi:10.1159/000522547, PMID 35978604).
"""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import ValidationError

from tacepath.domain.citation import BaseCitation, Citation, identifier_texts
from tacepath.evidence.model import Source
from tacepath.evidence.registry import registry
from tacepath.response._sources import KUDO_RECICL_2019, KUDO_TACTICS_2022


def test_both_kinds_are_the_one_citation_type() -> None:
    lc2022 = registry().get("TACTICS").source("lc2022")
    assert isinstance(KUDO_TACTICS_2022, BaseCitation)
    assert isinstance(lc2022, BaseCitation)
    # Both end with the same identifiers, printed by the same rule.
    assert KUDO_TACTICS_2022.text().endswith("(doi:10.1159/000522547; PMID 35978604)")
    assert lc2022.text().endswith(
        "Liver Cancer 2022;11(4):354-367 (doi:10.1159/000522547; PMID 35978604; "
        "seeds/003_5e46fcb7cf164674.txt)"
    )


def test_citation_text_and_json_keep_their_contract() -> None:
    assert (
        str(KUDO_TACTICS_2022)
        == KUDO_TACTICS_2022.text()
        == (
            "Kudo 2022 (TACTICS final results). Liver Cancer 2022;11(4):354-367 "
            "(doi:10.1159/000522547; PMID 35978604)"
        )
    )
    d = KUDO_RECICL_2019.to_dict()
    # Every key, None included, in this order; a URL is not an identifier of a Citation.
    assert list(d) == ["short", "title", "journal", "year", "doi", "pmid", "url", "text"]
    assert (d["doi"], d["pmid"]) == (None, None)
    assert str(d["url"]).startswith("https://pmc.ncbi.nlm.nih.gov/")
    assert d["text"] == (
        "Kudo 2019 (RECICL 2019 revised version). Hepatol Res 2019 (volume/pages unverified)"
    )
    assert Citation(short="X 2000", title="t").text() == "X 2000."


def test_source_text_and_json_keep_their_contract() -> None:
    web = Source(id="web", kind="congress", citation="An abstract", url="https://example.org/a")
    assert web.text() == "An abstract (https://example.org/a)"
    assert web.to_dict() == {
        "id": "web",
        "kind": "congress",
        "citation": "An abstract",
        "url": "https://example.org/a",
        "text": "An abstract (https://example.org/a)",
    }
    both = Source(id="x", kind="registry", citation="A trial", nct="NCT01217034", url="u")
    assert both.text() == "A trial (NCT01217034)"  # the URL only when nothing else finds it
    assert Source(id="y", kind="secondary", citation="Plain").text() == "Plain"


def test_identifiers_and_immutability() -> None:
    assert identifier_texts("10.1/x", "123") == ("doi:10.1/x", "PMID 123")
    assert identifier_texts(None, "123") == ("PMID 123",)
    assert identifier_texts("", None) == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        KUDO_TACTICS_2022.doi = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Source(id="Bad Id", kind="primary", citation="c")
    with pytest.raises(TypeError):
        BaseCitation()  # type: ignore[abstract]
