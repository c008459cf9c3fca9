"""The local model store: models a deployment retrained (from its corrections) beside the packaged ones.

Layout under ``HUMAS_NLP_LOCAL_DIR`` (default ``~/.local/share/humas/nlp``)::

    <task>/v0001/<task>.npz, <task>.json   one version per retrain that was switched in
    <task>/CURRENT                         the version in use ("" or absent: the packaged model)

Each version's card names the version it replaced (``previous``: a version or ``"packaged"``), so a rollback
walks back one step. Nothing is ever deleted. Pure file handling: no database.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

PACKAGED = "packaged"


class StoreError(LookupError):
    """A rollback or read the store cannot do (no previous model, unknown version)."""


def local_dir() -> Path:
    env = os.environ.get("HUMAS_NLP_LOCAL_DIR", "").strip()
    return Path(env) if env else Path.home() / ".local" / "share" / "humas" / "nlp"


def current_version(task: str, root: Path | None = None) -> str | None:
    """The local version in use for ``task``, or ``None`` for the packaged model."""
    path = (root or local_dir()) / task / "CURRENT"
    try:
        version = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return version or None


def version_folder(task: str, version: str, root: Path | None = None) -> Path:
    return (root or local_dir()) / task / version


def _set_current(task: str, version: str | None, root: Path) -> None:
    folder = root / task
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "CURRENT.tmp"
    tmp.write_text(version or "", encoding="utf-8")
    tmp.replace(folder / "CURRENT")  # atomic: a reader sees the old or the new version, never half


def new_version(task: str, root: Path | None = None) -> tuple[str, Path]:
    """The next free version name and its (created) folder."""
    base = (root or local_dir()) / task
    base.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name[1:]) for p in base.glob("v[0-9]*") if p.name[1:].isdigit()]
    version = f"v{max(taken, default=0) + 1:04d}"
    (base / version).mkdir()
    return version, base / version


def switch_to(task: str, version: str, root: Path | None = None) -> None:
    """Make ``version`` (already written, with its card) the model in use."""
    root = root or local_dir()
    if not (version_folder(task, version, root) / f"{task}.json").exists():
        raise StoreError(f"{task}: no model version {version!r} in {root}")
    _set_current(task, version, root)


def read_card(task: str, version: str, root: Path | None = None) -> dict:
    path = version_folder(task, version, root) / f"{task}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{task}: cannot read the card of version {version!r}: {exc}") from None


def rollback(task: str, root: Path | None = None) -> str:
    """Switch ``task`` back to the model the current one replaced; returns it (a version or "packaged")."""
    root = root or local_dir()
    version = current_version(task, root)
    if version is None:
        raise StoreError(f"{task}: the packaged model is in use; there is nothing to roll back to")
    previous = str(read_card(task, version, root).get("previous", PACKAGED))
    _set_current(task, None if previous == PACKAGED else previous, root)
    return previous
