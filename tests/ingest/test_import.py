"""File import: CSV / JSONL / XLSX, mappings, idempotency, and malformed rows reported by row number."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from humas.core.db import session_scope
from humas.core.errors import Invalid
from humas.ingest.models import IngestJob, Mention
from humas.ingest.runner import run_import
from humas.ingest.service import importer
from tests.ingest.helpers import fake_analyze

HEADER = "platform,external_id,kind,text,created_at,author_handle,likes,url\n"


def _count(engine):
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(Mention))


def test_same_file_twice_adds_nothing(committing_engine, unit_id, tmp_path):
    path = tmp_path / "mentions.csv"
    rows = [
        f'x,{i},post,"Pelayanan KPPN nomor {i}, bagus",2026-11-0{1 + i % 9} 08:00,warga{i},{i},'
        for i in range(50)
    ]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    first = run_import(path, unit_id=unit_id, engine=committing_engine, analyzer=fake_analyze, batch_size=20)
    assert (first.rows, first.added, first.errors) == (50, 50, [])
    second = run_import(path, unit_id=unit_id, engine=committing_engine, analyzer=fake_analyze, batch_size=20)
    assert (second.added, second.updated) == (0, 50)
    assert _count(committing_engine) == 50
    with session_scope(committing_engine) as session:
        m = session.scalar(select(Mention).where(Mention.external_id == "3"))
        assert m.created_at == datetime(2026, 11, 4, 1, 0, tzinfo=UTC)  # 08:00 WIB
        assert m.metrics == {"likes": 3} and m.author_handle == "warga3"
        assert session.scalar(select(func.count()).select_from(IngestJob)) == 2


def test_rows_without_ids_are_still_idempotent(committing_engine, unit_id, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Tweet;date;user\nPajak naik;24/11/2026 10:00;@a\nKPPN antri;24/11/2026 11:00;@b\n")
    mapping = importer.parse_mapping(["text=Tweet", "created_at=date", "author_handle=user"])
    for _ in range(2):
        run_import(path, unit_id=unit_id, mapping=mapping, engine=committing_engine, analyzer=fake_analyze)
    assert _count(committing_engine) == 2


def test_malformed_rows_are_listed_and_good_rows_imported(committing_engine, unit_id, tmp_path):
    path = tmp_path / "messy.csv"
    lines = [
        HEADER.encode(),
        b'x,1,post,"baik satu",2026-11-01 08:00,a,1,\n',  # row 2 ok
        b'x,2,post,"tanggal rusak",kemarin sore,a,1,\n',  # row 3 bad date
        b"x,3,post,,2026-11-01 08:00,a,1,\n",  # row 4 missing text
        'x,4,post,"latin-1 caf\xe9",2026-11-01 08:00,a,1,\n'.encode("latin-1"),  # row 5 wrong encoding
        b'x,5,post,"baik ""dua""\nberbaris dua",2026-11-01 09:00,a,2,\n',  # rows 6-7 ok, multi-line
        b'x,6,post,"kutip "rusak" di tengah",2026-11-01 08:00,a,1,\n',  # row 8 broken quoting
        b"x,7,post,kolom kurang\n",  # row 9 wrong column count
        b"x,8,post,suka banyak,2026-11-01 08:00,a,banyak,\n",  # row 10 bad number
        b'x,9,post,"kutip tidak ditutup,2026-11-01 08:00,a,1,\n',  # row 11 unclosed quote
        b"x,10,post,baik tiga,2026-11-01T10:00:00+07:00,a,1.234,\n",  # row 12 ok
        b"x,11,surat,jenis aneh,2026-11-01 08:00,a,1,\n",  # row 13 unknown kind
    ]
    path.write_bytes(b"".join(lines))
    errors_path = tmp_path / "errors.csv"
    report = run_import(
        path, unit_id=unit_id, engine=committing_engine, analyzer=fake_analyze, errors_path=errors_path
    )
    assert report.added == 3
    bad = {row: reason for row, reason, _ in report.errors}
    assert sorted(bad) == [3, 4, 5, 8, 9, 10, 11, 13]
    assert bad[3].startswith("tanggal tidak dikenali")
    assert bad[4] == "teks kosong"
    assert "pengkodean" in bad[5]
    assert bad[8].startswith("tanda kutip rusak") or bad[8].startswith("seharusnya")
    assert bad[9] == "seharusnya 8 kolom, ditemukan 4"
    assert bad[10].startswith("bukan bilangan bulat")
    assert bad[11] == "tanda kutip tidak ditutup"
    assert bad[13].startswith("jenis tidak dikenal")
    with errors_path.open(encoding="utf-8") as f:
        listed = list(csv.DictReader(f))
    assert [int(r["row"]) for r in listed] == sorted(bad)
    with session_scope(committing_engine) as session:
        texts = dict(session.execute(select(Mention.external_id, Mention.text)).all())
        likes = session.scalar(select(Mention.metrics).where(Mention.external_id == "10"))
    assert texts["5"] == 'baik "dua"\nberbaris dua'
    assert likes == {"likes": 1234}


def test_jsonl_and_xlsx(committing_engine, unit_id, tmp_path):
    jsonl = tmp_path / "m.jsonl"
    jsonl.write_text(
        json.dumps({"external_id": "j1", "text": "halo kppn", "platform": "instagram", "views": 10})
        + "\n{broken json\n[1, 2]\n"
        + json.dumps({"external_id": "j2", "text": "halo djpb", "created_at": 1764000000})
        + "\n"
    )
    report = run_import(jsonl, unit_id=unit_id, engine=committing_engine, analyzer=fake_analyze)
    assert report.added == 2
    assert [(r, m.split(":")[0]) for r, m, _ in report.errors] == [
        (2, "JSON tidak sah"),
        (3, "bukan objek JSON"),
    ]

    xlsx = tmp_path / "m.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["Isi", "Waktu", "Akun"])
    sheet.append(["pajak daerah", datetime(2026, 11, 20, 9, 0), "@pemda"])
    sheet.append([None, datetime(2026, 11, 20, 9, 0), "@kosong"])
    sheet.append(["retribusi", "bukan tanggal", "@pemda"])
    book.save(xlsx)
    mapping = importer.parse_mapping(["text=Isi", "created_at=Waktu", "author_handle=Akun"])
    report = run_import(
        xlsx, unit_id=unit_id, mapping=mapping, engine=committing_engine, analyzer=fake_analyze
    )
    assert report.added == 1
    assert [r for r, _, _ in report.errors] == [3, 4]


def test_bad_mapping_is_refused(committing_engine, unit_id, tmp_path):
    with pytest.raises(Invalid):
        importer.parse_mapping(["teks=Tweet"])
    path = tmp_path / "a.csv"
    path.write_text("Tweet\nhalo\n")
    with pytest.raises(Invalid) as info:
        run_import(
            path, unit_id=unit_id, mapping={"text": "Isi"}, engine=committing_engine, analyzer=fake_analyze
        )
    assert str(info.value) == "kolom Isi tidak ada di berkas"
