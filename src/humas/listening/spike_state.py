"""The spike detector's state as plain JSON-able data, so a live detector survives between runs.

Version 2 (decision 0031) added the calibrated thresholds (daily maxima per window length), the window
dispersions, the refractory countdown, the pending hour of 5-minute phases and the current run of zeros. A
version 1 state (written before) still loads: its baseline and open spike carry over as they were, the
calibration starts empty, and its parameters become today's defaults except where the saved ones differ from
version 1's defaults (a deliberate choice is kept; an old default is not).

Version 3 (decision 0107) saves two more parameters (`per_day_factor`, `unseen_daytype_margin`) and the
recent points not yet taught to the noise estimates (`unlearned`, in the tracker and the detector). A version
2 state loads with the parameter values it ran with (`V2_IMPLIED`), so a saved detector is not silently
changed by today's defaults; its queues start empty.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from humas.core.errors import Invalid
from humas.core.i18n import _
from humas.listening.spike_baseline import SeasonalBaseline
from humas.listening.spike_parts import OpenSpike, Point, SpikeParams
from humas.listening.spike_tracker import DailyMaxima, RunTracker

STATE_VERSION = 3
# The defaults of version 1 (docs/decisions/0030): a saved value equal to one of these was not chosen.
V1_DEFAULTS: dict[str, Any] = {"streak": 3, "gap": 3, "threshold": 4.5, "continue_threshold": 1.0}
# Parameters added in version 3 (docs/decisions/0107), as a version 2 detector ran without them: a saved
# detector keeps running as it did (a stored state records its parameters).
V2_IMPLIED: dict[str, Any] = {"per_day_factor": 2.0, "unseen_daytype_margin": None}


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def point_state(point: Point) -> dict[str, Any]:
    return {
        "ts": point.ts.isoformat(),
        "value": point.value,
        "mu": point.mu,
        "score": point.score,
        "phi": point.phi,
        "held": point.held,
    }


def point_from_state(state: dict[str, Any]) -> Point:
    ts = datetime.fromisoformat(state["ts"])
    phi, held = float(state.get("phi", 0.0)), bool(state.get("held", False))
    return Point(ts, state["value"], state["mu"], state["score"], phi, held)


def tracker_state(tracker: RunTracker) -> dict[str, Any]:
    run = tracker.open
    open_state = None
    if run is not None:
        open_state = {
            "start": _ts(run.start),
            "detected_at": _ts(run.detected_at),
            "peak": point_state(run.peak),
            "last_warm": _ts(run.last_warm),
            "score": run.score,
            "excess": run.excess,
            "points": run.points,
            "misses": run.misses,
        }
    return {
        "open": open_state,
        "streak": [point_state(p) for p in tracker.streak],
        "cooldown": tracker.cooldown,
        "unlearned": [point_state(p) for p in tracker.unlearned],
        "noise": {str(k): [n.num[k], n.den[k], n.n[k]] for n in (tracker.noise,) for k in tracker.scales},
    }


def load_tracker(tracker: RunTracker, state: dict[str, Any]) -> None:
    run = state["open"]
    tracker.open = None
    if run is not None:
        tracker.open = OpenSpike(
            start=datetime.fromisoformat(run["start"]),
            detected_at=datetime.fromisoformat(run["detected_at"]),
            peak=point_from_state(run["peak"]),
            last_warm=datetime.fromisoformat(run["last_warm"]),
            score=run["score"],
            excess=run["excess"],
            points=run["points"],
            misses=run["misses"],
        )
    tracker.streak.clear()
    tracker.streak.extend(point_from_state(p) for p in state["streak"])
    tracker.cooldown = int(state.get("cooldown", 0))
    tracker.unlearned.clear()
    tracker.unlearned.extend(point_from_state(p) for p in state.get("unlearned", []))
    for key, (num, den, n) in (state.get("noise") or {}).items():
        k = int(key)
        if k in tracker.noise.num:
            tracker.noise.num[k], tracker.noise.den[k], tracker.noise.n[k] = float(num), float(den), int(n)


_BASELINE_FIELDS = ("level", "n", "day", "day_seen", "daytype", "daytype_seen", "phi_num", "phi_den", "phi_n")
_BASELINE_V2 = ("pending",)


def baseline_state(baseline: SeasonalBaseline) -> dict[str, Any]:
    state = {name: getattr(baseline, name) for name in _BASELINE_FIELDS + _BASELINE_V2}
    state["week"] = [list(ratios) for ratios in baseline.week]
    return state


def load_baseline(baseline: SeasonalBaseline, state: dict[str, Any]) -> None:
    if len(state["day"]) != len(baseline.day) or len(state["week"]) != len(baseline.week):
        raise Invalid(_("The saved detector state does not fit this interval."), field="state")
    for name in _BASELINE_FIELDS:
        value = state[name]
        setattr(baseline, name, list(value) if isinstance(value, list) else value)
    baseline.pending = [float(x) for x in state.get("pending", [])]
    for ratios, saved in zip(baseline.week, state["week"], strict=True):
        ratios.clear()
        ratios.extend(saved)


def calibration_state(calibration: dict[int, DailyMaxima]) -> dict[str, Any]:
    return {
        str(k): {"maxima": list(cal.maxima), "block": cal.block, "current": cal.current}
        for k, cal in calibration.items()
    }


def load_calibration(calibration: dict[int, DailyMaxima], state: dict[str, Any] | None) -> None:
    for key, saved in (state or {}).items():
        cal = calibration.get(int(key))
        if cal is None:
            continue
        cal.maxima.clear()
        cal.maxima.extend(float(x) for x in saved["maxima"])
        cal.block = saved["block"]
        cal.current = float(saved["current"])
        cal._cache = None


def params_state(params: SpikeParams) -> dict[str, Any]:
    return asdict(params)


def params_from_state(state: dict[str, Any]) -> SpikeParams:
    """The saved parameters (versions 2 and 3), or version 1's upgraded as the module docstring says."""
    saved = dict(state.get("params") or {})
    known = {f.name for f in fields(SpikeParams)}
    if state.get("version") == 1:
        defaults = asdict(SpikeParams())
        chosen = {k: v for k, v in saved.items() if k in known and V1_DEFAULTS.get(k, defaults[k]) != v}
        return SpikeParams(**chosen)
    if state.get("version") == 2:
        saved = {**V2_IMPLIED, **saved}
    unknown = set(saved) - known
    if unknown:
        names = ", ".join(sorted(unknown))
        raise Invalid(_("Unknown detector parameters: %(names)s.", names=names), field="state")
    return SpikeParams(**saved)


def check_version(state: dict[str, Any]) -> None:
    if state.get("version") not in (1, 2, STATE_VERSION):
        raise Invalid(_("Unknown detector state version."), field="state")
