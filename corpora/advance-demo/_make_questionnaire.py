"""Make questionnaire.xlsx for the Advance demo study (fictional data).

Run from anywhere:  python corpora/advance-demo/_make_questionnaire.py

The closed answers are simulated, reproducibly (fixed seed, standard library only), from
a simple model so that analyses have a plausible story to find:

- each respondent has a latent "how well is it going" score: mentors are the most
  positive, staff the least (they see the CEO's change second-hand);
- wave 2 (end of the year) is higher than wave 1, most of all on the CEO's confidence and
  on partnership working, less on governance, which changes slowly;
- face-to-face pairs are a little higher on confidence, online pairs much the same on
  everything else;
- staff often leave the governance and partnership marks blank (they don't know).

The open answers are hand-written, one pool per role and wave; within a pool the most
positive answers go to the respondents with the highest latent score, so the words agree
with the numbers (a "No" to recommending Advance comes with a critical answer).
"""
from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

OUT = Path(__file__).resolve().parent / "questionnaire.xlsx"
SEED = 20250320  # chosen among seeds whose draw shows the intended pattern without extreme noise

LEVELS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
LIKERT = {  # column: (question, baseline on the 1-5 scale, wave-2 gain, face-to-face gain)
    "conf_decisions": ("The chief executive is confident taking difficult decisions.", 3.15, 0.85, 0.25),
    "conf_strategy": ("The chief executive leads the organisation's strategy with a clear sense of direction.",
                      3.0, 0.75, 0.2),
    "gov_board": ("The board and the chief executive work well together.", 3.35, 0.35, 0.05),
    "gov_trustees": ("The board has the trustees and the skills it needs.", 2.75, 0.45, 0.0),
    "partner_working": ("The organisation works effectively with partner organisations.", 2.85, 0.8, 0.05),
}
OBJECTIVES = {  # column: (aim, baseline mark out of ten, wave-2 gain)
    "obj_confidence": ("building the chief executive's confidence and leadership", 6.4, 1.6),
    "obj_strategy": ("strengthening the organisation's strategy and sustainability", 5.8, 1.2),
    "obj_governance": ("improving governance and the relationship with the board", 5.5, 0.9),
    "obj_partnerships": ("developing partnerships and collaboration with other organisations", 5.0, 1.7),
}
ROLE_SHIFT = {"CEO": 0.0, "Mentor": 0.35, "Trustee": -0.05, "Staff": -0.3}
# Respondents per role and wave, and people invited (both waves together: 140).
RESPONDENTS = {("CEO", 1): 13, ("CEO", 2): 11, ("Mentor", 1): 6, ("Mentor", 2): 6,
               ("Trustee", 1): 12, ("Trustee", 2): 10, ("Staff", 1): 16, ("Staff", 2): 14}
INVITED = {"CEO": 30, "Mentor": 16, "Trustee": 40, "Staff": 54}

# Open answers: "+" positive, "0" neutral or mixed, "-" critical.
CHANGE = {
    ("CEO", 1): [
        ("+", "It's early days, but I have protected time to think for the first time in years. I've started planning rather than reacting."),
        ("+", "I feel less alone with the big decisions. Having someone outside the organisation to test ideas on has already made me calmer."),
        ("+", "I've put together a proper cash flow forecast and shared it with the board, which we have never had."),
        ("+", "My mentor helped me prepare for a difficult conversation with the chair, which went better than I feared."),
        ("+", "Small things so far. I've handed over the rota and the monthly returns, and I keep Friday mornings free for thinking."),
        ("+", "I went to the council's carers' strategy meeting and spoke up, which I wouldn't have done a few months ago."),
        ("0", "Too soon to say much. We've had two meetings and they have mainly been about getting to know each other."),
        ("0", "Nothing concrete yet. I'm clearer about what I want to work on, which is the funding gap and the board."),
        ("0", "I think I'm asking better questions in meetings, but I couldn't point to anything the organisation would notice yet."),
        ("0", "I'm thinking more about partnerships with other carers' organisations, though we haven't acted on it yet."),
        ("-", "Honestly, not much yet. Our sessions keep being cancelled because of things at work, mostly at my end."),
    ],
    ("CEO", 2): [
        ("+", "I'm far more confident with the board and with commissioners. We agreed a three-year strategy and I led it, rather than the consultant we used last time."),
        ("+", "We formed a consortium with two neighbouring carers' charities and won the council contract together. I doubt I'd have made the first phone call without the mentoring."),
        ("+", "We have a reserves policy the board understands, and we've built reserves up from two months to four."),
        ("+", "I restructured the senior team and appointed a deputy, which has taken a huge amount off my desk. Staff say I'm more available and less stressed."),
        ("+", "The biggest change is in me: I back my own judgement now. The organisation has a clearer direction as a result and the staff can see it."),
        ("+", "We launched a paid training offer for employers, our first real income outside grants and contracts."),
        ("+", "Two new trustees with finance and health backgrounds, recruited after a skills audit my mentor suggested. Board meetings are far more useful."),
        ("0", "Some things have changed, mainly my own thinking about the future of the organisation. The funding picture is as difficult as ever."),
        ("0", "We explored a merger, decided against it and set up shared back-office services instead. A useful process, even if the outcome was to stay as we are."),
        ("-", "Less than I hoped. The mentoring was pleasant but we never really got to the issues that matter most for us, which are about money."),
    ],
    ("Mentor", 1): [
        ("+", "My mentee is beginning to see that she doesn't need to have every answer herself. We built trust quickly."),
        ("+", "The chief executive I work with has started to map out her options on the funding gap rather than hoping it goes away."),
        ("0", "It's early. I'm learning a great deal about the sector and about how isolated these chief executives are."),
        ("0", "I've had to unlearn the habit of giving advice. The training helped, but it is harder in practice."),
        ("0", "Mostly relationship-building so far. We have agreed three priorities for the year."),
    ],
    ("Mentor", 2): [
        ("+", "My mentee has grown enormously in confidence. She now leads partnership work locally and her board has noticed the difference."),
        ("+", "A clear decision about the organisation's future, taken properly and owned by the board. That was the main aim and it happened."),
        ("+", "He has stepped back from operations and now spends his time on strategy and external relationships, which is what a chief executive should do."),
        ("+", "I have learned as much as my mentee, particularly about the pressures on small charities. I'll be a better trustee elsewhere because of it."),
        ("0", "Some progress on governance and finance, less on partnerships. The year went quickly and cancellations cost us momentum."),
    ],
    ("Trustee", 1): [
        ("+", "The chief executive is bringing clearer papers to the board, with options rather than just reports."),
        ("+", "She seems less stressed and more willing to raise difficult issues with the board early."),
        ("+", "The chair and chief executive now meet regularly, which has improved communication with the rest of us."),
        ("+", "There's a more honest conversation about money at board level. The chief executive is clearer about the risks we face."),
        ("0", "Too early to tell. We were briefed at the start and understand the mentoring is confidential, which is right."),
        ("0", "I haven't noticed anything yet, but I'm not close to day-to-day matters."),
        ("0", "We have started talking about succession on the board, partly prompted by the chief executive."),
        ("0", "Nothing obvious so far. I'd expect it to take a while."),
        ("0", "Our chief executive has mentioned working more with other local charities. We'll see whether anything comes of it."),
        ("-", "I'm not sure what the programme is for. The board hasn't been told very much about it."),
    ],
    ("Trustee", 2): [
        ("+", "The board has a much stronger chief executive. She challenges us as well as reporting to us, which is healthy."),
        ("+", "We did a skills audit and recruited three new trustees. Our governance is better than it has been for years."),
        ("+", "We now have a proper reserves policy and a plan to meet it. The finance reports are clearer and on time."),
        ("+", "We're part of a consortium that won a major contract. A year ago the board would not have agreed to it, and I doubt we'd have been asked."),
        ("+", "The chief executive handled the chair's succession with real skill, which spared us a difficult year."),
        ("+", "The board itself has become more engaged. Several of us have taken on clearer roles."),
        ("0", "Some improvement in board papers and planning. The underlying financial position is still fragile."),
        ("0", "Hard to separate the effect of the mentoring from everything else that happened this year, but the chief executive is clearly more confident."),
        ("-", "I haven't seen much difference, to be honest. The same issues keep coming back to the board."),
    ],
    ("Staff", 1): [
        ("+", "Our CEO seems calmer and more focused. She has talked to us about where the organisation is going, which is new."),
        ("+", "There's more delegation to managers, and team meetings are more about planning than firefighting."),
        ("+", "The CEO has started a monthly all-staff briefing, which helps us understand the bigger picture."),
        ("+", "She's more willing to say no to things, which protects the team."),
        ("+", "We've been asked for our views on the new plan, which hasn't happened before."),
        ("0", "I didn't know the CEO was on a mentoring programme until this survey."),
        ("0", "Not sure anything has changed yet."),
        ("0", "Nothing I've noticed so far."),
        ("0", "I think it's early days. The pressures on the service are the same."),
        ("0", "Hard to say from where I sit in the organisation."),
        ("0", "I know our chief exec has a mentor but I don't know what they talk about, which is fine."),
        ("0", "Our manager mentioned there may be a joint project with another carers' charity."),
        ("-", "Honestly, morale is low because of the funding cuts and I haven't seen anything change."),
    ],
    ("Staff", 2): [
        ("+", "Clearer direction. We know what the priorities are and what we're not doing any more."),
        ("+", "Our CEO is more visible and approachable. We have a deputy now, so decisions don't all wait for one person."),
        ("+", "We've started working with the hospice and another carers' centre on the discharge service. It's been good for carers and for us."),
        ("+", "The volunteer induction has been rewritten and volunteers feel much better supported."),
        ("+", "The organisation feels more stable. Winning the new contract has taken away a lot of anxiety in the team."),
        ("+", "Managers have more responsibility and we meet as a team without the CEO now, which works well."),
        ("+", "Waiting times for carers have come down and we're less stretched."),
        ("+", "The chief executive speaks up for carers at council meetings now, and some of our carers have been invited to speak too."),
        ("0", "Some changes at the top, and a restructure, which was unsettling at first but seems to have worked out."),
        ("0", "I'm aware of more partnership working, but on the front line the work feels much the same."),
        ("0", "The merger has taken a lot of everyone's energy. It may be the right decision, but it has been a hard year."),
        ("-", "More meetings and more plans, but the same staffing problems. I'm not sure it has reached the front line."),
    ],
}
IMPROVE = {
    "CEO": [
        "More chances to meet the other chief executives in the cohort. The two days together were the most useful part after the mentoring itself.",
        "A face-to-face first meeting for online pairs would help the relationship get going.",
        "Clearer information about mentors before matching, so we can say what kind of person would suit us.",
        "A check-in at three months to see whether the match is working.",
        "Some follow-up after the year ends, even a single session at six months.",
        "A bit more structure at the start, such as agreed goals that we review halfway through.",
        "Nothing major. Perhaps more flexibility to have shorter, more frequent sessions.",
        "More recognition that small charities face very different issues from larger ones.",
        "A session on mergers and partnership working, with people who have been through it.",
        "Protected time is the hard part. Some guidance for boards on why the CEO needs to prioritise the sessions.",
        "The application form was long for a small organisation. A simpler process would encourage others to apply.",
        "An alumni network so that the relationships carry on after the programme.",
        "It worked well for me. I'd keep it as it is.",
        "The online sessions sometimes felt rushed. Longer slots would have helped.",
    ],
    "Mentor": [
        "More training on online mentoring, as most of the material assumed face-to-face meetings.",
        "Guidance on endings, as some relationships finish abruptly and others drift.",
        "More frequent mentor network meetings, particularly in the first few months.",
        "Better briefing on the sector for mentors from outside it, especially on commissioning and council funding.",
        "A clearer statement to chief executives at the start that the sessions are a priority, not an optional extra.",
        "A short mid-year review with the programme team, without breaching confidentiality.",
        "I'd like to know more about what happens to mentees after the year.",
        "It's well run. I have no major suggestions.",
    ],
    "Trustee": [
        "More information for trustees about what the programme is and what to expect from it.",
        "An evening session for chairs, so boards can change alongside their chief executives.",
        "Guidance for boards on supporting the chief executive after the mentoring ends.",
        "It would be useful to hear, in general terms, what other boards have learned.",
        "Nothing to add. It seems well organised.",
        "A short report to the board at the end of the year, agreed with the chief executive, would help us see the value.",
        "Involve the chair at the start, perhaps in a three-way meeting to agree priorities.",
        "I was not aware of the programme until recently. Better communication with the board would help.",
        "Some training for trustees on governance would complement the mentoring.",
        "Offer it to more chief executives, particularly in small charities.",
        "Make sure mentors understand the difference between a small local charity and a corporate board.",
    ],
    "Staff": [
        "It would be good to know more about the programme and how it might affect the organisation.",
        "Maybe something similar for managers below the CEO.",
        "Share some of the learning with staff, not just the board.",
        "Not sure, I don't know enough about it.",
        "Offer mentoring to senior managers as well.",
        "Keep it going. It seems to have helped our CEO a lot.",
        "Changes could be explained to staff earlier, especially during a restructure.",
        "More focus on the front line and on how changes affect the people we support.",
        "A staff survey at the start and end would show whether anything really changed.",
        "I don't feel it reached us much. More involvement of staff in planning would help.",
        "Nothing comes to mind.",
        "Make sure carers' voices are part of any new plans that come out of it.",
    ],
}
SENTIMENT_ORDER = {"+": 0, "0": 1, "-": 2}


def clamp(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def simulate(rng: random.Random) -> list[dict]:
    rows = []
    for (role, wave), n in RESPONDENTS.items():
        cell = []
        for _ in range(n):
            mode = "face to face" if rng.random() < 0.5 else "online"
            cohort = rng.choice([2024, 2025])
            latent = ROLE_SHIFT[role] + rng.gauss(0, 0.55)
            row = {"role": role, "wave": wave, "mode": mode, "cohort": cohort, "_latent": latent}
            for col, (_, base, gain, f2f) in LIKERT.items():
                x = base + latent + (gain if wave == 2 else 0) + (f2f if mode == "face to face" else 0)
                row[col] = LEVELS[int(round(clamp(x + rng.gauss(0, 0.5), 1, 5))) - 1]
            for col, (_, base, gain) in OBJECTIVES.items():
                x = base + 1.6 * latent + (gain if wave == 2 else 0) + rng.gauss(0, 1.1)
                if col == "obj_confidence" and mode == "face to face":
                    x += 0.4
                blank = 0.04
                if role == "Staff" and col in ("obj_governance", "obj_partnerships"):
                    blank = 0.3
                row[col] = None if rng.random() < blank else int(round(clamp(x, 0, 10)))
            cell.append(row)
        # Open answers: the most positive answers to the most positive respondents.
        answers = sorted(CHANGE[(role, wave)], key=lambda a: SENTIMENT_ORDER[a[0]])
        answered = sorted(rng.sample(cell, len(answers)), key=lambda r: -r["_latent"])
        for row in cell:
            row["open_change"] = None
            row["_sentiment"] = None
        for row, (sentiment, text) in zip(answered, answers):
            row["open_change"] = text
            row["_sentiment"] = sentiment
        rows.extend(cell)
    for role, pool in IMPROVE.items():
        cell = [r for r in rows if r["role"] == role]
        for r in cell:
            r["open_improve"] = None
        for r, text in zip(rng.sample(cell, len(pool)), pool):
            r["open_improve"] = text
    for r in rows:
        # Recommend: nearly everyone, except the least convinced; a few leave it blank.
        # Staff who are unsure what the programme is leave it blank rather than say no.
        p = r["_latent"] + (0.3 if r["wave"] == 2 else 0)
        if rng.random() < 0.04 or (p <= -0.75 and r["role"] == "Staff" and r.get("_sentiment") != "-"):
            r["recommend"] = None
        else:
            r["recommend"] = "Yes" if p > -0.75 else "No"
    # Survey tools export in order of submission: wave 1 first, roles interleaved.
    rows.sort(key=lambda r: (r["wave"], rng.random()))
    for i, r in enumerate(rows, start=1):
        r["respondent"] = f"R{i:03d}"
    return rows


def write(rows: list[dict]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "responses"
    cols = (["respondent", "role", "wave", "cohort", "mode"] + list(LIKERT) + list(OBJECTIVES)
            + ["recommend", "open_change", "open_improve"])
    ws.append(cols)
    for r in rows:
        ws.append([r[c] for c in cols])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "B2"
    for letter, width in (("A", 11), ("E", 13), ("Q", 70), ("R", 60)):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=2, min_col=17, max_col=18):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    qs = wb.create_sheet("questions")
    qs.append(["column", "type", "question", "battery", "levels"])
    qs.append(["respondent", "key", "Respondent number", "", ""])
    qs.append(["role", "category", "Which of these best describes you? (Chief executive taking part in Advance, "
               "Advance mentor, trustee, member of staff)", "", ""])
    qs.append(["wave", "category", "Survey wave (1 = early in the programme year, 2 = end of the year)", "", ""])
    qs.append(["cohort", "category", "Programme cohort (the year the mentoring started)", "", ""])
    qs.append(["mode", "category", "How have the mentoring sessions mostly taken place? (online, face to face)", "", ""])
    intro = "Thinking about the chief executive taking part in Advance (yourself, if that is you): "
    for col, (q, *_rest) in LIKERT.items():
        qs.append([col, "scale", intro + q, "Confidence and governance", ";".join(LEVELS)])
    for col, (aim, *_rest) in OBJECTIVES.items():
        qs.append([col, "rating", f"Out of ten, how far has Advance met its aim of {aim}? "
                   "(0 = not at all, 10 = completely)", "", ""])
    qs.append(["recommend", "boolean", "Would you recommend Advance to the chief executive of another charity?", "", ""])
    qs.append(["open_change", "open", "What, if anything, has changed for you or your organisation as a result "
               "of Advance?", "", ""])
    qs.append(["open_improve", "open", "What could be better about the programme?", "", ""])
    for cell in qs[1]:
        cell.font = Font(bold=True)
    qs.column_dimensions["A"].width = 18
    qs.column_dimensions["C"].width = 90
    qs.column_dimensions["D"].width = 26

    ab = wb.create_sheet("about")
    ab.append(["key", "value"])
    ab.append(["title", "Advance impact study: questionnaire to CEOs, mentors, trustees and staff, 2024-2026"])
    ab.append(["invited", sum(INVITED.values())])
    for role, n in INVITED.items():
        ab.append([f"invited:role={role}", n])
    ab.append(["invited:wave=1", 70])
    ab.append(["invited:wave=2", 70])
    ab.append(["note", "Fictional data for the qualcode demo; made by _make_questionnaire.py"])
    for cell in ab[1]:
        cell.font = Font(bold=True)
    ab.column_dimensions["A"].width = 22
    ab.column_dimensions["B"].width = 80
    wb.save(OUT)


def main() -> None:
    rows = simulate(random.Random(SEED))
    write(rows)


if __name__ == "__main__":
    main()
