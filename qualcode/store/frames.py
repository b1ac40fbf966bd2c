"""Reading the project as the tidy DataFrames of docs/frames.md.

These are the only reads analyses see. Joins happen here, in SQL, once; everything
downstream is pandas.
"""
from __future__ import annotations

import json
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, String, case, cast, func, select, type_coerce

from qualcode.errors import ProjectError
from qualcode.store import count_cache, count_prefetch, kept_tables, schema, small_tables
from qualcode.store.dml import string_agg

S, X, A, C, K, D = (
    schema.sources,
    schema.excerpts,
    schema.applications,
    schema.cases,
    schema.codes,
    schema.coders,
)


def _read(conn: Connection, stmt: Any) -> pd.DataFrame:
    """Rows -> DataFrame (``from_records`` is several times faster than the constructor)."""
    result = conn.execute(stmt)
    keys = list(result.keys())
    rows = result.all()
    if not rows:
        return pd.DataFrame(columns=keys)
    # plain tuples: pandas probes each SQLAlchemy Row for attributes, which costs seconds
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=keys, coerce_float=False)


def _read_raw(conn: Connection, stmt: Any) -> pd.DataFrame:
    """Like :func:`_read`, but rows come straight from the DBAPI cursor, skipping
    SQLAlchemy's per-row objects and result processors (half the cost of reading 10^6
    rows). Only for statements whose columns need no processing (integers, text, floats)
    or that the caller converts itself (booleans arrive as 0/1 on SQLite)."""
    result = conn.execute(stmt)
    keys = list(result.keys())
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not rows:
        return pd.DataFrame(columns=keys)
    return pd.DataFrame.from_records(rows, columns=keys, coerce_float=False)


def _nullable_str(series: pd.Series) -> pd.Series:
    return series.astype("string")


def codes(conn: Connection) -> pd.DataFrame:
    frame = _read(
        conn,
        select(
            K.c.id.label("code_id"),
            K.c.path,
            K.c.name,
            K.c.parent_id,
            K.c.description,
            K.c.inclusion,
            K.c.exclusion,
            K.c.examples,
            K.c.colour,
            K.c.weight_min,
            K.c.weight_max,
            K.c.rules,
            K.c.position,
        ).order_by(K.c.path),
    )
    if frame.empty:
        return pd.DataFrame(
            columns=["code_id", "path", "name", "parent_id", "depth", "top", "description", "inclusion",
                     "exclusion", "examples", "colour", "weight_min", "weight_max", "rules", "position"]
        )
    frame["parent_id"] = frame["parent_id"].astype("Int64")
    frame["weight_min"] = frame["weight_min"].astype("Int64")
    frame["weight_max"] = frame["weight_max"].astype("Int64")
    frame["depth"] = frame["path"].str.count("/").astype(int)
    frame["top"] = frame["path"].str.split("/").str[0]
    frame["examples"] = frame["examples"].map(_as_list)
    frame["rules"] = frame["rules"].map(lambda v: _as_obj(v) or {})
    for col in ("description", "inclusion", "exclusion", "colour"):
        frame[col] = frame[col].fillna("")
    order = ["code_id", "path", "name", "parent_id", "depth", "top", "description", "inclusion", "exclusion",
             "examples", "colour", "weight_min", "weight_max", "rules", "position"]
    return frame[order].reset_index(drop=True)


def _as_obj(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value)
    return value


def _as_list(value: Any) -> list[Any]:
    value = _as_obj(value)
    return list(value) if value else []


def sources(conn: Connection) -> pd.DataFrame:
    frame = _read(
        conn,
        select(
            S.c.id.label("source_id"),
            S.c.name.label("source"),
            S.c.kind,
            C.c.name.label("case"),
            S.c.wave,
            S.c.length,
            S.c.origin_path,
            S.c.content_hash,
            S.c.created_at,
        )
        .select_from(S.outerjoin(C, S.c.case_id == C.c.id))
        .order_by(S.c.name),
    )
    _all_text(frame, "source", ["source", "kind", "case", "wave"])
    for col in ("case", "wave"):
        frame[col] = _nullable_str(frame[col]) if not frame.empty else frame[col]
    return frame


def segments(conn: Connection, source_ids: list[int] | None = None) -> pd.DataFrame:
    G = schema.segments
    stmt = (
        select(
            G.c.id.label("segment_id"),
            G.c.source_id,
            S.c.name.label("source"),
            G.c.kind,
            G.c.start,
            G.c.end,
            G.c.speaker,
            G.c.time_start,
            G.c.time_end,
            G.c.question,
        )
        .select_from(G.join(S, G.c.source_id == S.c.id))
        .order_by(G.c.source_id, G.c.start)
    )
    if source_ids is not None:
        stmt = stmt.where(G.c.source_id.in_(source_ids))
    frame = _read(conn, stmt)
    if not frame.empty:
        frame["time_start"] = frame["time_start"].astype(float)
        frame["time_end"] = frame["time_end"].astype(float)
    return frame


def applications_joined() -> Any:
    """Applications joined to their excerpt, source, case, code and coder: the FROM clause
    of every query that lists applications with their context."""
    return (
        A.join(X, A.c.excerpt_id == X.c.id)
        .join(S, X.c.source_id == S.c.id)
        .outerjoin(C, S.c.case_id == C.c.id)
        .join(K, A.c.code_id == K.c.id)
        .join(D, A.c.coder_id == D.c.id)
    )


APPLICATION_COLUMNS = ["application_id", "excerpt_id", "source_id", "source", "kind", "case", "wave", "start", "end",
                       "code_id", "code", "coder", "weight", "origin", "status", "confidence", "final", "run_id",
                       "created_at", "decided_by", "decided_at"]


def applications(conn: Connection, status: str | None = "applied",
                 origins: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Applications with their excerpt span, source, case, code path and coder.

    Only numbers and short flags are read per application; names are looked up from the
    small sources, codes and coders tables in pandas. Joining the strings in SQL and
    converting timestamps row by row took 12 s for 10^6 applications, this about half.
    """
    stmt = (
        select(
            A.c.id.label("application_id"),
            A.c.excerpt_id,
            X.c.source_id,
            X.c.start,
            X.c.end,
            A.c.code_id,
            A.c.coder_id,
            A.c.weight,
            A.c.origin,
            A.c.status,
            A.c.confidence,
            A.c.final,
            A.c.run_id,
            # timestamps come as text on SQLite and are parsed in one vectorised call below
            type_coerce(A.c.created_at, String).label("created_at"),
            A.c.decided_by,
            type_coerce(A.c.decided_at, String).label("decided_at"),
        )
        .select_from(A.join(X, A.c.excerpt_id == X.c.id))
        .order_by(A.c.id)
    )
    if status:
        stmt = stmt.where(A.c.status == status)
    if origins:
        stmt = stmt.where(A.c.origin.in_(origins))
    frame = _read_raw(conn, stmt)
    if frame.empty:
        return pd.DataFrame(columns=APPLICATION_COLUMNS)
    srcs = _read(conn, select(S.c.id, S.c.name, S.c.kind, C.c.name.label("case"), S.c.wave)
                 .select_from(S.outerjoin(C, S.c.case_id == C.c.id))).set_index("id")
    paths = _read(conn, select(K.c.id, K.c.path)).set_index("id")["path"]
    coders = _read(conn, select(D.c.id, D.c.name)).set_index("id")["name"]
    at = srcs.index.get_indexer(frame["source_id"])
    frame["source"] = srcs["name"].to_numpy()[at]
    frame["kind"] = srcs["kind"].to_numpy()[at]
    frame["case"] = _nullable_str(pd.Series(srcs["case"].to_numpy()[at], index=frame.index))
    frame["wave"] = _nullable_str(pd.Series(srcs["wave"].to_numpy()[at], index=frame.index))
    frame["code"] = paths.to_numpy()[paths.index.get_indexer(frame["code_id"])]
    frame["coder"] = coders.to_numpy()[coders.index.get_indexer(frame["coder_id"])]
    frame["weight"] = frame["weight"].astype(float)
    frame["confidence"] = frame["confidence"].astype(float)
    frame["final"] = frame["final"].astype(bool)
    frame["run_id"] = frame["run_id"].astype("Int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    frame["decided_at"] = pd.to_datetime(frame["decided_at"])
    return frame[APPLICATION_COLUMNS]


#: columns a count may ask for beyond the ones every count needs
COUNT_EXTRAS = ("start", "end", "weight", "final")
COUNT_COLUMNS = ["excerpt_id", "source_id", "source", "kind", "case", "wave", "code_id", "code", "coder"]


def source_table(conn: Connection, kept: bool = False) -> pd.DataFrame:
    """Every source's ``id, name, kind, case, wave`` (case and wave as read, None when
    missing), in id order: what a count needs of the sources. The sources table stores
    each text in its rows, so scanning it costs a read of every text; read this once and
    pass it to :func:`counting_applications` and :func:`material`. ``kept``: take the
    rows kept between commands (``store.kept_tables``; only on a connection outside any
    write)."""
    return _small_table(conn, "sources", kept, lambda: _all_text(_read_raw(
        conn, select(S.c.id, S.c.name, S.c.kind, C.c.name.label("case"), S.c.wave)
        .select_from(S.outerjoin(C, S.c.case_id == C.c.id)).order_by(S.c.id)), "source", ["name", "kind", "case", "wave"]))


def _all_text(frame: pd.DataFrame, what: str, columns: list[str]) -> pd.DataFrame:
    """``frame`` as read, after checking that its text columns hold text: a value stored
    as bytes by another program (a database browser) would otherwise surface as a
    decoding traceback in the middle of a count. One line names the row and the column."""
    for column in columns:
        values = frame[column]
        if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            bad = values[values.map(lambda v: v is not None and not isinstance(v, str))]
            if len(bad):
                raise ProjectError(f"{what} {frame.iloc[bad.index[0], 0]}'s {column} is stored as "
                                   f"{type(bad.iloc[0]).__name__}, not text (written by another program?); "
                                   f"set it again as text (`qualcode sources set SOURCE --wave W` or "
                                   f"`--case NAME`, or a database browser)")
    return frame


def _small_table(conn: Connection, name: str, kept: bool, read: Any) -> pd.DataFrame:
    """Small table ``name`` (``store.small_tables``) from the kept rows when ``kept`` and
    they are kept, else from ``read()``: the same frame either way."""
    kept_columns = kept_tables.columns(conn, name) if kept else None
    if kept_columns is None:
        return read()
    names = list(small_tables.TABLES[name][0])
    if not kept_columns[names[0]]:
        return pd.DataFrame(columns=names)
    # object columns, then pandas' inference per column: what ``_read_raw``'s
    # ``from_records`` makes of the same values (int64 ids, object texts with None)
    return pd.DataFrame({n: np.array(kept_columns[n], dtype=object) for n in names}).infer_objects()


#: what each of ``COUNT_EXTRAS`` reads: a NULL weight is read as 0 with a flag beside it,
#: so every value is a number and the rows go into numpy without a per-row conversion
_COUNT_EXTRA_COLUMNS = {"start": [X.c.start], "end": [X.c.end], "final": [A.c.final],
                        "weight": [func.coalesce(A.c.weight, 0), A.c.weight.is_(None)]}
#: the four ids of an application, in the order of the array's first columns
_COUNT_IDS = (A.c.excerpt_id, X.c.source_id, A.c.code_id, A.c.coder_id)
_ID_TABLES = (X, S, K, D)


def counting_applications(conn: Connection, status: str | None = "applied",
                          extra: tuple[str, ...] = (), sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Applications with only what counting them needs: excerpt, source, code, coder
    (``COUNT_COLUMNS``) and any of ``COUNT_EXTRAS`` asked for.

    :func:`applications` also reads timestamps, run, origin and confidence: at 10^6
    applications each column read through Python costs about a tenth of a second, and
    a frequency table needs none of them. Ids come straight from the driver into one
    numpy array; names are looked up from the small sources, codes and coders tables.
    Same rows, same order (application id) as :func:`applications`. ``sources`` is
    :func:`source_table`, when the caller has it already.
    """
    unknown = [c for c in extra if c not in COUNT_EXTRAS]
    if unknown:
        raise ValueError(f"not a counting column: {unknown[0]!r} (one of {', '.join(COUNT_EXTRAS)})")
    extra = tuple(c for c in COUNT_EXTRAS if c in extra)
    picked = [*chain.from_iterable(_COUNT_EXTRA_COLUMNS[c] for c in extra)]
    width = 4 + len(picked)
    # a SQLite project keeps these numbers on disk between processes (store.count_cache)
    kept = count_cache.slot(conn, "_".join(("counting", status or "any", *extra)))
    values = count_cache.load(kept, width)
    columns: list[np.ndarray] | None = None
    if values is None:
        # the command line may have read them on a second thread while it started: then
        # the columns are used as they are, and stacked into one array for the cache on
        # the saving thread (not while the command waits)
        prefetched = _prefetched_columns(kept) \
            if status == "applied" and set(extra) <= set(count_prefetch.EXTRAS) else None
        if prefetched is not None:
            columns, dtype = prefetched
            count_cache.save_soon(kept, lambda: _stacked(columns, dtype))
        else:
            values = counting_ids(conn, status, extra)
            count_cache.save_soon(kept, values)  # written while the frame is built (never changed below)
    if columns is None:
        columns = [values[:, i] for i in range(width)]  # type: ignore[index]
    ids = [column.astype(np.int64, copy=False) for column in columns[:4]]
    srcs = source_table(conn) if sources is None else sources
    paths = _read_raw(conn, select(K.c.id, K.c.path))
    coders = _read_raw(conn, select(D.c.id, D.c.name))
    at = _positions(srcs, ids[1])
    frame = pd.DataFrame({
        "excerpt_id": ids[0],
        "source_id": ids[1],
        "source": _column(srcs, "name", at),
        "kind": _column(srcs, "kind", at),
        "case": _column(srcs, "case", at, nullable=True),
        "wave": _column(srcs, "wave", at, nullable=True),
        "code_id": ids[2],
        "code": _column(paths, "path", _positions(paths, ids[2])),
        "coder": _column(coders, "name", _positions(coders, ids[3])),
    })
    i = 4
    for name in extra:
        column = columns[i]
        i += 1
        if name == "weight":
            missing = columns[i] != 0
            i += 1
            frame[name] = np.where(missing, np.nan, column.astype(float))
        elif name == "final":
            frame[name] = column.astype(bool)
        else:
            frame[name] = column.astype(np.int64)
    return frame


def counting_ids(conn: Connection, status: str | None = "applied", extra: tuple[str, ...] = (),
                 *, packed: bool = True) -> np.ndarray:
    """The numbers :func:`counting_applications` counts, one row per application (in
    application id order): excerpt, source, code and coder id, then for each of
    ``extra`` (in ``COUNT_EXTRAS`` order) its value (``weight``: value and a NULL flag).

    The driver makes a Python object per value, the bulk of a read of 10^6 rows; so when
    the four ids fit in one 63-bit integer (53 bits when a float column comes with them)
    they are packed into one in SQL, each in as many bits as its table's largest id
    needs, and taken apart in numpy: one object per row instead of four (about half the
    read). Ids that do not fit (or a negative id) are read as four columns: the same
    array either way. ``packed=False`` always reads four columns.
    """
    extra = tuple(c for c in COUNT_EXTRAS if c in extra)
    picked = [*chain.from_iterable(_COUNT_EXTRA_COLUMNS[c] for c in extra)]
    floats = "weight" in extra
    bits = _id_bits(conn, budget=53 if floats else 63) if packed else None
    if bits is None:
        columns: list[Any] = list(_COUNT_IDS)
    else:
        total: Any = cast(_COUNT_IDS[0], BigInteger)
        for column, width in zip(_COUNT_IDS[1:], bits[1:]):
            total = total * (1 << width) + column
        columns = [total.label("ids")]
    stmt = select(*columns, *picked).select_from(A.join(X, A.c.excerpt_id == X.c.id)).order_by(A.c.id)
    if status:
        stmt = stmt.where(A.c.status == status)
    values = _id_rows(conn, stmt, len(columns) + len(picked), floats=floats)
    if bits is None:
        return values
    return np.column_stack([*_unpack(values[:, 0].astype(np.int64), bits), values[:, 1:]]) \
        .astype(values.dtype, copy=False)


def _prefetched(kept: count_cache.Slot | None) -> np.ndarray | None:
    """The ids :mod:`qualcode.store.count_prefetch` read for exactly this state (the same
    cache file), as :func:`counting_ids` returns them; None when it read nothing."""
    prefetched = _prefetched_columns(kept)
    return None if prefetched is None else _stacked(*prefetched)


def _prefetched_columns(kept: count_cache.Slot | None) -> tuple[list[np.ndarray], type] | None:
    """:func:`_prefetched` as its columns (excerpt, source, code, coder ids as int64; for
    the weights, each weight and a flag for none) and the type :func:`counting_ids` gives
    the whole array; None when nothing was read for this state."""
    texts = count_prefetch.take(kept.path) if kept is not None else None
    if texts is None:
        return None
    ids_text, packed_text, bits, *weighted = texts
    ids = np.fromstring(ids_text, dtype=np.int64, sep=" ")
    packed = np.fromstring(packed_text, dtype=np.int64, sep=" ")
    if len(ids) != len(packed):  # pragma: no cover - both come from one aggregate
        return None
    if len(ids) > 1 and not bool((ids[1:] > ids[:-1]).all()):
        packed = packed[np.argsort(ids, kind="stable")]  # group_concat keeps no promised order
    if not weighted:
        return _unpack(packed, bits), np.int64
    # ``stats weights``: each weight's number (count_prefetch.WEIGHT_VALUES; 0: none) sits below the ids
    weights = np.array((0.0, *weighted[0]), dtype=np.float64)
    weight_bits = len(weighted[0]).bit_length()
    numbers = packed & ((1 << weight_bits) - 1)
    values = weights[numbers]
    if np.isnan(values).any():  # a weight the numbers cannot say exactly (2.5): read the project
        return None
    return [*_unpack(packed >> weight_bits, bits), values, numbers == 0], np.float64


def _stacked(columns: list[np.ndarray], dtype: type) -> np.ndarray:
    """The columns side by side in one array of ``dtype``, each copied (and converted)
    into place: ``np.column_stack`` of mixed types took twice as long for 10^6 rows."""
    out = np.empty((len(columns[0]), len(columns)), dtype=dtype)
    for i, column in enumerate(columns):
        out[:, i] = column
    return out


def _id_bits(conn: Connection, budget: int) -> tuple[int, ...] | None:
    """Bits each of excerpt, source, code and coder ids needs (from each table's
    largest id), or None when together they need more than ``budget`` bits or an id is
    negative. Two indexed look-ups per table."""
    bounds = conn.execute(select(*chain.from_iterable(
        (select(func.min(t.c.id)).scalar_subquery(), select(func.max(t.c.id)).scalar_subquery())
        for t in _ID_TABLES))).one()
    lows, highs = bounds[0::2], bounds[1::2]
    if any(low is not None and int(low) < 0 for low in lows):
        return None
    bits = tuple(max(1, int(high or 0).bit_length()) for high in highs)
    return bits if sum(bits) <= budget else None


def _unpack(packed: np.ndarray, bits: tuple[int, ...]) -> list[np.ndarray]:
    """The ids :func:`counting_ids` packed, first to last."""
    out: list[np.ndarray] = []
    shift = sum(bits)
    for width in bits:
        shift -= width
        out.append((packed >> shift) & ((1 << width) - 1))
    return out


def _id_rows(conn: Connection, stmt: Any, width: int, *, floats: bool) -> np.ndarray:
    """The rows of ``stmt`` (numbers only) as one 2-D numpy array, straight from the
    driver's cursor: no SQLAlchemy row objects, no DataFrame in between."""
    result = conn.execute(stmt)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    dtype = np.float64 if floats else np.int64  # ids stay exact in float64 below 2**53
    return np.fromiter(chain.from_iterable(rows), dtype=dtype, count=len(rows) * width).reshape(len(rows), width)


def _positions(table: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Row of ``table`` (by its ``id`` column, unique) for each id; -1 for an id not in it.

    Ids are small non-negative integers, so a look-up array indexed by id answers 10^6
    of them in a few milliseconds, where hashing them into an index costs tens; ids
    spread too thinly for such an array are hashed."""
    if not len(table):
        return np.zeros(len(ids), dtype=np.int64)
    keys = table["id"].to_numpy()
    if keys.dtype.kind not in "iu" or keys.min() < 0 or keys.max() > 8 * len(keys) + 65_536:
        return pd.Index(table["id"]).get_indexer(ids)
    lookup = np.full(int(keys.max()) + 2, -1, dtype=np.int64)  # the last slot: any id outside
    lookup[keys] = np.arange(len(keys))
    ids = np.asarray(ids)
    if not len(ids) or (ids.min() >= 0 and ids.max() <= keys.max()):
        return lookup[ids]  # every id inside the table's range (the rule): no 10^6-row temporaries
    return lookup[np.where((ids >= 0) & (ids <= keys.max()), ids, len(lookup) - 1)]


def _column(table: pd.DataFrame, name: str, at: np.ndarray, nullable: bool = False) -> pd.Categorical:
    """``table[name]`` spread over rows ``at`` as a categorical: the 10^6 rows hold small
    integer codes into the few distinct names (sources, codes, coders), so building the
    column, and every factorize, groupby and comparison on it, costs nothing per row."""
    values = table[name].astype("string") if nullable else table[name].astype(str)
    categories = pd.Index(values.dropna().unique())
    codes = categories.get_indexer(values)  # -1 where the small table has no value (no case, no wave)
    # the smallest integer type that holds the codes, built once (from_codes would copy
    # and range-check 10^6 values that are correct by construction)
    small = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32_767 else np.int32
    codes = np.append(codes, -1).astype(small)
    spread = codes[at]  # ``at`` is -1 where the small table has no row: the -1 appended above
    try:
        return pd.Categorical.from_codes(spread, categories=categories, validate=False)
    except TypeError:  # pandas < 2.1 has no ``validate``
        return pd.Categorical.from_codes(spread, categories=categories)


def material(conn: Connection, sources: pd.DataFrame | None = None, kept: bool = False) -> pd.DataFrame:
    """One row per source with at least one excerpt (``source_id, source, kind, case,
    wave``): the material that "% of cases" counts from.

    Every count's denominator is the distinct cases (or case x group pairs) among the
    excerpts, and each excerpt's case, kind and wave are its source's, so the sources
    that have excerpts give the same denominator as the 10^6-row excerpt table.
    ``kept``: as for :func:`source_table`.
    """
    has_excerpts = select(X.c.id).where(X.c.source_id == S.c.id).exists()
    if sources is not None:  # :func:`source_table`, read already: only which sources have excerpts
        with_material = _small_table(conn, "material", kept,
                                     lambda: _read_raw(conn, select(S.c.id).where(has_excerpts)))["id"]
        frame = sources[sources["id"].isin(with_material)].rename(columns={"id": "source_id", "name": "source"})
        frame = frame.sort_values("source", kind="stable").reset_index(drop=True)
        if frame.empty:
            return pd.DataFrame(columns=["source_id", "source", "kind", "case", "wave"])
        frame["case"] = _nullable_str(frame["case"])
        frame["wave"] = _nullable_str(frame["wave"])
        return frame
    frame = _read_raw(  # ids and names only: no result processing needed
        conn,
        select(S.c.id.label("source_id"), S.c.name.label("source"), S.c.kind, C.c.name.label("case"), S.c.wave)
        .select_from(S.outerjoin(C, S.c.case_id == C.c.id))
        .where(has_excerpts)
        .order_by(S.c.name),
    )
    if frame.empty:
        return pd.DataFrame(columns=["source_id", "source", "kind", "case", "wave"])
    frame["case"] = _nullable_str(frame["case"])
    frame["wave"] = _nullable_str(frame["wave"])
    return frame


EXCERPT_COLUMNS = ["excerpt_id", "source_id", "source", "kind", "case", "wave", "start", "end", "text", "speaker",
                   "codes"]


def excerpts(conn: Connection, sources: pd.DataFrame | None = None, applied: pd.DataFrame | None = None,
             only: np.ndarray | None = None) -> pd.DataFrame:
    """Every excerpt with its source, case, wave, span, text, speaker and the paths of its
    applied codes ("a; b", in path order), sorted by source name, start and end.

    Built column by column: ids and spans go from the driver into one numpy array, texts
    into one string array, and the names are spread from the small sources table by
    position (a merge and a sort on the source's name cost seconds at 10^6 excerpts).
    ``sources`` is :func:`source_table` and ``applied`` the applied codings' ``excerpt_id``
    and ``code`` (path) columns (:func:`counting_applications`), when the caller has them
    already; otherwise they are read here. ``only``: the ids of the excerpts wanted (one
    code's, say): the same rows as the whole frame has for them, without reading every
    other excerpt's text (164 MB at 10^6 excerpts).
    """
    ids = _excerpt_numbers(conn) if only is None else _excerpt_numbers_of(conn, np.asarray(only, dtype=np.int64))
    if not len(ids) and (only is None or not _any_excerpt(conn)):
        return pd.DataFrame(columns=EXCERPT_COLUMNS)
    # with ``only`` and none of them found: the whole frame's columns, no rows (built below)
    if only is None:
        result = conn.execute(select(X.c.text).order_by(X.c.id))  # the same rows, in the same order
        try:
            texts = [text for (text,) in result.cursor.fetchall()]
        finally:
            result.close()
    else:
        texts = _texts_of(conn, ids[:, 0])
    srcs = source_table(conn) if sources is None else sources
    at = _positions(srcs, ids[:, 1])
    # the sort of the old merge: source name, then start, then end (stable)
    names = srcs["name"].to_numpy(dtype=object)
    _, rank = np.unique(names, return_inverse=True) if len(names) else (None, np.zeros(0, dtype=np.int64))
    order = np.lexsort((ids[:, 3], ids[:, 2], np.append(rank, -1)[at]))
    ids, at = ids[order], at[order]
    frame = pd.DataFrame({
        "excerpt_id": ids[:, 0],
        "source_id": ids[:, 1],
        "source": pd.array(_spread(srcs, "name", at), dtype="str"),
        "kind": pd.array(_spread(srcs, "kind", at), dtype="str"),
        "case": pd.array(_spread(srcs, "case", at), dtype="string"),
        "wave": pd.array(_spread(srcs, "wave", at), dtype="string"),
        "start": ids[:, 2],
        "end": ids[:, 3],
        "text": pd.array(np.asarray(texts, dtype=object)[order], dtype="str"),
    })
    frame["speaker"] = _speakers(conn, frame)
    frame["codes"] = pd.array(_code_lists(conn, frame["excerpt_id"].to_numpy(), applied), dtype="str")
    return frame[EXCERPT_COLUMNS]


#: excerpt ids per ``IN (...)`` list (SQLite allows 32,766 bound values in one statement)
_IDS_PER_QUERY = 10_000


def _excerpt_numbers_of(conn: Connection, excerpt_ids: np.ndarray) -> np.ndarray:
    """:func:`_excerpt_numbers` of ``excerpt_ids`` only (n x 4, in id order)."""
    wanted = np.unique(excerpt_ids)
    parts = [_id_rows(conn, select(X.c.id, X.c.source_id, X.c.start, X.c.end)
                      .where(X.c.id.in_(wanted[first:first + _IDS_PER_QUERY].tolist())).order_by(X.c.id),
                      4, floats=False)
             for first in range(0, len(wanted), _IDS_PER_QUERY)]
    return np.concatenate(parts) if parts else np.zeros((0, 4), dtype=np.int64)


def _any_excerpt(conn: Connection) -> bool:
    return conn.execute(select(X.c.id).limit(1)).first() is not None


def _texts_of(conn: Connection, excerpt_ids: np.ndarray) -> list[str]:
    """The texts of ``excerpt_ids`` (in id order, as given), a few thousand per query."""
    texts: list[str] = []
    for first in range(0, len(excerpt_ids), _IDS_PER_QUERY):
        part = excerpt_ids[first:first + _IDS_PER_QUERY].tolist()
        result = conn.execute(select(X.c.text).where(X.c.id.in_(part)).order_by(X.c.id))
        try:
            texts.extend(text for (text,) in result.cursor.fetchall())
        finally:
            result.close()
    return texts


def _excerpt_numbers(conn: Connection) -> np.ndarray:
    """Every excerpt's id, source id, start and end (n x 4, in id order).

    On SQLite each column comes as one ``group_concat`` text parsed by numpy: the
    driver would make a Python integer per value (4 x 10^6 of them; 1.2 s against 0.5 s).
    The four aggregates of one query see the rows in one order (the columns are NOT
    NULL, so none is skipped); the rows are put in id order after. Elsewhere, or if the
    texts do not parse to four equal columns, the rows are read as numbers."""
    stmt = select(X.c.id, X.c.source_id, X.c.start, X.c.end)
    if conn.dialect.name == "sqlite":
        texts = conn.execute(select(*(func.group_concat(column, " ") for column in stmt.selected_columns))).one()
        if texts[0] is None:
            return np.zeros((0, 4), dtype=np.int64)
        columns = [np.fromstring(text, dtype=np.int64, sep=" ") for text in texts]
        if all(len(column) == len(columns[0]) for column in columns):
            ids = np.column_stack(columns)
            if len(ids) > 1 and not bool((ids[1:, 0] > ids[:-1, 0]).all()):
                ids = ids[np.argsort(ids[:, 0], kind="stable")]
            return ids
    return _id_rows(conn, stmt.order_by(X.c.id), 4, floats=False)


def _spread(table: pd.DataFrame, name: str, at: np.ndarray) -> np.ndarray:
    """``table[name]`` at rows ``at`` (None where ``at`` is -1 or the value is missing)."""
    values = np.append(table[name].to_numpy(dtype=object), None)
    spread = values[np.where(at >= 0, at, -1)]
    spread[pd.isna(spread)] = None
    return spread


def _code_lists(conn: Connection, excerpt_ids: np.ndarray, applied: pd.DataFrame | None) -> np.ndarray:
    """For each of ``excerpt_ids``, the distinct paths of its applied codes in path order
    joined by "; " ("" when none). Counted in numpy from (excerpt, code) pairs: SQL's
    DISTINCT, ORDER BY and group_concat over 10^6 applications took seconds."""
    if applied is None:
        pairs = _id_rows(conn, select(A.c.excerpt_id, A.c.code_id).where(A.c.status == "applied"), 2, floats=False)
        paths = _read_raw(conn, select(K.c.id, K.c.path))
        excerpt_of = pairs[:, 0]
        codes = pd.Categorical.from_codes(_positions(paths, pairs[:, 1]), categories=pd.Index(paths["path"]))
    else:
        excerpt_of = applied["excerpt_id"].to_numpy(dtype=np.int64)
        codes = pd.Categorical(applied["code"])  # the counting frame's column is one already
    if len(excerpt_ids) * 4 < len(excerpt_of):  # a few excerpts (one code's): only their codings
        mine = np.isin(excerpt_of, excerpt_ids)
        excerpt_of, codes = excerpt_of[mine], codes[mine]
    listed = np.full(len(excerpt_ids), "", dtype=object)
    if not len(excerpt_of):
        return listed
    # each code's place among the paths in sorted order: the few categories are sorted, not 10^6 strings
    names = np.asarray(codes.categories, dtype=object)
    by_path = np.argsort(names, kind="stable")
    names = names[by_path]
    rank_of_category = np.empty(len(names), dtype=np.int64)
    rank_of_category[by_path] = np.arange(len(names))
    path_rank = rank_of_category[np.asarray(codes.codes, dtype=np.int64)]
    keys = np.unique(excerpt_of * len(names) + path_rank)  # distinct pairs, by excerpt then path
    excerpt, path = keys // len(names), keys % len(names)
    first = np.flatnonzero(np.r_[True, excerpt[1:] != excerpt[:-1]])
    counts = np.diff(np.r_[first, len(keys)])
    joined = names[path[first]]
    for i in np.flatnonzero(counts > 1):  # excerpts with several codes: joined one by one
        joined[i] = "; ".join(names[path[first[i]:first[i] + counts[i]]])
    where = np.searchsorted(excerpt[first], excerpt_ids)
    found = where < len(first)
    found[found] = excerpt[first][where[found]] == excerpt_ids[found]
    listed[found] = joined[where[found]]
    return listed


def _speakers(conn: Connection, frame: pd.DataFrame) -> pd.Series:
    """Speaker of the turn, cue or message each excerpt starts in (merge_asof per source)."""
    G = schema.segments
    segs = _read(
        conn,
        select(G.c.source_id, G.c.start, G.c.end, G.c.speaker)
        .where(G.c.speaker.is_not(None), G.c.kind.in_(["turn", "cue", "message"]))
        .order_by(G.c.start),
    )
    result = pd.Series(pd.NA, index=frame.index, dtype="string")
    if segs.empty:
        return result
    left = frame[["source_id", "start"]].copy()
    left["_row"] = np.arange(len(left))
    left = left.sort_values("start")
    segs = segs.rename(columns={"start": "seg_start", "end": "seg_end"}).sort_values("seg_start")
    merged = pd.merge_asof(
        left, segs, left_on="start", right_on="seg_start", by="source_id", direction="backward"
    )
    inside = merged["seg_end"].notna() & (merged["start"] < merged["seg_end"])
    merged.loc[~inside, "speaker"] = pd.NA
    merged = merged.sort_values("_row")
    result[:] = merged["speaker"].astype("string").to_numpy()
    return result


def descriptors(conn: Connection, kept: bool = False) -> pd.DataFrame:
    """One row per case (``case``, then each descriptor field typed). ``kept``: as for
    :func:`source_table`."""
    V, F = schema.descriptor_values, schema.descriptor_fields
    # raw rows: ids and text (``levels`` is JSON text on SQLite, which _as_list reads)
    case_frame = _small_table(conn, "cases", kept, lambda: _read_raw(
        conn, select(C.c.id, C.c.name.label("case")).order_by(C.c.name)))
    fields = _small_table(conn, "fields", kept, lambda: _read_raw(
        conn, select(F.c.id, F.c.name, F.c.type, F.c.levels).order_by(F.c.position, F.c.id)))
    values = _small_table(conn, "values", kept, lambda: _read_raw(
        conn, select(V.c.case_id, V.c.field_id, V.c.value).order_by(V.c.id)))
    out = pd.DataFrame({"case": case_frame["case"].astype("string") if not case_frame.empty else pd.Series(dtype="string")})
    if fields.empty:
        return out
    wide = values.pivot(index="case_id", columns="field_id", values="value") if not values.empty else pd.DataFrame()
    for f in fields.itertuples():
        raw = case_frame["id"].map(wide[f.id]) if f.id in getattr(wide, "columns", []) else pd.Series([None] * len(case_frame))
        out[f.name] = typed(raw.reset_index(drop=True), f.type, _as_list(f.levels))
    return out


def typed(raw: pd.Series, type_: str, levels: list[str] | None = None) -> pd.Series:
    """Stored text values -> the pandas dtype of a descriptor type."""
    if type_ == "number":
        return pd.to_numeric(raw, errors="coerce").astype(float)
    if type_ == "date":
        return pd.to_datetime(raw, errors="coerce")
    if type_ == "boolean":
        return raw.map({"true": True, "false": False, None: pd.NA}).astype("boolean")
    if type_ == "category" and levels:
        return pd.Categorical(raw, categories=levels, ordered=True)
    return raw.astype("string")


def questions(conn: Connection) -> pd.DataFrame:
    Q, N = schema.questions, schema.questionnaires
    frame = _read(
        conn,
        select(
            N.c.name.label("questionnaire"),
            Q.c.column,
            Q.c.type,
            Q.c.question,
            Q.c.battery,
            Q.c.levels,
            N.c.invited,
            Q.c.id.label("question_id"),
        )
        .select_from(Q.join(N, Q.c.questionnaire_id == N.c.id))
        .order_by(N.c.name, Q.c.position),
    )
    if not frame.empty:
        frame["levels"] = frame["levels"].map(_as_list)
        frame["invited"] = frame["invited"].astype("Int64")
    return frame


def questionnaires(conn: Connection) -> pd.DataFrame:
    N = schema.questionnaires
    frame = _read(conn, select(N.c.id.label("questionnaire_id"), N.c.name.label("questionnaire"), N.c.key_column,
                               N.c.invited, N.c.invited_by_group, N.c.origin_path))
    if not frame.empty:
        frame["invited"] = frame["invited"].astype("Int64")
        frame["invited_by_group"] = frame["invited_by_group"].map(lambda v: _as_obj(v) or {})
    return frame


def responses(conn: Connection) -> pd.DataFrame:
    """One row per questionnaire response with its closed answers typed."""
    Q, N, W = schema.questions, schema.questionnaires, schema.answers
    base = _read(
        conn,
        select(S.c.id.label("source_id"), S.c.name.label("source"), C.c.name.label("case"), S.c.wave,
               N.c.name.label("questionnaire"))
        .select_from(S.join(N, S.c.questionnaire_id == N.c.id).outerjoin(C, S.c.case_id == C.c.id))
        .order_by(N.c.name, S.c.name),
    )
    if base.empty:
        return base
    qs = questions(conn)
    closed = qs[~qs["type"].isin(["open", "key"])]
    vals = _read(conn, select(W.c.source_id, W.c.question_id, W.c.value))
    wide = vals.pivot(index="source_id", columns="question_id", values="value") if not vals.empty else pd.DataFrame()
    base["case"] = _nullable_str(base["case"])
    base["wave"] = _nullable_str(base["wave"])
    for q in closed.itertuples():
        if q.column in base.columns:
            continue
        raw = base["source_id"].map(wide[q.question_id]) if q.question_id in getattr(wide, "columns", []) else pd.Series([None] * len(base))
        kind = {"scale": "category", "rating": "number", "number": "number", "boolean": "boolean", "date": "date"}.get(q.type, "category")
        base[q.column] = typed(raw.reset_index(drop=True), kind, q.levels if q.type == "scale" else None)
    return base


MEMO_COLUMNS = ["id", "target", "about", "author", "created_at", "text", "target_id"]


def memos(conn: Connection) -> pd.DataFrame:
    """Memos with what each is about in words: the source's name, the code's path, the
    case's name, "excerpt 12 (source)" or "project"; in the order they were written."""
    M = schema.memos
    frame = _read(conn, select(M.c.id, M.c.target, M.c.target_id, M.c.author, M.c.created_at,
                               M.c.text).order_by(M.c.id))
    if frame.empty:
        return pd.DataFrame(columns=MEMO_COLUMNS)
    names = {
        "source": dict(conn.execute(select(S.c.id, S.c.name)).all()),
        "code": dict(conn.execute(select(K.c.id, K.c.path)).all()),
        "case": dict(conn.execute(select(C.c.id, C.c.name)).all()),
        "excerpt": {row.id: f"excerpt {row.id} ({row.name})" for row in conn.execute(
            select(X.c.id, S.c.name).select_from(X.join(S, X.c.source_id == S.c.id))).all()},
    }
    frame["about"] = [("project" if target == "project" else
                       names.get(target, {}).get(None if pd.isna(tid) else int(tid), f"{target} {tid} (removed)"))
                      for target, tid in zip(frame["target"], frame["target_id"])]
    return frame[MEMO_COLUMNS]


def source_counts(conn: Connection) -> dict[str, int]:
    """How many sources there are, how many are questionnaire responses and how many
    belong to a case: counted in SQL, for the headline numbers and for deciding whether
    a project counts by case or by source, without reading the sources frame."""
    total, responses, with_case = conn.execute(
        select(func.count(), func.count(case((S.c.kind == "questionnaire", 1))), func.count(S.c.case_id))
    ).one()
    return {"sources": int(total), "questionnaire": int(responses), "with_case": int(with_case)}


def invited_total(conn: Connection) -> int | None:
    """People invited to answer the questionnaires, summed over those that say (None
    when none does)."""
    N = schema.questionnaires
    given, total = conn.execute(select(func.count(N.c.invited), func.sum(N.c.invited))).one()
    return int(total) if given else None


def coded_material(conn: Connection, excluded_code_ids: list[int]) -> dict[str, int]:
    """The coded material in three SQL counts: excerpts carrying an applied code other
    than ``excluded_code_ids`` (the structural branches), the sources holding them, and
    the distinct cases those sources belong to. The headline numbers of ``status`` come
    from here; the analyses compute the same figures from their frames."""
    thematic = A.c.status == "applied"
    if excluded_code_ids:
        thematic = thematic & A.c.code_id.not_in(excluded_code_ids)
    n_excerpts = conn.execute(select(func.count(func.distinct(A.c.excerpt_id))).where(thematic)).scalar_one()
    coded_sources = (select(X.c.source_id).select_from(A.join(X, A.c.excerpt_id == X.c.id))
                     .where(thematic).distinct().subquery())
    n_sources, n_cases = conn.execute(
        select(func.count(), func.count(func.distinct(S.c.case_id))).where(S.c.id.in_(select(coded_sources.c.source_id)))
    ).one()
    return {"excerpts": int(n_excerpts), "sources": int(n_sources), "cases": int(n_cases)}


def code_paths(conn: Connection) -> dict[int, str]:
    """Code id -> path (the codebook's few hundred rows, no frame)."""
    return {int(i): str(p) for i, p in conn.execute(select(K.c.id, K.c.path)).all()}
