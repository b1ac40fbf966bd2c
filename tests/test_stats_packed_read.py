"""The counting ids packed into one integer per row read the same array (issue 20).

``frames.counting_ids`` packs excerpt, source, code and coder id into one integer in SQL
(half the cost of reading 10^6 rows through the driver) when they fit in 63 bits (53
with a float column beside them), and reads four columns otherwise. Both must give the
array a plain select of the four columns gives, row for row: checked here on SQLite and
PostgreSQL (which is never cached, so it always takes this read), with ids small enough
to pack and with ids too large to.
"""
from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from qualcode import Project
from qualcode.store import frames, schema

A, X = schema.applications, schema.excerpts


def _project(target: str, folder: Path) -> Project:
    """Six interview notes, four codes, ~150 codings by three coders (some unweighted)."""
    rng = random.Random(3)
    project = Project.create(target, title="Packed ids")
    (folder / "in").mkdir()
    for i in range(6):
        words = " ".join(rng.choice(["board", "funding", "we", "really", "think"]) for _ in range(300))
        (folder / "in" / f"Interview {i + 1}.txt").write_text(words, encoding="utf-8")
    project.ingest(folder / "in", progress=False)
    for path in ("Impact", "Impact/Confidence", "Issues", "Issues/Funding"):
        project.add_code(path)
    rows, seen = [], set()
    for _ in range(150):
        start = rng.randrange(0, 1200, 10)
        row = {"source": f"Interview {rng.randrange(6) + 1}", "start": start, "end": start + rng.randrange(5, 200),
               "code": rng.choice(["Impact", "Impact/Confidence", "Issues", "Issues/Funding"]),
               "coder": rng.choice(["anna", "ben", "chloe"]), "weight": rng.choice([1, 2, 3, None])}
        key = (row["source"], row["start"], row["end"], row["code"], row["coder"])
        if key not in seen:
            seen.add(key)
            rows.append(row)
    pd.DataFrame(rows).to_csv(folder / "codings.csv", index=False)
    project.import_codings(folder / "codings.csv")
    return project


def _plain(project: Project, with_weight: bool = False) -> np.ndarray:
    """The four ids (and weight, NULL flag) by a plain select, in application id order."""
    columns = [A.c.excerpt_id, X.c.source_id, A.c.code_id, A.c.coder_id]
    if with_weight:
        columns += [A.c.weight]
    with project.database.connect() as conn:
        rows = conn.execute(select(*columns).select_from(A.join(X, A.c.excerpt_id == X.c.id))
                            .where(A.c.status == "applied").order_by(A.c.id)).all()
    if not with_weight:
        return np.array([tuple(r) for r in rows], dtype=np.int64).reshape(len(rows), 4)
    return np.array([(*r[:4], 0.0 if r[4] is None else r[4], r[4] is None) for r in rows], dtype=np.float64)


def _add_far_coding(project: Project, excerpt_id: int, *, far_id: int | None = None) -> None:
    """An applied coding on a new excerpt whose id is ``excerpt_id`` (as a merged or
    imported database may have); with ``far_id``, by a new coder and with a new code
    that both have that id, else by an existing coder with an existing code."""
    now = datetime.now(timezone.utc)
    with project.database.begin() as conn:
        source_id, code_id, coder_id = conn.execute(
            select(X.c.source_id, A.c.code_id, A.c.coder_id).select_from(A.join(X, A.c.excerpt_id == X.c.id))
            .order_by(A.c.id).limit(1)).one()
        if far_id is not None:
            conn.execute(schema.coders.insert().values(id=far_id, name=f"coder {far_id}", kind="person"))
            conn.execute(schema.codes.insert().values(id=far_id, name=f"Far {far_id}", path=f"Far {far_id}",
                                                      created_at=now))
            code_id = coder_id = far_id
        start = excerpt_id % 1000 + excerpt_id.bit_length()  # a span no other excerpt has
        conn.execute(X.insert().values(id=excerpt_id, source_id=source_id, start=start, end=start + 6,
                                       text="board", created_at=now))
        conn.execute(A.insert().values(excerpt_id=excerpt_id, code_id=code_id, coder_id=coder_id, weight=2.5,
                                       origin="manual", status="applied", final=False, created_at=now))


def _check_reads(project: Project, *, packed_ints: bool, packed_floats: bool) -> None:
    expected = _plain(project)
    expected_weighted = _plain(project, with_weight=True)
    with project.database.connect() as conn:
        assert (frames._id_bits(conn, 63) is not None) is packed_ints
        assert (frames._id_bits(conn, 53) is not None) is packed_floats
        for packed in (True, False):
            ids = frames.counting_ids(conn, "applied", (), packed=packed)
            assert ids.dtype == np.int64 and np.array_equal(ids, expected)
            weighted = frames.counting_ids(conn, "applied", ("weight",), packed=packed)
            assert weighted.dtype == np.float64 and np.array_equal(weighted, expected_weighted)
            spans = frames.counting_ids(conn, "applied", ("start", "end"), packed=packed)
            assert np.array_equal(spans[:, :4], expected)
    assert len(expected) > 100


def test_packed_ids_read_what_a_plain_select_reads_on_sqlite(tmp_path: Path) -> None:
    project = _project(str(tmp_path / "study.qcproj"), tmp_path)
    try:
        _check_reads(project, packed_ints=True, packed_floats=True)
        # an excerpt id of 2^48: 49 bits with the others fits in 63, not in 53 (weights)
        _add_far_coding(project, 2 ** 48)
        _check_reads(project, packed_ints=True, packed_floats=False)
        # 2^60: the four ids no longer fit in 63 bits, so four columns are read
        _add_far_coding(project, 2 ** 60)
        _check_reads(project, packed_ints=False, packed_floats=False)
        # and what a count sees is the same: the far excerpts count like any other
        assert project.frequencies().set_index("code")["excerpts"].sum() == \
            len({tuple(r) for r in _plain(project)[:, [0, 2]]})
    finally:
        project.close()


def test_packed_ids_read_what_a_plain_select_reads_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    project = _project(pg_url, tmp_path)
    try:
        _check_reads(project, packed_ints=True, packed_floats=True)
        # PostgreSQL's ids are 32-bit: an excerpt id of 2^30 packs only in 64-bit arithmetic
        _add_far_coding(project, 2 ** 30)
        _check_reads(project, packed_ints=True, packed_floats=True)
        # excerpt, code and coder ids of 31 bits each need 96 bits: four columns are read
        _add_far_coding(project, 2 ** 30 + 1, far_id=2 ** 30)
        _check_reads(project, packed_ints=False, packed_floats=False)
        assert project.frequencies().set_index("code").loc["Far 1073741824", "excerpts"] == 1
    finally:
        project.close()


# --------------------------------------------------------------- the prefetch thread
def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for each counting read, whether the prefetched ids were used."""
    used: list[bool] = []
    original = frames._prefetched_columns

    def spy(kept):  # type: ignore[no-untyped-def]
        values = original(kept)
        used.append(values is not None)
        return values

    monkeypatch.setattr(frames, "_prefetched_columns", spy)
    return used


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("QUALCODE_CACHE", raising=False)
    project = _project(str(tmp_path / "study.qcproj"), tmp_path)
    project.close()
    return tmp_path / "study.qcproj"


def test_ids_read_on_the_prefetch_thread_are_the_ids_a_plain_select_reads(study: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.store import count_prefetch

    used = _spy(monkeypatch)
    count_prefetch.start(str(study))  # as `qualcode -p study.qcproj stats frequencies` does
    project = Project.open(study)
    try:
        with project.database.connect() as conn:
            lean = frames.counting_applications(conn, "applied")
            plain = frames.counting_ids(conn, "applied", packed=False)
        assert used == [True]
        assert np.array_equal(lean[["excerpt_id", "source_id", "code_id"]].to_numpy(), plain[:, :3])
        assert np.array_equal(_plain(project), plain)
        # a second count in this process loads the kept file; no thread is running
        with project.database.connect() as conn:
            frames.counting_applications(conn, "applied")
        assert used == [True]
    finally:
        project.close()


def _weights_prefetched(study: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[bool], pd.DataFrame, np.ndarray]:
    """``stats weights``'s read: prefetched as the command line does, then counted."""
    from qualcode.store import count_prefetch

    used = _spy(monkeypatch)
    count_prefetch.start(str(study), ("weight",))  # as `qualcode -p study.qcproj stats weights` does
    project = Project.open(study)
    try:
        with project.database.connect() as conn:
            lean = frames.counting_applications(conn, "applied", ("weight",))
            plain = frames.counting_ids(conn, "applied", ("weight",), packed=False)
        expected = _plain(project, with_weight=True)
        assert np.array_equal(plain, expected)
        return used, lean, expected
    finally:
        project.close()


def _reweigh(study: Path, weights: tuple[float, ...]) -> None:
    """Give the first weighted codings these weights (straight in the table, as a script might)."""
    from sqlalchemy import update

    project = Project.open(study)
    try:
        with project.database.begin() as conn:
            first = [r[0] for r in conn.execute(select(A.c.id).where(A.c.weight.is_not(None)).order_by(A.c.id)
                                                .limit(len(weights)))]
            for app_id, weight in zip(first, weights):
                conn.execute(update(A).where(A.c.id == app_id).values(weight=weight))
    finally:
        project.close()


def _check_weights(lean: pd.DataFrame, expected: np.ndarray) -> None:
    weights = lean["weight"].to_numpy()
    assert np.array_equal(np.isnan(weights), expected[:, 5] == 1)  # missing weights stay missing
    assert (weights[~np.isnan(weights)] == expected[expected[:, 5] == 0, 4]).all()  # bit for bit
    assert np.array_equal(lean[["excerpt_id", "source_id", "code_id"]].to_numpy(), expected[:, :3].astype(np.int64))


def test_whole_number_weights_are_read_on_the_prefetch_thread(study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Weights 1, 2, 3 and none, and the extremes -510 and 511: packed below the ids."""
    _reweigh(study, (-510, 511))
    used, lean, expected = _weights_prefetched(study, monkeypatch)
    assert used == [True]
    _check_weights(lean, expected)
    assert {-510.0, 511.0, 1.0, 2.0, 3.0} <= set(lean["weight"].dropna().tolist())


@pytest.mark.parametrize("odd", [1 / 3, 2.5, 512, -511, 123456789.12345679])
def test_a_weight_the_prefetch_cannot_say_exactly_is_read_afresh(study: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 odd: float) -> None:
    """One coding weighted 1/3 (or 2.5, or past the packed range): the prefetch is not used
    and the count reads the weights from the project, the very same floats."""
    _reweigh(study, (odd,))
    used, lean, expected = _weights_prefetched(study, monkeypatch)
    assert used == [False]
    _check_weights(lean, expected)
    assert odd in set(lean["weight"].dropna().tolist())


def test_a_plain_prefetch_does_not_serve_a_count_of_weights(study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.store import count_prefetch

    used = _spy(monkeypatch)
    count_prefetch.start(str(study))  # read for the ids alone
    project = Project.open(study)
    try:
        with project.database.connect() as conn:
            lean = frames.counting_applications(conn, "applied", ("weight",))
        assert used == [False]
        assert np.array_equal(np.isnan(lean["weight"].to_numpy()), _plain(project, with_weight=True)[:, 5] == 1)
    finally:
        project.close()
    with pytest.raises(ValueError):
        count_prefetch.start(str(study), ("start",))


def test_a_write_after_the_prefetch_began_is_counted(study: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.store import count_prefetch

    used = _spy(monkeypatch)
    count_prefetch.start(str(study))
    project = Project.open(study)
    try:
        before = len(_plain(project))
        project.code("Interview 1", "Issues", start=1300, end=1330, coder="dora")  # raises the change counter
        with project.database.connect() as conn:
            counted = frames.counting_ids(conn, "applied", packed=False)
            lean = frames.counting_applications(conn, "applied")
        assert used == [False]  # read for the state before the write: not used
        assert len(lean) == len(counted) == before + 1
        assert np.array_equal(lean["excerpt_id"].to_numpy(), counted[:, 0])
    finally:
        project.close()


def test_prefetched_texts_in_any_order_give_rows_in_application_order(study: Path) -> None:
    """group_concat keeps no promised order before SQLite 3.44: rows come back sorted."""
    from qualcode.store import count_cache, count_prefetch

    project = Project.open(study)
    try:
        with project.database.connect() as conn:
            plain = frames.counting_ids(conn, "applied", packed=False)
            app_ids = [r[0] for r in conn.execute(select(A.c.id).where(A.c.status == "applied").order_by(A.c.id))]
            bits = frames._id_bits(conn, 63)
            kept = count_cache.slot(conn, "counting_applied")
        assert bits is not None and kept is not None
        packed = (((plain[:, 0] << bits[1]) + plain[:, 1] << bits[2]) + plain[:, 2] << bits[3]) + plain[:, 3]
        shuffled = np.random.default_rng(1).permutation(len(plain))
        count_prefetch._read[kept.path] = (" ".join(str(app_ids[i]) for i in shuffled),
                                           " ".join(str(v) for v in packed[shuffled]), bits)
        assert np.array_equal(frames._prefetched(kept), plain)
    finally:
        project.close()


def test_no_prefetch_when_the_cache_is_off_or_the_project_is_a_server(study: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from qualcode.store import count_prefetch

    monkeypatch.setenv("QUALCODE_CACHE", "off")
    count_prefetch.start(str(study))
    assert not count_prefetch._threads
    monkeypatch.delenv("QUALCODE_CACHE")
    count_prefetch.start("postgresql://qualcode@localhost/nowhere")
    assert not count_prefetch._threads
    assert count_prefetch.project_file(None, study.parent) == study.resolve()  # the one *.qcproj here
