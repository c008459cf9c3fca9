"""`humas guardrails check`: JSON lines in, one JSON line per input out, in order (the public contract)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from humas.cli.main import app
from humas.core.i18n import use_locale
from humas.guardrails import check


def test_check_reads_and_writes_json_lines_in_order() -> None:
    lines = [
        {"text": "NIK 3273014508900001, hubungi 0812-3456-7890"},
        {"text": "Ini rahasia sukses UMKM binaan kami."},
        {"text": "RAHASIA\nBahan rapat"},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\n"
    result = CliRunner().invoke(app, ["guardrails", "check"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [[f["rule"] for f in o["findings"]] for o in out] == [["nik", "phone"], [], ["classification"]]
    first = out[0]["findings"][0]
    assert (first["severity"], first["start"], first["end"]) == ("blokir", 4, 20)
    assert "NIK" in first["message"] and "data pribadi" in first["message"]  # Indonesian by default


def test_check_refuses_a_line_without_text() -> None:
    result = CliRunner().invoke(app, ["guardrails", "check"], input='{"teks": "x"}\n')
    assert result.exit_code == 2


def test_explanations_follow_the_locale() -> None:
    (finding,) = check("Hubungi 0812-3456-7890")
    with use_locale("id"):
        assert str(finding.why) == "Ini tampak seperti nomor ponsel pribadi."
    with use_locale("en"):
        assert str(finding.why) == "This looks like a personal mobile number."
