"""Election neutrality (netralitas ASN): support for a listed candidate, party, number or slogan while the
list's period is active. The list is plain data kept by the central unit; the caller passes it in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from humas.guardrails.findings import BLOCK, Finding, finding


@dataclass(frozen=True)
class ElectionList:
    candidates: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()  # ballot numbers, "1", "01", "2"...
    slogans: tuple[str, ...] = ()
    active_from: date | None = None
    active_to: date | None = None

    def active(self, today: date) -> bool:
        return (self.active_from is None or self.active_from <= today) and (
            self.active_to is None or today <= self.active_to
        )


_SUPPORT = (
    r"coblos|pilih|dukung|menangkan|mendukung|memilih|sukseskan\s+paslon|all\s+in|lanjutkan|#?\d+periode"
)
_FILLER = (
    r"paslon|pasangan(?:\s+calon)?|calon|capres|cawapres|cagub|cawagub|cabup|cawabup|cawalkot|partai|bapak|ibu|"
    r"pak|bu|kita|kami|saja|aja|lagi|terus|kembali|mas|mbak|bang|kak"
)
_BALLOT = re.compile(
    r"(?i)\b(?:coblos|pilih|contreng)\s+(?:nomor|no\.?|nomer|paslon|capres|cagub|cabup|cawalkot)\s*(?:urut\s*)?"
    r"\d{1,2}\b|\bcoblos\s+\d{1,2}\b|\bpaslon\s+(?:nomor\s+)?\d{1,2}\s+(?:menang|juara|pilihanku|pasti)"
)


def _alternatives(items: tuple[str, ...]) -> str:
    return "|".join(re.escape(i).replace(r"\ ", r"\s+") for i in sorted(items, key=len, reverse=True) if i)


def election(text: str, current: ElectionList, *, today: date) -> Iterator[Finding]:
    if not current.active(today):
        return
    for m in _BALLOT.finditer(text):
        yield finding("election", BLOCK, text, m.start(), m.end())
    names = _alternatives(current.candidates + current.parties)
    numbers = _alternatives(current.numbers)
    targets = "|".join(
        p for p in (names and rf"(?:{names})", numbers and rf"(?:nomor\s+(?:urut\s+)?(?:{numbers}))") if p
    )
    if targets:
        # Only filler words between the verb and its target: "dukung Timnas Indonesia nomor 1" is football.
        pattern = re.compile(rf"(?i)\b(?:{_SUPPORT})(?:\s+(?:{_FILLER}))*\s+(?:{targets})(?!\w)")
        for m in pattern.finditer(text):
            yield finding("election", BLOCK, text, m.start(), m.end())
    if current.slogans:
        for m in re.finditer(rf"(?i)(?<!\w)#?(?:{_alternatives(current.slogans)})(?!\w)", text):
            yield finding("election", BLOCK, text, m.start(), m.end())
