"""Citations of the response criteria and TACE-failure rules (as in the response reference)."""

from __future__ import annotations

from tacepath.domain.citation import Citation

EISENHAUER_2009 = Citation(
    short="Eisenhauer 2009 (RECIST 1.1)",
    title="New response evaluation criteria in solid tumours: revised RECIST guideline "
    "(version 1.1)",
    journal="Eur J Cancer 2009;45(2):228-247",
    year=2009,
    doi="10.1016/j.ejca.2008.10.026",
)
LENCIONI_2010 = Citation(
    short="Lencioni & Llovet 2010 (mRECIST)",
    title="Modified RECIST (mRECIST) assessment for hepatocellular carcinoma",
    journal="Semin Liver Dis 2010;30(1):52-60",
    year=2010,
    doi="10.1055/s-0030-1247132",
)
BRUIX_2001 = Citation(
    short="Bruix 2001 (EASL, Barcelona-2000 conference)",
    title="Clinical management of hepatocellular carcinoma. Conclusions of the Barcelona-2000 "
    "EASL conference",
    journal="J Hepatol 2001;35(3):421-430",
    year=2001,
    doi="10.1016/S0168-8278(01)00130-1",
)
KUDO_RECICL_2019 = Citation(
    short="Kudo 2019 (RECICL 2019 revised version)",
    title="Response Evaluation Criteria in Cancer of the Liver version 5 (RECICL 2019 revised "
    "version)",
    journal="Hepatol Res 2019 (volume/pages unverified)",
    year=2019,
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC6287184/table/j_raon-2018-0044_tab_004",
)
KUDO_TACTICS_2022 = Citation(
    short="Kudo 2022 (TACTICS final results)",
    title="Final Results of TACTICS: A Randomized, Prospective Trial Comparing Transarterial "
    "Chemoembolization Plus Sorafenib to Transarterial Chemoembolization Alone in Patients "
    "with Unresectable Hepatocellular Carcinoma",
    journal="Liver Cancer 2022;11(4):354-367",
    year=2022,
    doi="10.1159/000522547",
    pmid="35978604",
)
KUDO_TACTICS_2020 = Citation(
    short="Kudo 2020 (TACTICS)",
    title="Randomised, multicentre prospective trial of transarterial chemoembolisation (TACE) "
    "plus sorafenib as compared with TACE alone in patients with hepatocellular carcinoma: "
    "TACTICS trial",
    journal="Gut 2020;69(8):1492-1501",
    year=2020,
    doi="10.1136/gutjnl-2019-318934",
)
KUDO_JSH_2014 = Citation(
    short="Kudo 2014 (JSH-LCSGJ 2014 update)",
    title="JSH Consensus-Based Clinical Practice Guidelines for the Management of "
    "Hepatocellular Carcinoma: 2014 Update by the Liver Cancer Study Group of Japan",
    journal="Liver Cancer 2014;3:458-468",
    year=2014,
)
FDA_2018 = Citation(
    short="FDA 2018 (cancer trial endpoints guidance)",
    title="Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics. "
    "Guidance for Industry",
    journal="U.S. Food and Drug Administration, December 2018",
    year=2018,
)
