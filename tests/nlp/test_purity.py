import subprocess
import sys
from pathlib import Path

FORBIDDEN = (
    "sqlalchemy",
    "humas.web",
    "humas.jobs",
    "humas.core.db",
    "humas.org",
    "humas.ingest",
    "humas.listening",
    "humas.inbox",
    "humas.publishing",
    "humas.reports",
)


def test_nlp_imports_no_database_web_or_jobs():
    code = (
        "import sys, humas.nlp, humas.nlp.train, humas.nlp.evaluate\n"
        "humas.nlp.analyze(['uji coba'])\n"
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN!r})]\n"
        "print(','.join(bad))\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    out = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {src!r})\n" + code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""
