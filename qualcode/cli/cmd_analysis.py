"""Commands for analyses (issue 4): ``qualcode stats …``, ``quotes``, ``report``, ``wordcloud``."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qualcode.cli import collector
from qualcode.cli.context import open_project
from qualcode.cli.main import cli, end_quickly
from qualcode.cli.output import emit_frame, format_option
from qualcode.errors import UsageError
from qualcode.search.mask import parse_where

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

where_option = click.option("--where", "where", multiple=True, metavar="FIELD=VALUE",
                            help="Only material whose descriptor, wave, source or kind has this value (repeatable).")
code_option = click.option("--code", "codes", multiple=True, help="Only this code and its children (repeatable).")
base_option = click.option(
    "--base", type=click.Choice(["coded", "all"]), default="coded", show_default=True,
    help="What '% of cases' is out of: the participants whose material carries a code, or every participant "
         "with material (docs/numbers.md).")


def _emit(project, frame: pd.DataFrame, fmt: str, where: tuple[str, ...], base: str, *, index: bool = False) -> None:
    """Print a table and, under a text table, the line naming its base."""
    emit_frame(frame, fmt, index=index)
    if fmt == "table":
        click.echo(project.analysis_base(_where(where), base=base).describe(hint=True))


def _where(where: tuple[str, ...]) -> dict[str, list[str]] | None:
    return parse_where(where) or None


stop_option = click.option("--stop", "stop_file", type=click.Path(exists=True, dir_okay=False), default=None,
                           help="A file of extra stop words, one per line (or separated by spaces).")
filler_option = click.option(
    "--keep-filler", is_flag=True,
    help="Count conversational fillers in transcripts too (like, know, yeah, okay, think, thing…), which are "
         "left out by default (the list: qualcode.analysis.conversation).")


def _stop_words(stop_file: str | None) -> list[str]:
    """The words of a stop list, decoded as ingest decodes (a list saved by Notepad in
    Windows-1252 is read; one that mixes encodings is one line naming the byte)."""
    if not stop_file:
        return []
    from qualcode.ingest.decode import read_text_file

    return read_text_file(stop_file)[0].split()


#: the ``stats`` commands that count codings (they read every applied coding's ids)
COUNTING_COMMANDS = frozenset({"frequencies", "presence", "cooccurrence", "crosstab", "weights", "waves", "priorities"})


class StatsGroup(click.Group):
    """The ``stats`` group, noting whether its command was asked for ``--help`` (then
    nothing will be counted, and nothing should be read ahead)."""

    def resolve_command(self, ctx: click.Context, args: list[str]):  # type: ignore[no-untyped-def]
        ctx.meta["qualcode.stats.help"] = any(arg in ctx.help_option_names for arg in args[1:])
        return super().resolve_command(ctx, args)


@cli.group(cls=StatsGroup)
@click.pass_context
def stats(ctx: click.Context) -> None:
    """Tables: frequencies, presence, cooccurrence, crosstab, weights, waves, priorities, words, keywords, questionnaire."""
    end_quickly()  # every stats command only reads (qualcode.cli.main.end_quickly)
    collector.pause()  # until the project opens (qualcode.cli.collector)
    if ctx.invoked_subcommand in COUNTING_COMMANDS and not ctx.meta.get("qualcode.stats.help"):
        # the first count after a write reads 10^6 ids: SQLite starts on the second core
        # while pandas and SQLAlchemy load (qualcode.store.count_prefetch)
        from qualcode.store import count_prefetch

        # ``weights`` counts the weights too: read with the ids, in the same pass
        count_prefetch.start((ctx.find_root().obj or {}).get("project"),
                             ("weight",) if ctx.invoked_subcommand == "weights" else ())


@stats.command("frequencies")
@where_option
@code_option
@click.option("--coder", default=None, help="Only this coder's applications.")
@click.option("--all-columns", is_flag=True, help="Show every column (explicit and child-sum counts).")
@base_option
@format_option
@click.pass_context
def stats_frequencies(ctx: click.Context, where: tuple[str, ...], codes: tuple[str, ...], coder: str | None,
                      all_columns: bool, base: str, fmt: str) -> None:
    """Per code: excerpts, sources, cases and % of cases (explicit, and with children summed)."""
    project = open_project(ctx)
    table = project.frequencies(_where(where), list(codes) or None, coder=coder, base=base)
    if not all_columns and fmt == "table":
        table = table[["code", "excerpts", "sources", "cases", "pct_cases", "excerpts_sum", "cases_sum", "pct_cases_sum"]]
    _emit(project, table.round(1), fmt, where, base)


child_sum_option = click.option(
    "--child-sum", is_flag=True,
    help="Give each parent code its descendants' excerpts too (once per excerpt); default: explicit codings only.")


@stats.command("presence")
@click.option("--by", type=click.Choice(["source", "case"]), default="source", show_default=True)
@click.option("--counts", is_flag=True, help="Number of excerpts instead of 0/1.")
@child_sum_option
@where_option
@base_option
@format_option
@click.pass_context
def stats_presence(ctx: click.Context, by: str, counts: bool, child_sum: bool, where: tuple[str, ...], base: str,
                   fmt: str) -> None:
    """Codes × sources (or cases): 0/1 presence, or excerpt counts with --counts."""
    project = open_project(ctx)
    measure = project.code_application if counts else project.code_presence
    table = measure(by, _where(where), child_sum=child_sum, base=base)
    _emit(project, table, fmt, where, base, index=True)


@stats.command("cooccurrence")
@click.option("--overlap", is_flag=True, help="Count overlapping excerpts in the same source too.")
@click.option("--jaccard", is_flag=True, help="Jaccard similarity instead of counts.")
@click.option("--pairs", is_flag=True, help="A long list of code pairs instead of a matrix.")
@child_sum_option
@where_option
@code_option
@format_option
@click.pass_context
def stats_cooccurrence(ctx: click.Context, overlap: bool, jaccard: bool, pairs: bool, child_sum: bool,
                       where: tuple[str, ...], codes: tuple[str, ...], fmt: str) -> None:
    """Code × code: excerpts where both codes are applied."""
    project = open_project(ctx)
    if pairs:
        if child_sum:
            raise UsageError("--child-sum applies to the matrix; leave out --pairs")
        emit_frame(project.cooccurrence_pairs(_where(where), overlap=overlap).round(3), fmt)
        return
    table = project.cooccurrence(_where(where), overlap=overlap, measure="jaccard" if jaccard else "count",
                                 codes=list(codes) or None, child_sum=child_sum)
    emit_frame(table.round(3), fmt, index=True)


@stats.command("crosstab")
@click.option("--by", "by", multiple=True, required=True, help="Descriptor(s) to cross by (repeat for two).")
@click.option("--value", type=click.Choice(["cases", "pct_cases", "excerpts", "excerpts_normalised", "cases_normalised"]),
              default="pct_cases", show_default=True, help="What the cells hold (wide table).")
@click.option("--long", "long_form", is_flag=True, help="The long table with every measure.")
@click.option("--test", "test", is_flag=True,
              help="Per code, is the gap between the groups more than chance? Fisher's exact / exact chi-square "
                   "test with Benjamini-Hochberg q-values (one --by, a case descriptor).")
@child_sum_option
@where_option
@code_option
@base_option
@format_option
@click.pass_context
def stats_crosstab(ctx: click.Context, by: tuple[str, ...], value: str, long_form: bool, test: bool, child_sum: bool,
                   where: tuple[str, ...], codes: tuple[str, ...], base: str, fmt: str) -> None:
    """Code × descriptor group: cases, % of cases in each group, Dedoose-normalised counts."""
    from qualcode.analysis import to_wide

    if test:
        if len(by) != 1:
            raise click.UsageError("--test compares the groups of one field: give one --by")
        project = open_project(ctx)
        tests = project.group_tests(by[0], _where(where), codes=list(codes) or None, child_sum=child_sum, base=base)
        columns = ["code", "cases", "base", "highest", "highest_pct", "lowest", "lowest_pct", "gap", "test",
                   "cramers_v", "p_value", "q_value"]
        _emit(project, tests[columns].round({"highest_pct": 1, "lowest_pct": 1, "gap": 1, "cramers_v": 2,
                                             "p_value": 4, "q_value": 4}) if fmt == "table" else tests, fmt, where, base)
        return
    project = open_project(ctx)
    table = project.crosstab(list(by), _where(where), codes=list(codes) or None, child_sum=child_sum, base=base)
    if long_form:
        _emit(project, table.round(2), fmt, where, base)
    else:
        _emit(project, to_wide(table, value, list(by)).round(1), fmt, where, base, index=True)


@stats.command("weights")
@click.option("--by", default=None, help="A descriptor to group by.")
@where_option
@format_option
@click.pass_context
def stats_weights(ctx: click.Context, by: str | None, where: tuple[str, ...], fmt: str) -> None:
    """Weights per code (and group): n, mean, min, max, sd."""
    table = open_project(ctx).weights(by, _where(where))
    emit_frame(table.dropna(subset=["mean"]).round(2) if not table.empty else table, fmt)


@stats.command("waves")
@click.option("--first", default=None, help="First wave (default: the lowest).")
@click.option("--second", default=None, help="Second wave (default: the next).")
@click.option("--paired", is_flag=True, help="Only cases with material in both waves.")
@click.option("--test", "test", is_flag=True,
              help="Exact McNemar test per code on the cases in both waves (implies --paired), with "
                   "Benjamini-Hochberg q-values.")
@child_sum_option
@where_option
@base_option
@format_option
@click.pass_context
def stats_waves(ctx: click.Context, first: str | None, second: str | None, paired: bool, test: bool,
                child_sum: bool, where: tuple[str, ...], base: str, fmt: str) -> None:
    """Cases mentioning each code in both waves, only the first, only the second (pct_change is
    in percentage points)."""
    project = open_project(ctx)
    columns = ["code", "cases_first", "cases_second", "both", "only_first", "only_second", "pct_first",
               "pct_second", "pct_change"]
    if test:
        table = project.wave_tests(first, second, _where(where), child_sum=child_sum, base=base)
        columns += ["base_first", "test", "p_value", "q_value"]
        _emit(project, table[columns].round(4) if fmt == "table" else table, fmt, where, base)
        return
    table = project.wave_change(first, second, _where(where), paired=paired, child_sum=child_sum, base=base)
    _emit(project, table[columns].round(1) if fmt == "table" else table, fmt, where, base)


@stats.command("priorities")
@click.option("-n", "n", type=int, default=10, show_default=True)
@click.option("--depth", type=int, default=None, help="Only codes at this depth (0 = top level).")
@click.option("--branch", default=None, help="Only codes under this code.")
@where_option
@base_option
@format_option
@click.pass_context
def stats_priorities(ctx: click.Context, n: int, depth: int | None, branch: str | None, where: tuple[str, ...],
                     base: str, fmt: str) -> None:
    """Codes ranked by the number of cases that raised them."""
    project = open_project(ctx)
    _emit(project, project.top_priorities(n, _where(where), branch=branch, depth=depth, base=base).round(1), fmt,
          where, base)


@stats.command("words")
@click.option("--code", default=None, help="Only this code's excerpts (default: all participants' words).")
@click.option("-n", "n", type=int, default=30, show_default=True)
@stop_option
@filler_option
@where_option
@format_option
@click.pass_context
def stats_words(ctx: click.Context, code: str | None, n: int, stop_file: str | None, keep_filler: bool,
                where: tuple[str, ...], fmt: str) -> None:
    """Lemmatised word frequencies (stop words, conversational fillers in transcripts, numbers,
    punctuation and names left out)."""
    table = open_project(ctx).word_frequencies(code, _where(where), stop_words=_stop_words(stop_file), n=n,
                                               conversation_stop=not keep_filler)
    emit_frame(table.round(4), fmt)


@stats.command("keywords")
@click.option("--a", "group_a", multiple=True, required=True, metavar="FIELD=VALUE", help="The first group.")
@click.option("--b", "group_b", multiple=True, required=True, metavar="FIELD=VALUE", help="The group to compare with.")
@click.option("--code", default=None, help="Only this code's excerpts.")
@click.option("--method", type=click.Choice(["log_odds", "chi2"]), default="log_odds", show_default=True)
@click.option("-n", "n", type=int, default=15, show_default=True, help="Words per side.")
@format_option
@click.pass_context
def stats_keywords(ctx: click.Context, group_a: tuple[str, ...], group_b: tuple[str, ...], code: str | None,
                   method: str, n: int, fmt: str) -> None:
    """Words that distinguish group A's material from group B's."""
    table = open_project(ctx).distinguishing_words(parse_where(group_a), parse_where(group_b), code, method=method, n=n)
    emit_frame(table.round(3), fmt)


@stats.command("questionnaire")
@click.argument("what", type=click.Choice(["response", "closed", "likert", "ratings"]))
@click.option("--by", default=None, help="A descriptor to group by.")
@click.option("--test", "test", is_flag=True,
              help="With likert or ratings and --by: do the groups answer each item differently? Kruskal-Wallis "
                   "on ranks, Benjamini-Hochberg q-values.")
@format_option
@click.pass_context
def stats_questionnaire(ctx: click.Context, what: str, by: str | None, test: bool, fmt: str) -> None:
    """Questionnaire summaries: response rate, closed questions, Likert batteries, ratings."""
    project = open_project(ctx)
    table: pd.DataFrame
    if test:
        if what not in ("likert", "ratings") or by is None:
            raise click.UsageError("--test compares groups' answers to scale or rating items: "
                                   "use 'likert' or 'ratings' with --by FIELD")
        table = project.answer_tests(by, types=("scale",) if what == "likert" else ("rating",))
        if fmt == "table":
            table = table.drop(columns=["question"]).round({"highest_mean": 2, "lowest_mean": 2, "h": 2,
                                                            "epsilon_squared": 3, "p_value": 4, "q_value": 4})
        emit_frame(table, fmt)  # csv and json keep full precision: p-values are for reading, not rounding
        return
    elif what == "response":
        table = project.response_rate(by)
    elif what == "closed":
        table = project.closed_questions(by)
    elif what == "likert":
        table = project.likert(by=by)
    else:
        table = project.ratings(by)
    if fmt == "table" and "question" in table.columns:
        table = table.drop(columns=["question"])
    emit_frame(table.round(2), fmt)


@cli.command()
@click.argument("code")
@click.option("-n", "n", type=int, default=5, show_default=True)
@click.option("--per-case", type=int, default=1, show_default=True, help="At most this many quotes from one case.")
@click.option("--field", "fields", multiple=True, help="Descriptors for the attribution (default: role, wave).")
@where_option
@format_option
@click.pass_context
def quotes(ctx: click.Context, code: str, n: int, per_case: int, fields: tuple[str, ...], where: tuple[str, ...],
           fmt: str) -> None:
    """Representative, anonymised quotes for CODE with attributions like "CEO, wave 2"."""
    table = open_project(ctx).quotes(code, n, _where(where), fields=list(fields) or None, per_case=per_case)
    if fmt == "table":
        for row in table.itertuples():
            click.echo(f"\u201c{row.quote}\u201d \u2014 {row.attribution}\n")
        return
    emit_frame(table, fmt)


@cli.command()
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for report.xlsx, report.html, report.md, figures/ and tables/.")
@click.option("--title", default=None, help="Report title (default: the project's).")
@click.option("--by", "by", multiple=True, help="Descriptors to cross codes with (default: role, mode).")
@click.option("--excerpt-rows", type=click.IntRange(min=0), default=100_000, show_default=True,
              help="Rows of the excerpts table (0: every excerpt; a sheet holds 1,048,573).")
@click.option("--impact", "impact_models", multiple=True, type=click.Path(dir_okay=False),
              help="An impact or logic model YAML: adds its summary, diagram and quotes (repeatable).")
@click.option("--agreement", "agreement_coders", default=None, metavar="A,B",
              help="Coders to compare: adds agreement between them (kappa, alpha, disagreements).")
@click.option("--agreement-unit", type=click.Choice(["excerpt", "sentence", "paragraph", "turn", "answer", "char"]),
              default="excerpt", show_default=True, help="What --agreement compares.")
@click.option("--priorities-branch", default=None, metavar="CODE",
              help="Also the top priorities within this branch of the codebook (e.g. Issues).")
@click.option("--priorities-for", "priorities_for", multiple=True, metavar="FIELD=VALUE",
              help="Also the top priorities raised by this group (e.g. role=CEO; repeatable).")
@stop_option
@filler_option
@click.option("--no-memos", is_flag=True, help="Leave the team's memos out.")
@click.pass_context
def report(ctx: click.Context, out_dir: str, title: str | None, by: tuple[str, ...], excerpt_rows: int,
           impact_models: tuple[str, ...], agreement_coders: str | None, agreement_unit: str,
           priorities_branch: str | None, priorities_for: tuple[str, ...], stop_file: str | None, keep_filler: bool,
           no_memos: bool) -> None:
    """Write the whole analysis: Excel workbook, self-contained HTML, Markdown, PNG/SVG figures, CSV tables."""
    collector.pause()  # no collections while the libraries load; the project's opening resumes them
    from qualcode.reporting import ReportOptions, write_report

    options = ReportOptions(title=title, excerpt_rows=excerpt_rows, impact_models=[Path(m) for m in impact_models],
                            agreement_unit=agreement_unit, priorities_branch=priorities_branch,
                            priorities_where=_where(priorities_for), stop_words=_stop_words(stop_file),
                            keep_filler=keep_filler, include_memos=not no_memos)
    if agreement_coders is not None:
        options.agreement_coders = [c.strip() for c in agreement_coders.split(",") if c.strip()]
    if by:
        options.by, options.by_required = list(by), True
    project = open_project(ctx)
    collector.collect_less_often()  # a report's objects are many and short-lived
    written = write_report(project, out_dir, options)
    click.echo(f"wrote {written.html}, {written.xlsx}, {written.markdown}, "
               f"{len(written.figures)} figure(s) and {len(written.csv)} table(s)")
    # every file is written and closed, and the project closes with the command: the
    # process may end without freeing the report's frames and figures one by one
    end_quickly()


@cli.command()
@click.option("--codes", "all_codes", is_flag=True, help="A cloud of codes sized by how often each was applied.")
@click.option("--code", default=None, help="A cloud of the words in this code's excerpts.")
@click.option("--words", "all_words", is_flag=True, help="A cloud of all participants' words.")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="PNG file to write (an SVG is written next to it).")
@stop_option
@filler_option
@where_option
@click.pass_context
def wordcloud(ctx: click.Context, all_codes: bool, code: str | None, all_words: bool, out_file: str,
              stop_file: str | None, keep_filler: bool, where: tuple[str, ...]) -> None:
    """Draw a code cloud (--codes) or a word cloud (--code C or --words) as PNG and SVG."""
    if sum([all_codes, code is not None, all_words]) != 1:
        raise UsageError("choose one of --codes, --code C or --words")
    written = open_project(ctx).wordcloud(out_file, codes=all_codes, code=code, where=_where(where),
                                          stop_words=_stop_words(stop_file), conversation_stop=not keep_filler)
    click.echo(f"wrote {written}")
