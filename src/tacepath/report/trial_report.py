"""The trial analysis report: ``index.html``, ``report.pdf``, ``results.json`` and figures.

Everything shown comes from :meth:`tacepath.analysis.TrialAnalysis.to_dict` (written
as ``results.json``), so every number in the report is in that file; the Kaplan–Meier
figures are drawn by :func:`tacepath.report.km_plot.plot_km` from the same fits, the forest
plots by :func:`tacepath.report.forest_plot.plot_forest`. The HTML is self-contained
(figures embedded); the PDF is the same HTML printed by WeasyPrint (``tacepath[pdf]``).
The report states the software version and the SHA-256 of the plan and of every data file;
a synthetic data set puts "SYNTHETIC — not trial data" on every page and every figure.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from tacepath.adam.model import SYNTHETIC_LABEL
from tacepath.analysis import TrialAnalysis, analysis_date
from tacepath.jsonsafe import json_safe
from tacepath.report.cif_plot import plot_cif
from tacepath.report.forest_plot import plot_forest
from tacepath.report.graph_plot import plot_testing_graph
from tacepath.report.interim_plot import plot_interim
from tacepath.report.km_plot import HazardRatioLabel, plot_km
from tacepath.report.summaries import stylesheet, write_pdf

__all__ = ["ReportFiles", "trial_report_html", "write_trial_report"]

_ENV = Environment(
    loader=PackageLoader("tacepath.report", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFiles:
    """The files written for one report."""

    html: Path
    pdf: Path | None
    results: Path
    figures: tuple[Path, ...]


def results_json(result: TrialAnalysis) -> str:
    """``results.json``: every number of the report (NaN written as null)."""
    return json.dumps(json_safe(result.to_dict()), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- formatting


def _n(v: Any, digits: int = 1) -> str:
    if v is None:
        return "NR"
    return f"{v:.{digits}f}"


def _est(e: dict[str, Any] | None, digits: int = 1) -> str:
    if e is None or e.get("estimate") is None:
        return "NR"
    lo, hi = e.get("lower"), e.get("upper")
    return f"{_n(e['estimate'], digits)} ({_n(lo, digits)}–{_n(hi, digits)})"


def _hr(d: dict[str, Any]) -> str:
    if d.get("hr") is None:
        return "not estimable"
    return f"{d['hr']:.3f} ({_n(d['hr_lower'], 3)}–{_n(d['hr_upper'], 3)})"


def _p(p: float | None) -> str:
    if p is None:
        return "NA"
    return "< 0.0001" if p < 0.0001 else f"{p:.4f}"


def _percent(e: dict[str, Any]) -> str:
    scaled = {k: None if e.get(k) is None else 100.0 * e[k] for k in ("estimate", "lower", "upper")}
    return _est(scaled, 1)


def _pct(k: int, n: int) -> str:
    return f"{k} ({100.0 * k / n:.1f})" if n else str(k)


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


# --------------------------------------------------------------------------- figures


def _figures(result: TrialAnalysis, folder: Path) -> dict[str, dict[str, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    d = result.to_dict()
    s = result.sap
    prefix = "SYNTHETIC DATA — " if result.synthetic else ""
    unit = s.time_unit.capitalize()
    out: dict[str, dict[str, Path]] = {}
    for e in result.endpoints:
        ed = d["endpoints"][e.paramcd]
        side = "one-sided" if e.sides == 1 else "two-sided"
        strat = f"stratified by {', '.join(e.strata)}" if e.strata else "unstratified"
        title = f"{prefix}{e.label}: log-rank p = {_p(ed['logrank_p'])} ({side}, {strat})"
        km_path = plot_km(
            e.km,
            folder / f"km_{e.paramcd}.png",
            hazard_ratio=HazardRatioLabel(
                estimate=e.hr.estimate,
                lower=e.hr.lower,
                upper=e.hr.upper,
                label="Stratified Cox HR" if e.model_strata else "Cox HR",
                conf_level=s.conf_level,
            ),
            title=title,
            time_label=f"{unit} since randomisation",
            break_times=s.km.break_times,
        )
        out[e.paramcd] = {"km": km_path}
        cr = e.competing_risks
        if cr is not None:
            gray = ed["competing_risks"]["gray_test"]
            out[e.paramcd]["cif"] = plot_cif(
                cr.curves,
                e.km,
                folder / f"cif_{e.paramcd}.png",
                arms=result.arms,
                cause_label=" / ".join(cr.cause).lower(),
                competing_label=" / ".join(cr.competing).lower(),
                title=f"{prefix}{e.label}: cumulative incidence with competing event",
                corner=(
                    f"Gray's test p = {_p(gray['p'])} (two-sided, {strat})\n"
                    f"Fine-Gray HR {_hr(ed['competing_risks']['fine_gray'])}"
                ),
                time_label=f"{unit} since randomisation",
                break_times=s.km.break_times,
            )
    if d["monitoring"] is not None:
        mon = d["monitoring"]
        out["_monitoring"] = {
            "plot": plot_interim(
                mon,
                folder / "interim.png",
                title=f"{prefix}{result.endpoint(mon['endpoint']).label}: "
                f"{mon['spending']} spending at the observed information",
            )
        }
    t = s.testing
    if t is not None and t.procedure == "graph" and t.weights and t.transitions:
        out["_testing"] = {
            "graph": plot_testing_graph(
                [st.endpoint for st in t.steps],
                t.weights,
                t.transitions,
                folder / "testing_graph.png",
                alpha=s.alpha,
                rejected=[g.rejected for g in result.gatekeeping],
                title=f"{prefix}Testing graph (α = {s.alpha:g})",
            )
        }
    for code, sg in d["subgroups"].items():
        label = result.endpoint(code).label
        path = plot_forest(
            sg,
            folder / f"forest_{code}.png",
            arms=result.arms,
            title=f"{prefix}{label}: hazard ratio by subgroup",
            conf_level=s.conf_level,
        )
        out.setdefault(code, {})["forest"] = path
    return out


# --------------------------------------------------------------------------- html


def _endpoint_view(result: TrialAnalysis, code: str, figs: dict[str, Path]) -> dict[str, Any]:
    d = result.to_dict()["endpoints"][code]
    exp, ref = result.arms
    rows = []
    for arm in (exp, ref):
        landmarks = [
            {"time": lm["time"], "text": _percent(lm) if lm.get("estimate") is not None else "—"}
            for lm in d["landmarks"][arm]
        ]
        rmst = d["rmst"]["arms"][arm]
        rows.append(
            {
                "arm": arm,
                "n": d["n_by_arm"][arm],
                "events": d["events"][arm],
                "median": _est(d["median"][arm]),
                "landmarks": landmarks,
                "rmst": "—" if rmst is None else f"{_est(rmst, 2)}; SE {rmst['se']:.2f}",
            }
        )
    diff = d["rmst"]["difference"]
    ratio = d["rmst"]["ratio"]
    return {
        "code": code,
        "label": d["label"],
        "population": d["population"],
        "rows": rows,
        "landmark_times": [lm["time"] for lm in d["landmarks"][exp]],
        "hr": _hr(d),
        "cox_p": _p(d["cox_p"]),
        "chisq": _n(d["logrank_chisq"], 3),
        "z": _n(d["logrank_z"], 3),
        "p": _p(d["logrank_p"]),
        "p_two": _p(d["logrank_p_two_sided"]),
        "sides": d["sides"],
        "test": _test_view(d.get("test")),
        "strata": d["strata"],
        "model_strata": d["model_strata"],
        "n_strata": d["n_strata"],
        "tau": d["rmst"]["tau"],
        "rmst_diff": None if diff is None else f"{_est(diff, 2)}; p = {_p(diff['p'])}",
        "rmst_ratio": None if ratio is None else _est(ratio, 3),
        "rmst_stratified": _stratified_rmst_text(d["rmst"].get("stratified")),
        "follow_up": _est(d["follow_up_median"]),
        "oe": [
            f"{arm}: O = {d['logrank_observed'][arm]:g}, E = {d['logrank_expected'][arm]:.2f}"
            for arm in (exp, ref)
        ],
        "tested": d["tested"],
        "rejected": d["rejected"],
        "warnings": d["warnings"],
        "km": _b64(figs["km"]),
        "forest": _b64(figs["forest"]) if "forest" in figs else None,
        "competing": _competing_view(d, result.arms, figs),
        "estimand": d.get("estimand"),
    }


def _competing_view(
    d: dict[str, Any], arms: tuple[str, str], figs: dict[str, Path]
) -> dict[str, Any] | None:
    cr = d.get("competing_risks")
    if cr is None or "cif" not in figs:
        return None
    pct = [
        {
            "arm": arm,
            "events": cr["events"][arm],
            "cif": [
                "—" if r["estimate"] is None else f"{100 * r['estimate']:.1f} ({r['variance']:.5f})"
                for r in cr["cif"][arm]
            ],
        }
        for arm in arms
    ]
    g, g2, fg = cr["gray_test"], cr["gray_test_competing"], cr["fine_gray"]
    return {
        "cause": ", ".join(cr["cause"]),
        "competing": ", ".join(cr["competing"]),
        "times": [r["time"] for r in cr["cif"][arms[0]]],
        "rows": pct,
        "gray": f"χ² = {_n(g['stat'], 3)} ({g['df']} df); p = {_p(g['p'])} (two-sided)",
        "gray_competing": f"χ² = {_n(g2['stat'], 3)} ({g2['df']} df); p = {_p(g2['p'])}",
        "fine_gray": f"{_hr(fg)}; Wald p = {_p(fg['p'])} (two-sided); coef {_n(fg['coef'], 4)}, "
        f"SE {_n(fg['se'], 4)}",
        "figure": _b64(figs["cif"]),
    }


def _stratified_rmst_text(st: dict[str, Any] | None) -> dict[str, str] | None:
    if st is None:
        return None
    diff = st["difference"]
    value = (
        f"{_est(diff, 2)}; SE {_n(diff['se'], 2)}; p = {_p(diff['p'])} (two-sided)"
        if diff["estimate"] is not None
        else f"not estimable ({st['note']})"
    )
    parts = [
        f"{r['stratum']}: w = {r['weight']:.3f}, difference {_n(r['difference'], 2)}"
        for r in st["by_stratum"]
    ]
    return {"strata": ", ".join(st["strata"]), "value": value, "detail": "; ".join(parts)}


def _test_view(test: dict[str, Any] | None) -> dict[str, str] | None:
    """The endpoint's planned test when it is not the log-rank test (shown on its own row)."""
    if test is None or test["method"] == "logrank":
        return None
    if test["method"] == "gray":
        z = test["tests"][0]["z"]
        chi2 = None if z is None else z * z
        return {
            "name": "Gray's test (cumulative incidence of the cause)",
            "detail": f"z = {_n(z, 3)}; χ² = {_n(chi2, 3)} on 1 df",
            "p": _p(test["p"]),
            "p_two": _p(test["p_two_sided"]),
        }
    parts = [f"G({t['rho']:g},{t['gamma']:g}) z = {_n(t['z'], 3)}" for t in test["tests"]]
    name = "MaxCombo" if test["method"] == "maxcombo" else "Fleming–Harrington"
    return {
        "name": name,
        "detail": "; ".join(parts),
        "p": _p(test["p"]),
        "p_two": _p(test["p_two_sided"]),
    }


def _baseline_view(result: TrialAnalysis) -> list[dict[str, Any]]:
    groups = [*result.arms, "total"]
    out = []
    for b in result.to_dict()["baseline"]:
        rows = []
        for r in b["rows"]:
            cells = []
            for g in groups:
                v = r[g]
                if isinstance(v, dict):
                    cells.append(
                        str(v["n"]) if v["percent"] is None else f"{v['n']} ({v['percent']:.1f})"
                    )
                else:
                    cells.append("—" if v is None else f"{v:g}")
            rows.append({"level": r["level"], "cells": cells})
        out.append({"label": b["label"], "variable": b["variable"], "rows": rows})
    return out


def _safety_view(result: TrialAnalysis) -> dict[str, Any] | None:
    s = result.to_dict()["safety"]
    if s is None:
        return None
    exp, ref = result.arms
    n = s["n"]
    rows = [
        {
            "term": t["term"],
            "any": [_pct(t["any_grade"][exp], n[exp]), _pct(t["any_grade"][ref], n[ref])],
            "any_p": _p(t["any_grade_p"]),
            "high": [_pct(t["high_grade"][exp], n[exp]), _pct(t["high_grade"][ref], n[ref])],
            "high_p": _p(t["high_grade_p"]),
        }
        for t in s["terms"]
    ]
    return {"n": n, "high_grade": s["high_grade"], "rows": rows, "population": s["population"]}


def _categorical_view(result: TrialAnalysis) -> list[dict[str, Any]]:
    out = []
    for c in result.to_dict()["categorical"]:
        rows = [
            {
                "level": lv,
                "cells": [_pct(c["counts"][a][lv], c["n"][a]) for a in result.arms],
            }
            for lv in c["levels"]
        ]
        out.append({**c, "rows": rows, "p_text": _p(c["p"])})
    return out


def trial_report_html(
    result: TrialAnalysis, figures: dict[str, dict[str, Path]], *, generated: str | None = None
) -> str:
    """The report as one self-contained HTML page (figures embedded as PNG)."""
    d = result.to_dict()
    s = result.sap
    gates = []
    for g in d["gatekeeping"]["steps"]:
        e = d["endpoints"][g["endpoint"]]
        gates.append(
            {
                **g,
                "label": e["label"],
                "hr": _hr(e),
                "p_text": _p(g["p"]),
                "adjusted_text": "—" if g.get("adjusted_p") is None else _p(g["adjusted_p"]),
                "decision": "rejected H0"
                if g["rejected"]
                else "not rejected"
                if g["tested"]
                else "not tested",
            }
        )
    tmpl = _ENV.get_template("trial_report.html")
    return tmpl.render(
        css=stylesheet(),
        r=d,
        sap=s,
        arms=result.arms,
        synthetic=result.synthetic,
        synthetic_label=SYNTHETIC_LABEL,
        generated=generated or analysis_date(),
        gates=gates,
        endpoints=[_endpoint_view(result, e.paramcd, figures[e.paramcd]) for e in result.endpoints],
        baseline=_baseline_view(result),
        safety=_safety_view(result),
        categorical=_categorical_view(result),
        subgroup_tables=_subgroup_view(result),
        testing_graph=_b64(figures["_testing"]["graph"]) if "_testing" in figures else None,
        interim_plot=_b64(figures["_monitoring"]["plot"]) if "_monitoring" in figures else None,
        fmt_p=_p,
    )


def _subgroup_view(result: TrialAnalysis) -> list[dict[str, Any]]:
    out = []
    for code, sg in result.to_dict()["subgroups"].items():
        out.append(
            {
                "code": code,
                "label": result.endpoint(code).label,
                "stratified": sg["stratified"],
                "method": sg["interaction_method"],
                "variables": [
                    {
                        "label": v["label"],
                        "statistic": _n(v["interaction"]["statistic"], 3),
                        "df": v["interaction"]["df"],
                        "p": _p(v["interaction"]["p"]),
                        "levels": [
                            {
                                "level": lv["level"],
                                "n": [lv["n"][a] for a in result.arms],
                                "events": [lv["events"][a] for a in result.arms],
                                "hr": _hr(lv),
                                "note": lv["note"],
                            }
                            for lv in v["levels"]
                        ],
                    }
                    for v in sg["variables"]
                ],
            }
        )
    return out


def write_trial_report(
    result: TrialAnalysis, out_dir: Path | str, *, pdf: bool = True, generated: str | None = None
) -> ReportFiles:
    """Write ``index.html``, ``report.pdf`` (with ``pdf``), ``results.json`` and
    ``figures/*.png`` into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(result, out / "figures")
    html = trial_report_html(result, figures, generated=generated)
    index = out / "index.html"
    index.write_text(html, encoding="utf-8")
    results = out / "results.json"
    results.write_text(results_json(result), encoding="utf-8")
    pdf_path = write_pdf(html, out / "report.pdf") if pdf else None
    paths = tuple(p for f in figures.values() for p in f.values())
    return ReportFiles(html=index, pdf=pdf_path, results=results, figures=paths)
