"""An import whose timestamps carry no zone reads them in the target unit's zone (WIB, WITA, WIT)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from humas.core.db import session_scope
from humas.core.errors import Invalid
from humas.ingest.models import Mention
from humas.ingest.runner import run_import
from humas.org.models import Unit
from tests.factories import make_unit
from tests.ingest.helpers import fake_analyze

HEADER = "platform,external_id,kind,text,created_at\n"


def test_naive_times_are_read_in_the_units_zone(committing_engine, tmp_path):
    with session_scope(committing_engine) as session:
        root = make_unit(session, name="Kementerian")
        kanwil = make_unit(session, parent=root, name="Kanwil Papua")
        kanwil.time_zone = "Asia/Jayapura"
        kppn = make_unit(session, parent=kanwil, name="KPPN Jayapura")  # inherits WIT
        ids = {"root": root.id, "kppn": kppn.id}
    path = tmp_path / "mentions.csv"
    path.write_text(HEADER + "x,papua-1,post,Antrean KPPN,2026-11-04 08:00\n", encoding="utf-8")
    run_import(path, unit_id=ids["kppn"], engine=committing_engine, analyzer=fake_analyze)
    path2 = tmp_path / "jakarta.csv"
    path2.write_text(
        HEADER + "x,jkt-1,post,Antrean kantor pusat,2026-11-04 08:00\n"
        "x,jkt-2,post,Dengan zona sendiri,2026-11-04T08:00:00+08:00\n",
        encoding="utf-8",
    )
    run_import(path2, unit_id=ids["root"], engine=committing_engine, analyzer=fake_analyze)
    with session_scope(committing_engine) as session:
        at = dict(session.execute(select(Mention.external_id, Mention.created_at)).tuples().all())
        assert at["papua-1"] == datetime(2026, 11, 3, 23, 0, tzinfo=UTC)  # 08:00 WIT
        assert at["jkt-1"] == datetime(2026, 11, 4, 1, 0, tzinfo=UTC)  # 08:00 WIB
        assert at["jkt-2"] == datetime(2026, 11, 4, 0, 0, tzinfo=UTC)  # its own +08:00 wins
        assert session.get(Unit, ids["kppn"]).time_zone is None  # inherited, not copied


def test_an_unknown_zone_is_refused_by_name(committing_engine, tmp_path):
    with session_scope(committing_engine) as session:
        unit_id = make_unit(session).id
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "x,1,post,teks,2026-11-04 08:00\n", encoding="utf-8")
    with pytest.raises(Invalid) as err:
        run_import(path, unit_id=unit_id, tz="Asia/Atlantis", engine=committing_engine, analyzer=fake_analyze)
    assert err.value.field == "tz"
