"""Two coders' copies of the open answers of a food-bank user survey, coded by hand in a
spreadsheet the way teams do it: a row per response, the answer, then Code 1 … Code 3
(sub-codes written ``parent->child``) and a notes column. Written for these tests.

Traps that real sheets have: numeric ids, an answer that is literally "N/A" that both
coders coded, an "N/A" nobody coded, an empty row, a response pasted twice (id 1012),
a code cell with stray spaces, and a notes column that is not a code.

    python tests/data/coded_sheets/make_coded_sheets.py OUT_DIR
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

QUESTION = "Q7. What, if anything, would you change about the food bank?"
ANSWERS: list[tuple[int, str]] = [
    (1001, "Open later on Thursdays so people who work can come."),
    (1002, "Nothing, the volunteers are lovely."),
    (1003, "More fresh fruit and veg, it always runs out by the afternoon."),
    (1004, "N/A"),
    (1005, "A delivery option for people who can't get there, my mum is housebound."),
    (1006, "The queue outside is humiliating. A waiting room would help."),
    (1007, "Evening opening and somewhere dry to wait."),
    (1008, "Halal options please."),
    (1009, "-"),
    (1010, "Help with gas and electric bills, that's what's killing us."),
    (1011, "Less paperwork to get a referral."),
    (1012, "Bus fare is the problem, a pickup point nearer the estate."),
    (1013, "Honestly I would not change anything."),
    (1014, "More baby stuff like nappies and formula."),
    (1015, "N/A"),
    (1016, "Be open on Saturdays."),
]

# id -> codes per coder (cells of Code 1..Code 3)
KM = {
    1001: ["Access->Opening hours"],
    1002: ["No change", "Experience->Volunteers"],
    1003: ["Supplies->Fresh food"],
    1004: ["No change"],
    1005: ["Access->Delivery"],
    1006: ["Experience->Queueing", " Suggestions->Waiting room "],
    1007: ["Access->Opening hours", "Experience->Queueing"],
    1008: ["Supplies->Dietary needs"],
    1010: ["Wider support->Energy bills"],
    1011: ["Access->Referral"],
    1012: ["Access->Travel"],
    1013: ["No change"],
    1014: ["Supplies->Baby items"],
    1016: ["Access->Opening hours"],
}
JO = {
    1001: ["Access->Opening hours"],
    1002: ["No change"],
    1003: ["Supplies->Fresh food"],
    1004: ["No change"],
    1005: ["Access->Delivery", "Access->Travel"],
    1006: ["Experience->Queueing"],
    1007: ["Access->Opening hours", "Suggestions->Waiting room"],
    1008: ["Supplies->Dietary needs"],
    1010: ["Wider support->Energy bills"],
    1011: [],
    1012: ["Access->Travel", "Access->Delivery"],
    1013: ["No change"],
    1014: ["Supplies->Baby items"],
    1016: ["Access->Opening hours"],
}
NOTES = {1006: "strong feeling", 1011: "unclear - referral or paperwork?"}
HEADER = ["Response ID", QUESTION, "Code 1", "Code 2", "Code 3", "Coder notes"]


def rows(codes: dict[int, list[str]]) -> list[list[object]]:
    out: list[list[object]] = []
    for ident, text in ANSWERS:
        cells = (codes.get(ident, []) + ["", "", ""])[:3]
        out.append([ident, text, *cells, NOTES.get(ident, "")])
        if ident == 1012:  # pasted twice when the sheet was split between coders
            out.append([ident, text, *cells, ""])
        if ident == 1008:
            out.append([None, None, None, None, None, None])  # an empty row
    return out


def write_xlsx(path: Path, codes: dict[int, list[str]], coder: str) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"Coding {coder}"
    sheet.append(HEADER)
    for row in rows(codes):
        sheet.append(row)
    book.save(path)
    return path


def write_csv_with_coder_column(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Coder", *HEADER])
        for coder, codes in (("KM", KM), ("JO", JO)):
            for row in rows(codes):
                if row[0] is not None:
                    writer.writerow([coder, *("" if v is None else v for v in row)])
    return path


def write_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "KM": write_xlsx(folder / "q7-open-answers_KM.xlsx", KM, "KM"),
        "JO": write_xlsx(folder / "q7-open-answers_JO.xlsx", JO, "JO"),
        "csv": write_csv_with_coder_column(folder / "q7-both-coders.csv"),
    }


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else ".")).values():
        print(path)
