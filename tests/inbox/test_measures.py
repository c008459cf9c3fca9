"""Responsiveness measures: counted in each unit's working time, grouped, with the conversations behind."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from humas.core.errors import Invalid
from humas.inbox.models import Conversation, LaporForward
from humas.inbox.service import measures
from humas.org import service as org_service
from tests.factories import make_unit, make_user

# 2026-12-07 is a Monday; WIB is UTC+7, WITA UTC+8. Office hours 08:00-16:00 local, Monday to Friday.
MON_08_WIB = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _conv(session, unit, **kw) -> Conversation:
    c = Conversation(unit_id=unit.id, platform=kw.pop("platform", "facebook"), thread_key=f"t:{id(kw)}", **kw)
    session.add(c)
    session.flush()
    return c


def test_first_response_in_working_hours_per_channel(session):
    unit = make_unit(session)
    # opened Monday 08:00 WIB, answered 10:00: 2 working hours
    a = _conv(session, unit, opened_at=MON_08_WIB, first_response_at=datetime(2026, 12, 7, 3, 0, tzinfo=UTC))
    # opened Friday 15:00 WIB, answered Monday 09:00 WIB: 1 h on Friday + 1 h on Monday
    b = _conv(session, unit, platform="whatsapp", opened_at=datetime(2026, 12, 4, 8, 0, tzinfo=UTC),
              first_response_at=datetime(2026, 12, 7, 2, 0, tzinfo=UTC),
              resolved_at=datetime(2026, 12, 7, 4, 0, tzinfo=UTC))  # fmt: skip
    c = _conv(session, unit, platform="whatsapp", opened_at=MON_08_WIB)  # not answered
    _conv(session, unit, opened_at=MON_08_WIB, message_type="spam")  # not counted
    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    (total,) = measures.responsiveness(session, unit_ids=[unit.id], start=start, end=end)
    assert (total.received, total.responded) == (3, 2)
    assert total.response_rate == pytest.approx(2 / 3)
    assert total.median_first_response_hours == pytest.approx(2.0)
    assert total.p90_first_response_hours == pytest.approx(2.0)
    assert total.median_resolution_hours == pytest.approx(4.0)  # Fri 15-16, Mon 08-11
    assert measures.measure_ids(total, "unanswered") == [c.id]
    by_channel = {m.key: m for m in measures.responsiveness(session, unit_ids=[unit.id], start=start, end=end,
                                                             group="channel")}  # fmt: skip
    assert by_channel["whatsapp"].received_ids == [b.id, c.id]
    assert by_channel["facebook"].received_ids == [a.id]


def test_wita_unit_counts_in_its_own_hours(session):
    unit = make_unit(session)
    admin = make_user(session, unit=unit, roles=("admin",))
    org_service.set_unit_zone(session, unit=unit, zone="Asia/Makassar", actor=admin)
    # 08:00 WITA is 00:00 UTC; answered 01:00 UTC = 09:00 WITA: one working hour (in WIB it would be none)
    _conv(session, unit, opened_at=datetime(2026, 12, 7, 0, 0, tzinfo=UTC),
          first_response_at=datetime(2026, 12, 7, 1, 0, tzinfo=UTC))  # fmt: skip
    (m,) = measures.responsiveness(session, unit_ids=[unit.id], start=datetime(2026, 12, 1, tzinfo=UTC),
                                   end=datetime(2026, 12, 31, tzinfo=UTC))  # fmt: skip
    assert m.median_first_response_hours == pytest.approx(1.0)


def test_sla_met_share_and_lapor_by_person(session):
    unit = make_unit(session)
    r1 = make_user(session, unit=unit, roles=("responder",), name="Sari")
    met = _conv(session, unit, opened_at=MON_08_WIB, assignee_id=r1.id, sla_state="met", sla_policy_id=None,
                first_response_met=True)  # fmt: skip
    missed = _conv(session, unit, opened_at=MON_08_WIB, assignee_id=r1.id, sla_state="missed",
                   first_response_met=False)  # fmt: skip
    _conv(session, unit, opened_at=MON_08_WIB, sla_state="on_track")  # not known yet
    session.add(LaporForward(conversation_id=missed.id, title="Antrian", description="lama"))
    session.flush()
    rows = measures.responsiveness(session, unit_ids=[unit.id], start=datetime(2026, 12, 1, tzinfo=UTC),
                                   end=datetime(2026, 12, 31, tzinfo=UTC), group="person")  # fmt: skip
    sari = next(m for m in rows if m.label == "Sari")
    assert (sari.sla_known, sari.sla_met, sari.sla_met_rate) == (2, 1, 0.5)
    assert sari.missed_ids == [missed.id] and sari.lapor_ids == [missed.id]
    assert met.id in sari.received_ids
    with pytest.raises(Invalid):
        measures.responsiveness(session, unit_ids=[unit.id], start=MON_08_WIB, end=MON_08_WIB)
    with pytest.raises(Invalid):
        measures.measure_ids(sari, "nothing")


def test_percentile_nearest_rank():
    assert measures.percentile([], 50) is None
    assert measures.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert measures.percentile([float(i) for i in range(1, 11)], 90) == 9.0
