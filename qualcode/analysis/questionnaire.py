"""Questionnaire summaries on ``project.responses()`` and ``project.questions()``.

Evaluation reports quote a response rate ("124 responses, 62 %"), closed questions as
counts and %, Likert batteries as counts per level with "% agree" and the median,
and "marks out of ten" per objective (mean, median and the spread, reported as "7 to
8"). Open answers are coded text; :func:`open_answers` ties each answer to the excerpts
coded inside it.

Percentages of a question are of the people who answered it (``n``), never of all
respondents; unanswered counts are in ``missing``.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from qualcode.analysis._matrix import attach_fields, require
from qualcode.errors import UsageError

__all__ = ["response_rate", "closed_questions", "likert", "ratings", "open_answers", "item_answers"]

CLOSED_TYPES = ("category", "boolean", "scale")


def _questions(questions: pd.DataFrame, types: Sequence[str], columns: Sequence[str] | None,
               questionnaire: str | None) -> pd.DataFrame:
    require(questions, ["questionnaire", "column", "type"], "questions", "project.questions()")
    q = questions
    if questionnaire is not None:
        q = q[q["questionnaire"] == questionnaire]
    if columns is not None:
        unknown = [c for c in columns if c not in set(q["column"])]
        if unknown:
            raise UsageError(f"question column {unknown[0]!r} is not in the questionnaire; "
                             "see project.questions() for the columns")
        q = q[q["column"].isin(columns)]
    else:
        q = q[q["type"].isin(types)]
    return q.reset_index(drop=True)


def _answers(responses: pd.DataFrame, qrow: pd.Series) -> pd.DataFrame:
    """The responses to ``qrow``'s questionnaire (all rows when there is one)."""
    if "questionnaire" in responses.columns and pd.notna(qrow.get("questionnaire")):
        return responses[responses["questionnaire"] == qrow["questionnaire"]]
    return responses


def _grouped(frame: pd.DataFrame, by: str | None, descriptors: pd.DataFrame | None):
    if by is None:
        yield None, frame
        return
    frame = attach_fields(frame, descriptors, [by])
    for value, part in frame.groupby(by, sort=True, dropna=True):
        yield value, part


def response_rate(responses: pd.DataFrame, *, invited: int | Mapping[object, int] | None = None,
                  by: str | None = None, descriptors: pd.DataFrame | None = None,
                  questions: pd.DataFrame | None = None, total: bool = True) -> pd.DataFrame:
    """Responses, people invited and response rate, overall or per group.

    ``invited`` is an int (overall) or a mapping group value -> invited (with ``by``, a
    responses column such as ``wave`` or ``questionnaire``, or a case descriptor). When
    it is None and ``questions`` is given, each questionnaire's ``invited`` is used
    (summed for the overall row). A response is one row of ``responses``.

    Columns: ``group`` ("all" for the overall row), ``responses``, ``invited`` (Int64,
    <NA> when unknown), ``pct_response`` (NaN when invited is unknown). With ``by`` and
    ``total`` an "all" row ends the table.
    """
    per_q: dict[object, int] = {}
    if questions is not None and "invited" in questions.columns:
        inv = questions.dropna(subset=["invited"]).drop_duplicates("questionnaire")
        per_q = dict(zip(inv["questionnaire"], inv["invited"].astype(int)))
    rows = []
    if by is not None:
        if invited is None and by == "questionnaire":
            invited = per_q
        if invited is not None and not isinstance(invited, Mapping):
            raise UsageError("with by=..., invited must map each group to its number invited")
        for value, part in _grouped(responses, by, descriptors):
            rows.append((value, len(part), None if invited is None else invited.get(value)))
        if total:
            all_inv = sum(invited.values()) if isinstance(invited, Mapping) and invited else None
            rows.append(("all", len(responses), all_inv))
    else:
        if isinstance(invited, Mapping):
            raise UsageError("invited is a mapping of groups; pass by= the field that names them")
        if invited is None and per_q:
            invited = sum(per_q.values())
        rows.append(("all", len(responses), invited))
    out = pd.DataFrame(rows, columns=["group", "responses", "invited"])
    out["invited"] = out["invited"].astype("Int64")
    inv = out["invited"].astype("Float64")
    out["pct_response"] = (100.0 * out["responses"] / inv.where(inv > 0)).astype(float)
    return out


def _level_position(values: pd.Series, levels: Sequence[str]) -> pd.Series:
    """1-based level of each answer: labels by their place in ``levels``, numbers as given."""
    label_pos = {str(lv).strip().lower(): i + 1 for i, lv in enumerate(levels)}
    def pos(v: object) -> float:
        if pd.isna(v):
            return np.nan
        key = str(v).strip().lower()
        if key in label_pos:
            return float(label_pos[key])
        try:
            num = float(v)
        except (TypeError, ValueError):
            return np.nan
        return num if num.is_integer() and 1 <= num <= len(levels) else np.nan
    return values.map(pos).astype(float)


def _levels(qrow: pd.Series) -> list[str]:
    levels = qrow.get("levels")
    if levels is None or (not isinstance(levels, (list, tuple, np.ndarray)) and pd.isna(levels)):
        return []
    return [str(x) for x in levels]


def closed_questions(responses: pd.DataFrame, questions: pd.DataFrame, *, columns: Sequence[str] | None = None,
                     questionnaire: str | None = None, by: str | None = None,
                     descriptors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts and % of each answer to the closed questions (category, boolean, scale).

    Scale answers follow the question's ``levels`` order (levels nobody chose appear
    with 0); other answers are sorted by count. Columns: ``questionnaire, column,
    question``, ``group`` (with ``by``), ``value``, ``count``, ``pct`` (of ``n``), ``n``
    (answered), ``missing``.
    """
    rows = []
    for _, q in _questions(questions, CLOSED_TYPES, columns, questionnaire).iterrows():
        answers = _answers(responses, q)
        if q["column"] not in answers.columns:
            raise UsageError(f"responses have no column {q['column']!r}; rebuild them with project.responses()")
        levels = _levels(q) if q["type"] == "scale" else []
        for group, part in _grouped(answers, by, descriptors):
            col = part[q["column"]]
            n = int(col.notna().sum())
            if levels:
                pos = _level_position(col, levels)
                counts = pd.Series([int((pos == i + 1).sum()) for i in range(len(levels))], index=levels)
            else:
                counts = col.dropna().astype(str).value_counts()
                counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
            for value, count in counts.items():
                rows.append({"questionnaire": q["questionnaire"], "column": q["column"],
                             "question": q.get("question", ""), "group": group, "value": value,
                             "count": int(count), "pct": 100.0 * count / n if n else np.nan,
                             "n": n, "missing": int(len(col) - n)})
    out = pd.DataFrame(rows, columns=["questionnaire", "column", "question", "group", "value", "count", "pct",
                                      "n", "missing"])
    return out if by is not None else out.drop(columns="group")


def likert(responses: pd.DataFrame, questions: pd.DataFrame, *, battery: str | None = None,
           columns: Sequence[str] | None = None, questionnaire: str | None = None, by: str | None = None,
           descriptors: pd.DataFrame | None = None, agree_levels: Sequence[str] | int = 2,
           percent: bool = False) -> pd.DataFrame:
    """Likert items (``type == "scale"``), one row per item (and group): counts per level.

    Levels are taken in the order of the question's ``levels`` (from most negative to
    most positive); "agree" is the top ``agree_levels`` levels (an int) or the named
    levels. ``median`` is the median level position (1 = first level; may end in .5),
    ``median_level`` the label of the lower median. With ``percent`` the level columns
    hold % of ``n`` instead of counts.

    Columns: ``battery, column, question``, ``group`` (with ``by``), ``n``,
    ``pct_agree``, ``median``, ``median_level``, then one column per level label. Items
    of one battery must share their levels; level columns follow the first item's.
    """
    q = _questions(questions, ("scale",), columns, questionnaire)
    if battery is not None:
        require(q, ["battery"], "questions", "project.questions()")
        q = q[q["battery"] == battery]
        if q.empty:
            raise UsageError(f"no scale questions in battery {battery!r}; see project.questions()")
    rows = []
    level_cols: list[str] = []
    for _, item in q.iterrows():
        levels = _levels(item)
        if not levels:
            raise UsageError(f"scale question {item['column']!r} has no levels; give its levels in the questionnaire")
        for lv in levels:
            if lv not in level_cols:
                level_cols.append(lv)
        if isinstance(agree_levels, int):
            agree = set(range(len(levels) - agree_levels + 1, len(levels) + 1))
        else:
            wanted = {str(a).lower() for a in agree_levels}
            agree = {i + 1 for i, lv in enumerate(levels) if lv.lower() in wanted}
        for group, part in _grouped(_answers(responses, item), by, descriptors):
            pos = _level_position(part[item["column"]], levels).dropna()
            n = len(pos)
            rec: dict[str, object] = {"battery": item.get("battery", ""), "column": item["column"],
                                      "question": item.get("question", ""), "group": group, "n": n}
            rec["pct_agree"] = 100.0 * pos.isin(agree).sum() / n if n else np.nan
            rec["median"] = float(np.median(pos)) if n else np.nan
            rec["median_level"] = levels[int(np.sort(pos.to_numpy())[(n - 1) // 2]) - 1] if n else pd.NA
            for i, lv in enumerate(levels):
                c = int((pos == i + 1).sum())
                rec[lv] = (100.0 * c / n if n else np.nan) if percent else c
            rows.append(rec)
    head = ["battery", "column", "question", "group", "n", "pct_agree", "median", "median_level"]
    out = pd.DataFrame(rows, columns=head + level_cols)
    return out if by is not None else out.drop(columns="group")


def ratings(responses: pd.DataFrame, questions: pd.DataFrame, *, columns: Sequence[str] | None = None,
            questionnaire: str | None = None, by: str | None = None,
            descriptors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Ratings ("marks out of ten") per objective: n, mean, median, sd, min, quartiles, max.

    Uses the questions of type ``rating`` (or the named ``columns``, e.g. numbers).
    ``q1``/``q3`` are the quartiles (linear interpolation) so a report can say "7 to 8".
    ``sd`` is the sample standard deviation (NaN for one answer).

    Columns: ``column, question``, ``group`` (with ``by``), ``n, mean, median, sd, min,
    q1, q3, max``.
    """
    rows = []
    for _, q in _questions(questions, ("rating",), columns, questionnaire).iterrows():
        for group, part in _grouped(_answers(responses, q), by, descriptors):
            x = pd.to_numeric(part[q["column"]], errors="coerce").dropna().to_numpy(dtype=float)
            n = len(x)
            rows.append({"column": q["column"], "question": q.get("question", ""), "group": group, "n": n,
                         "mean": x.mean() if n else np.nan, "median": float(np.median(x)) if n else np.nan,
                         "sd": x.std(ddof=1) if n > 1 else np.nan, "min": x.min() if n else np.nan,
                         "q1": np.percentile(x, 25) if n else np.nan, "q3": np.percentile(x, 75) if n else np.nan,
                         "max": x.max() if n else np.nan})
    out = pd.DataFrame(rows, columns=["column", "question", "group", "n", "mean", "median", "sd", "min", "q1",
                                      "q3", "max"])
    return out if by is not None else out.drop(columns="group")


def open_answers(segments: pd.DataFrame, excerpts: pd.DataFrame, *, question: str | None = None) -> pd.DataFrame:
    """Each open answer (``segments()`` of kind ``answer``) with the excerpts inside it.

    An excerpt belongs to an answer when it lies in the same source and its span
    intersects the answer's. Answers with no excerpt appear once with ``excerpt_id``
    <NA>, so uncoded answers are visible. ``question`` keeps one question.

    Columns: ``question, source_id, source, answer_start, answer_end, excerpt_id``,
    then the excerpt's ``case, wave, start, end, text, codes`` (those present).
    """
    require(segments, ["source_id", "kind", "start", "end", "question"], "segments", "project.segments()")
    require(excerpts, ["excerpt_id", "source_id", "start", "end"], "excerpts", "project.excerpts()")
    ans = segments[segments["kind"] == "answer"]
    if question is not None:
        ans = ans[ans["question"] == question]
    ans = ans[["question", "source_id", *(["source"] if "source" in ans.columns else []), "start", "end"]]
    ans = ans.rename(columns={"start": "answer_start", "end": "answer_end"}).reset_index(drop=True)
    ans["_answer"] = np.arange(len(ans))
    ex_cols = [c for c in ("excerpt_id", "source_id", "case", "wave", "start", "end", "text", "codes")
               if c in excerpts.columns]
    pairs = ans.merge(excerpts[ex_cols], on="source_id", how="inner")
    hit = (np.maximum(pairs["answer_start"], pairs["start"]) < np.minimum(pairs["answer_end"], pairs["end"]))
    pairs = pairs[hit.to_numpy()]
    lonely = ans[~ans["_answer"].isin(pairs["_answer"])]
    out = pd.concat([pairs, lonely], ignore_index=True)
    out["excerpt_id"] = out["excerpt_id"].astype("Int64")
    out = out.sort_values(["_answer", "start"], na_position="first").drop(columns="_answer")
    head = [c for c in ("question", "source_id", "source", "answer_start", "answer_end", "excerpt_id") if c in out]
    rest = [c for c in ex_cols if c not in head]
    return out[head + rest].reset_index(drop=True)


def item_answers(responses: pd.DataFrame, questions: pd.DataFrame, by: str, descriptors: pd.DataFrame | None, *,
                 types: Sequence[str] = ("rating", "scale"), columns: Sequence[str] | None = None,
                 questionnaire: str | None = None) -> Iterator[tuple[pd.Series, dict[object, np.ndarray]]]:
    """Each rating or scale item (its ``questions`` row) with its answers as numbers per
    group of ``by``: ratings as given, scale labels as 1-based level positions. Groups
    with no answer are left out. The raw material of tests comparing groups' answers."""
    for _, item in _questions(questions, types, columns, questionnaire).iterrows():
        scale = item["type"] == "scale"
        samples: dict[object, np.ndarray] = {}
        for group, part in _grouped(_answers(responses, item), by, descriptors):
            col = part[item["column"]]
            values = (_level_position(col, _levels(item)) if scale else pd.to_numeric(col, errors="coerce")).dropna()
            if len(values):
                samples[group] = values.to_numpy(dtype=float)
        yield item, samples
