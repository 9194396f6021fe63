"""Citations of the clinical rules (as verified in the clinical-criteria reference)."""

from __future__ import annotations

from tacepath.domain.citation import Citation

PUGH_1973 = Citation(
    short="Pugh 1973",
    title="Transection of the oesophagus for bleeding oesophageal varices",
    journal="Br J Surg 1973;60(8):646-649",
    year=1973,
    doi="10.1002/bjs.1800600817",
    pmid="4541913",
)
JOHNSON_2015 = Citation(
    short="Johnson 2015",
    title="Assessment of liver function in patients with hepatocellular carcinoma: "
    "a new evidence-based approach — the ALBI grade",
    journal="J Clin Oncol 2015;33(6):550-558",
    year=2015,
    doi="10.1200/JCO.2014.57.9151",
    pmid="25512453",
)
HIRAOKA_2017 = Citation(
    short="Hiraoka 2017",
    title="Albumin-Bilirubin (ALBI) Grade as Part of the Evidence-Based Clinical Practice "
    "Guideline for HCC of the Japan Society of Hepatology",
    journal="Liver Cancer 2017;6(3):204-215",
    year=2017,
    doi="10.1159/000452846",
    pmid="28626732",
)
KAMATH_2001 = Citation(
    short="Kamath 2001; OPTN policy 9.1.D",
    title="A model to predict survival in patients with end-stage liver disease",
    journal="Hepatology 2001;33(2):464-470",
    year=2001,
    doi="10.1053/jhep.2001.22172",
    pmid="11172350",
)
KIM_2008 = Citation(
    short="Kim 2008; OPTN MELD-Na policy (Jan 2016)",
    title="Hyponatremia and mortality among patients on the liver-transplant waiting list",
    journal="N Engl J Med 2008;359(10):1018-1026",
    year=2008,
    doi="10.1056/NEJMoa0801209",
    pmid="18768945",
)
KIM_2021 = Citation(
    short="Kim 2021; OPTN MELD 3.0 policy (Jul 2023)",
    title="MELD 3.0: the Model for End-Stage Liver Disease updated for the modern era",
    journal="Gastroenterology 2021;161(6):1887-1895.e4",
    year=2021,
    doi="10.1053/j.gastro.2021.08.050",
    pmid="34481845",
)
REIG_2022 = Citation(
    short="Reig 2022 (BCLC 2022 update)",
    title="BCLC strategy for prognosis prediction and treatment recommendation: the 2022 update",
    journal="J Hepatol 2022;76(3):681-693",
    year=2022,
    doi="10.1016/j.jhep.2021.11.018",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC8866082",
)
MAZZAFERRO_1996 = Citation(
    short="Mazzaferro 1996",
    title="Liver transplantation for the treatment of small hepatocellular carcinomas in "
    "patients with cirrhosis",
    journal="N Engl J Med 1996;334(11):693-699",
    year=1996,
    doi="10.1056/NEJM199603143341104",
    pmid="8594428",
)
MAZZAFERRO_2009 = Citation(
    short="Mazzaferro 2009",
    title="Predicting survival after liver transplantation in patients with hepatocellular "
    "carcinoma beyond the Milan criteria",
    journal="Lancet Oncol 2009;10(1):35-43",
    year=2009,
    doi="10.1016/S1470-2045(08)70284-5",
    pmid="19058754",
)
WANG_2019 = Citation(
    short="Wang 2019",
    title="Development of a prognostic score for recommended TACE candidates with "
    "hepatocellular carcinoma: a multicentre observational study",
    journal="J Hepatol 2019;70(5):893-903",
    year=2019,
    doi="10.1016/j.jhep.2019.01.013",
    pmid="30660709",
)
KADALAYIL_2013 = Citation(
    short="Kadalayil 2013",
    title="A simple prognostic scoring system for patients receiving transarterial "
    "embolisation for hepatocellular cancer",
    journal="Ann Oncol 2013;24(10):2565-2570",
    year=2013,
    doi="10.1093/annonc/mdt247",
    pmid="23857958",
)
PARK_2016 = Citation(
    short="Park 2016",
    title="Addition of tumor multiplicity improves the prognostic performance of the hepatoma "
    "arterial-embolization prognostic score",
    journal="Liver Int 2016;36(1):100-107",
    year=2016,
    doi="10.1111/liv.12878",
)
SIEGHART_2013 = Citation(
    short="Sieghart 2013",
    title="The ART of decision making: retreatment with transarterial chemoembolization in "
    "patients with hepatocellular carcinoma",
    journal="Hepatology 2013;57(6):2261-2273",
    year=2013,
    doi="10.1002/hep.26256",
    pmid="23316013",
)
OKEN_1982 = Citation(
    short="Oken 1982",
    title="Toxicity and response criteria of the Eastern Cooperative Oncology Group",
    journal="Am J Clin Oncol 1982;5(6):649-655",
    year=1982,
    pmid="7165009",
)
