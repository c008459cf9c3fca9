"""Each rule finds what it should and leaves its look-alikes alone."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from humas.guardrails import Context, ElectionList, PlatformLimits, check
from humas.guardrails.links import resolve_links
from humas.guardrails.personal import PROVINCES

VALID_PROVINCES = sorted(PROVINCES)
INVALID_PROVINCES = [p for p in range(100) if p not in PROVINCES]
DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def rules(text: str, context: Context | None = None) -> list[tuple[str, str]]:
    return [(f.rule, f.text) for f in check(text, context=context)]


@st.composite
def niks(draw: st.DrawFn, *, province: list[int] = VALID_PROVINCES, valid_date: bool = True) -> str:
    prov = draw(st.sampled_from(province))
    regency, district = draw(st.integers(1, 99)), draw(st.integers(1, 99))
    if valid_date:
        month = draw(st.integers(1, 12))
        day = draw(st.integers(1, DAYS[month - 1])) + draw(st.sampled_from([0, 40]))
    else:
        month = draw(st.integers(13, 99))
        day = draw(st.integers(1, 71))
    year, serial = draw(st.integers(0, 99)), draw(st.integers(1, 9999))
    return f"{prov:02d}{regency:02d}{district:02d}{day:02d}{month:02d}{year:02d}{serial:04d}"


@given(niks())
def test_valid_nik_is_found(nik: str) -> None:
    assert rules(f"Penerima bantuan dengan NIK {nik} sudah terdata.") == [("nik", nik)]


@given(niks(province=INVALID_PROVINCES))
def test_invalid_province_is_not_a_nik(number: str) -> None:
    assert rules(f"Nomor dokumen {number} sudah terdata.") == []


@given(niks(valid_date=False))
def test_invalid_birth_date_is_not_a_nik(number: str) -> None:
    assert rules(f"Nomor dokumen {number} sudah terdata.") == []


@given(niks())
def test_nik_shaped_resi_and_virtual_account_are_not_niks(number: str) -> None:
    assert rules(f"Nomor resi pengiriman {number}.") == []
    assert rules(f"Kode bayar virtual account {number} berlaku 24 jam.") == []


@given(niks())
def test_new_npwp_and_kk_are_named_by_their_context(number: str) -> None:
    assert rules(f"NPWP {number} sudah dipadankan.") == [("npwp", number)]
    assert rules(f"NIK {number} tercatat.") == [("nik", number)]


@given(
    st.integers(0, 99),
    st.integers(0, 999),
    st.integers(0, 999),
    st.integers(0, 9),
    st.integers(0, 999),
    st.integers(0, 999),
)
def test_old_npwp_formatted(a: int, b: int, c: int, d: int, e: int, f: int) -> None:
    npwp = f"{a:02d}.{b:03d}.{c:03d}.{d}-{e:03d}.{f:03d}"
    assert rules(f"Wajib pajak ber-NPWP {npwp} sudah lapor.") == [("npwp", npwp)]


def test_women_day_plus_forty_and_february() -> None:
    assert rules("NIK 3273016902900001") == [("nik", "3273016902900001")]  # 29 Feb + 40
    assert rules("No 3273017002900001") == []  # 30 Feb + 40 is no date


def test_phones_mobile_only() -> None:
    for number in ["0812-3456-7890", "+62 812 3456 7890", "6281234567890", "0812 3456 789"]:
        assert rules(f"Hubungi {number} ya.") == [("phone", number)]
    for office in ["(022) 123 4567", "1500-200", "021-3449230", "112"]:
        assert rules(f"Kantor kami: {office}.") == []


def test_email_but_not_government_domains() -> None:
    assert rules("Kirim ke budi.santoso@gmail.com.") == [("email", "budi.santoso@gmail.com")]
    assert rules("Kirim ke humas@kemenkeu.go.id atau ppid@jabarprov.go.id.") == []


def test_bank_account_needs_a_bank_and_is_never_money() -> None:
    assert rules("Transfer ke rekening BRI 0123-01-012345-50-1 a.n. Budi.") == [
        ("bank_account", "0123-01-012345-50-1")
    ]
    assert rules("Bank BRI menyalurkan KUR Rp 12.500.000.000 tahun ini.") == []
    assert rules("Nomor 1234567890 tercatat.") == []
    assert rules("Hubungi Intan Permata di 0844-2753-9932.") == [("phone", "0844-2753-9932")]


def test_full_address_but_not_an_office() -> None:
    text = "Tinggal di Jl. Melati No. 5 RT 03/RW 07 Kel. Sukajadi, Bandung."
    assert [r for r, _ in rules(text)] == ["address"]
    assert rules("Kantor kami di Jl. Asia Afrika No. 65, Bandung.") == []


def test_classification_marking_not_the_word() -> None:
    assert rules("RAHASIA\nBahan rapat.") == [("classification", "RAHASIA")]
    assert rules("[Terbatas] Bahan rapat.") == [("classification", "Terbatas")]
    assert rules("Sifat: Rahasia\nPerihal: audit.") == [("classification", "Rahasia")]
    for text in ["Ini rahasia sukses UMKM.", "Kuota terbatas, daftar segera.", "Pemilu bebas dan rahasia."]:
        assert rules(text) == []


def test_memo_and_letter_numbers() -> None:
    assert rules("Sesuai ND-12/PB.1/2026 rapat diundur.") == [("memo_number", "ND-12/PB.1/2026")]
    assert rules("Surat S-123/WPB.12/2026 terbit.") == [("letter_number", "S-123/WPB.12/2026")]
    assert rules("Peraturan Menteri Keuangan Nomor 12/PMK.03/2026 berlaku.") == []


def test_draft_wording_not_draft_bills_or_concepts() -> None:
    assert rules("DRAF siaran pers peluncuran.") == [("internal_phrase", "DRAF")]
    assert rules("Jangan disebarkan dulu.") == [("internal_phrase", "Jangan disebarkan")]
    for text in ["DPR membahas draf RUU Perampasan Aset.", "Konsep pelayanan prima kami terapkan."]:
        assert rules(text) == []


def test_abuse_and_sara_words_not_animals() -> None:
    assert rules("Admin goblok!") == [("abuse", "goblok")]
    assert rules("Dasar kadrun.") == [("sara", "kadrun")]
    assert rules("Anjing pelacak dikerahkan; waspadai flu babi Afrika.") == []


def test_abuse_model_hook_scores_the_whole_text() -> None:
    context = Context(abuse_scorer=lambda text: 0.9 if "jelek" in text else 0.1)
    assert [f.rule for f in check("Pelayananmu jelek sekali", context=context)] == ["abuse"]
    assert check("Pelayanan ramah", context=context) == []


ELECTION = ElectionList(
    candidates=("Raka Pratama",),
    parties=("Partai Nusantara Jaya",),
    numbers=("2",),
    slogans=("BersamaRaka",),
    active_from=date(2026, 11, 1),
    active_to=date(2027, 2, 28),
)


def test_election_support_only_in_the_active_period() -> None:
    inside = Context(election=ELECTION, today=date(2026, 12, 1))
    outside = Context(election=ELECTION, today=date(2027, 6, 1))
    for text in ["Ayo coblos nomor 2!", "Dukung Raka Pratama!", "Maju terus #BersamaRaka"]:
        assert [f.rule for f in check(text, context=inside)] == ["election"]
        assert check(text, context=outside) == []
    for text in [
        "Dukung UMKM lokal.",
        "KPU menetapkan nomor urut pasangan calon.",
        "Coblos di TPS terdekat.",
    ]:
        assert check(text, context=inside) == []


def test_links() -> None:
    assert rules("Daftar: bit.ly/abc123.") == [("shortener", "bit.ly/abc123")]
    hoax = Context(hoax_links=frozenset({"hoaks.example", "berita.example/palsu"}))
    assert [f.rule for f in check("Lihat https://www.hoaks.example/x", context=hoax)] == ["hoax_link"]
    assert [f.rule for f in check("Lihat berita.example/palsu", context=hoax)] == ["hoax_link"]
    assert check("Lihat berita.example/asli dan https://www.pajak.go.id/spt", context=hoax) == []


def test_resolve_links_uses_the_callers_resolver_and_timeout() -> None:
    seen: list[tuple[str, float]] = []

    def resolve(url: str, timeout: float) -> bool:
        seen.append((url, timeout))
        return "mati" not in url

    found = list(resolve_links("Cek https://a.example/ok dan b.example/mati", resolve, timeout=2.0))
    assert [f.text for f in found] == ["b.example/mati"]
    assert seen == [("https://a.example/ok", 2.0), ("https://b.example/mati", 2.0)]


def test_platform_limits_in_the_same_list() -> None:
    limits = PlatformLimits(count_text=len, text_max=20, hashtags_max=2)
    found = check("Selamat pagi warga kota! #a #b #c", context=Context(platform=limits))
    assert [(f.rule, f.severity) for f in found] == [
        ("platform_length", "blokir"),
        ("platform_hashtags", "blokir"),
    ]
    assert found[0].start == 20 and found[1].text == "#c"


def test_findings_sorted_and_explained() -> None:
    found = check("Hubungi 0812-3456-7890, NIK 3273014508900001, jangan disebarkan.")
    assert [f.rule for f in found] == ["phone", "nik", "internal_phrase"]
    assert all(str(f.why) and str(f.what_to_do) for f in found)


@given(niks(), st.sampled_from(["No. KK", "Kartu Keluarga nomor", "KK:"]))
def test_kk_with_its_word(number: str, word: str) -> None:
    issued = number[:6] + f"{int(number[6:8]) % 40 or 1:02d}" + number[8:]  # the issue date has no +40
    assert rules(f"{word} {issued} sudah diperbarui.") == [("kk", issued)]


def test_probed_look_alikes_stay_clean() -> None:
    election = Context(election=ELECTION, today=date(2026, 12, 1))
    assert check("Kami dukung Timnas Indonesia nomor 2 di hati!", context=election) == []
    assert [f.rule for f in check("Kami dukung pasangan calon nomor 2!", context=election)] == ["election"]
    assert rules("Jalan rusak di RT 02/RW 04 Desa Sukamaju segera diperbaiki.") == []
    assert rules("Berikut TERBATAS-nya kuota beasiswa.") == []
