"""Agreement results as tables for people and for files: what the CLI prints and reports show.

:class:`~qualcode.coding.agreement.measure.AgreementResult` holds numbers with NaN for undefined
values and the reason in an ``explanation`` column. Readers need the two together, the
pooled figures next to the per-code ones, and the coders' names instead of "a" and "b".
These functions make that presentation once, so the command line, the Excel/HTML
report and a notebook say the same thing:

* :func:`readable_table` -- per code plus an "All codes" row, values formatted, undefined
  values written "undefined" and the reason in ``note``, the conventional band of each
  kappa and alpha in its own column;
* :func:`export_table` -- the same rows with numbers kept numeric (NaN where undefined),
  for CSV files and scripts;
* :func:`pair_table` -- pooled kappa for every pair of coders (three coders or more);
* :func:`headline` and :func:`notes` -- the sentences that go around the tables.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from qualcode.coding.agreement.measure import AgreementResult
from qualcode.coding.agreement.interpret import UNDEFINED, neither_note

ALL_CODES = "All codes"
POOLED_NOTE = "kappa: pooled over codes (de Vries et al. 2008); alpha: all unit x code decisions together"


def _plural(n: int, word: str) -> str:
    if n == 1:
        return f"1 {word}"
    return f"{n:,} " + (word[:-1] + "ies" if word.endswith("y") else word + "s")


def headline(result: AgreementResult) -> str:
    """One line: who was compared, on what."""
    p = result.pooled
    coders = result.coders
    who = " and ".join(coders) if len(coders) == 2 else ", ".join(coders[:-1]) + f" and {coders[-1]}"
    word = result.unit_name or result.unit
    return (f"Agreement between {who}: {word} level, {_plural(int(p['n_units']), word)} in "
            f"{_plural(int(p['n_sources']), 'source')}, {_plural(int(p['n_codes']), 'code')}.")


def export_table(result: AgreementResult) -> pd.DataFrame:
    """Per-code rows and a last ``All codes`` row, numbers numeric (NaN = undefined, see ``explanation``).

    Columns: ``code, n_units, n_applied, percent_agreement, percent_all_applied, alpha,
    alpha_label`` and, with two coders, ``both, only_<a>, only_<b>, neither, kappa,
    kappa_label, weight_r``, then ``explanation``. In the ``All codes`` row the counts
    are sums of unit x code decisions, ``kappa`` is the pooled kappa and ``alpha`` the
    overall alpha.
    """
    pc = result.per_code
    p = result.pooled
    two = len(result.coders) == 2
    cols = ["code", "n_units", "n_applied", "percent_agreement", "percent_all_applied"]
    if two:
        cols += ["both", "only_a", "only_b", "neither", "kappa", "kappa_label"]
    cols += ["alpha", "alpha_label"] + (["weight_r"] if two else []) + ["explanation"]
    table = pc[cols].copy()
    pooled: dict[str, Any] = {
        "code": ALL_CODES, "n_units": p["n_units"], "n_applied": int(pc["n_applied"].sum()),
        "percent_agreement": p["percent_agreement"], "percent_all_applied": p["percent_all_applied"],
        "alpha": p["alpha"], "alpha_label": p["alpha_label"],
        "explanation": "; ".join(x for x in (POOLED_NOTE, p["explanation"]) if x),
    }
    if two:
        pooled.update({c: int(pc[c].sum()) for c in ("both", "only_a", "only_b", "neither")})
        pooled.update(kappa=p["kappa"], kappa_label=p["kappa_label"], weight_r=np.nan)
    table = pd.concat([table, pd.DataFrame([pooled])], ignore_index=True)
    if two:
        a, b = result.coders
        table = table.rename(columns={"only_a": f"only_{a}", "only_b": f"only_{b}"})
    return table


def readable_table(result: AgreementResult) -> pd.DataFrame:
    """:func:`export_table` formatted for reading: rounded, "undefined" spelled out, short headers."""
    t = export_table(result)
    two = len(result.coders) == 2
    out = pd.DataFrame({"code": t["code"], "units": t["n_units"].map("{:,}".format)})
    if two:
        a, b = result.coders
        for col, head in (("both", "both"), (f"only_{a}", f"only {a}"), (f"only_{b}", f"only {b}"), ("neither", "neither")):
            out[head] = t[col].map("{:,}".format)
    else:
        out["applied"] = t["n_applied"].map("{:,}".format)
    out["% agree"] = t["percent_agreement"].map(lambda v: _num(v, ".1f"))
    out["% applied by " + ("both" if two else "all")] = t["percent_all_applied"].map(lambda v: _num(v, ".1f"))
    if two:
        out["kappa"] = t["kappa"].map(lambda v: _num(v, ".2f"))
        out["kappa band"] = _band(t["kappa"], t["kappa_label"])
    out["alpha"] = t["alpha"].map(lambda v: _num(v, ".3f"))
    out["alpha band"] = _band(t["alpha"], t["alpha_label"])
    if two and t["weight_r"].notna().any():
        out["weight r"] = t["weight_r"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    out["note"] = t["explanation"].fillna("")
    # the long form is in notes()
    out.loc[out["code"] == ALL_CODES, "note"] = "pooled kappa; overall alpha" if two else "overall alpha"
    return out


def pair_table(result: AgreementResult) -> pd.DataFrame:
    """Pooled kappa per pair of coders, formatted, with the reason when undefined."""
    pp = result.pooled_pairwise
    return pd.DataFrame({
        "coder A": pp["coder_a"], "coder B": pp["coder_b"],
        "pooled kappa": pp["kappa"].map(lambda v: _num(v, ".2f")),
        "kappa band": _band(pp["kappa"], pp["kappa_label"]),
        "note": pp["explanation"].fillna(""),
    })


def notes(result: AgreementResult) -> list[str]:
    """The sentences to print after the table: headline figures, what a unit is, the share of 'neither'."""
    p = result.pooled
    word = result.unit_name or result.unit
    lines = []
    if len(result.coders) == 2:
        lines.append(f"Pooled kappa {_num(p['kappa'], '.2f')} ({p['kappa_label']}, Landis & Koch convention); "
                     f"overall Krippendorff's alpha {_num(p['alpha'], '.3f')} ({p['alpha_label']}, Krippendorff's convention).")
    else:
        lines.append(f"Overall Krippendorff's alpha {_num(p['alpha'], '.3f')} ({p['alpha_label']}, Krippendorff's convention); "
                     "pooled kappa compares two coders at a time: see the table of pairs.")
    lines.append(f"Pooled kappa averages observed and expected agreement over codes (de Vries et al. 2008, as Dedoose "
                 f"reports it); overall alpha treats every {word} x code decision as one unit.")
    lines.append(p["unit_note"])
    neither = neither_note(p["percent_neither"], p["percent_all_applied"], word)
    if neither:
        lines.append(neither)
    # with three coders or more the engine notes that pooled kappa is per pair: said above already
    said = [x for x in str(p.get("explanation") or "").split("; ") if x and "see pooled_pairwise" not in x]
    if said:
        lines.append(f"Note: {'; '.join(said)}.")
    undefined = int(result.per_code["alpha"].isna().sum())
    if undefined:
        lines.append(f"{_plural(undefined, 'code')} with undefined coefficients: the note column says why.")
    if p.get("n_outside"):
        lines.append(f"{_plural(int(p['n_outside']), 'application')} in the compared sources fell outside every "
                     f"{word} and {'was' if p['n_outside'] == 1 else 'were'} not compared.")
    return [x for x in lines if x]


def _num(value: Any, spec: str, undefined: str = UNDEFINED) -> str:
    return undefined if value is None or pd.isna(value) else format(float(value), spec)


def _band(values: pd.Series, labels: pd.Series) -> list[str]:
    """The convention's label next to a value; blank where the value is undefined (the value says so)."""
    return ["" if pd.isna(v) else str(lab) for v, lab in zip(values, labels)]
