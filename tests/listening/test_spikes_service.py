"""The app's use of the spike detector: hourly rollups, a saved state per scope, old states upgraded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from humas.ingest.models import MentionRollup
from humas.listening.models import DetectorState, SpikeRecord
from humas.listening.service import spikes
from humas.listening.spike_detector import SpikeDetector
from humas.listening.spike_state import STATE_VERSION
from tests.factories import make_unit

START = datetime(2026, 10, 5, 0, 0, tzinfo=UTC)  # a Monday
HOUR = timedelta(hours=1)


def _rollups(session, unit, hours: range, spike_at: int) -> None:
    rows = []
    for h in hours:
        local_hour = (h + 7) % 24
        n = 20 if 8 <= local_hour <= 17 else 4
        if spike_at <= h < spike_at + 3:
            n *= 6
        rows.append(
            MentionRollup(
                unit_id=unit.id, query_id=0, platform="x", sentiment="neutral", hour=START + h * HOUR, count=n
            )
        )
    session.add_all(rows)
    session.flush()


def _volume_state(session, unit) -> DetectorState:
    return session.get(DetectorState, (unit.id, 0, "volume"))


def _as_version_1(state: dict) -> dict:
    """What humas wrote before method 2 (decision 0030): no calibration, no refractory, v1 parameters."""
    old = {**state, "version": 1, "params": {"threshold": 4.5, "streak": 3, "gap": 3, "warmup": None}}
    del old["calibration"]
    old["baseline"] = {k: v for k, v in state["baseline"].items() if k != "pending"}
    old["tracker"] = {"open": state["tracker"]["open"], "streak": []}
    return old


def test_a_version_1_state_upgrades_and_the_next_run_finds_the_spike(session):
    unit = make_unit(session)
    _rollups(session, unit, range(24 * 14), spike_at=10**6)
    spikes.run_detection(session, now=START + 24 * 14 * HOUR)
    saved = _volume_state(session, unit)
    saved.state = _as_version_1(saved.state)
    session.flush()
    _rollups(session, unit, range(24 * 14, 24 * 16), spike_at=24 * 15 + 4)
    spikes.run_detection(session, now=START + 24 * 16 * HOUR)
    (spike,) = session.query(SpikeRecord).filter_by(unit_id=unit.id, metric="volume").all()
    assert spike.start_at == START + (24 * 15 + 4) * HOUR
    assert _volume_state(session, unit).state["version"] == STATE_VERSION  # saved again in today's format


def test_an_unreadable_state_is_rebuilt_from_the_rollups(session):
    unit = make_unit(session)
    _rollups(session, unit, range(24 * 16), spike_at=24 * 15 + 4)
    spikes.run_detection(session, now=START + 24 * 14 * HOUR)
    saved = _volume_state(session, unit)
    saved.state = {"version": 99, "garbage": True}
    session.flush()
    spikes.run_detection(session, now=START + 24 * 16 * HOUR)
    (spike,) = session.query(SpikeRecord).filter_by(unit_id=unit.id, metric="volume").all()
    assert spike.start_at == START + (24 * 15 + 4) * HOUR
    resumed = SpikeDetector.from_state(_volume_state(session, unit).state)
    assert resumed.last == START + (24 * 16 - 1) * HOUR
    spikes.run_detection(session, now=START + 24 * 16 * HOUR)  # nothing new: nothing twice
    assert session.query(SpikeRecord).filter_by(unit_id=unit.id, metric="volume").count() == 1
