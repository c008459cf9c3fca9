"""Write src/humas/guardrails/resources/labelled.jsonl: Indonesian outgoing texts labelled by construction.

Every positive names the span it planted ({"rule", "text"}); every negative plants a look-alike that must
not be found (invalid province or date, a resi number, an office line, "rahasia sukses UMKM"...).
Deterministic (seeded), so the file only changes when this script does.
Run: python scripts/make_guardrails_labelled.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/humas/guardrails/resources/labelled.jsonl"
R = random.Random(90)
PROV = [
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    21,
    31,
    32,
    33,
    34,
    35,
    36,
    51,
    52,
    53,
    61,
    62,
    63,
    64,
    65,
    71,
    72,
    73,
    74,
    75,
    76,
    81,
    82,
    91,
    92,
    93,
    94,
]
BAD_PROV = [0, 10, 20, 22, 30, 37, 40, 45, 50, 54, 60, 66, 70, 77, 80, 83, 88, 90, 97, 99]
NAMES = [
    "Budi Santoso",
    "Siti Aminah",
    "Agus Wijaya",
    "Dewi Lestari",
    "Rudi Hartono",
    "Nur Hasanah",
    "Eko Prasetyo",
    "Sri Wahyuni",
    "Andi Saputra",
    "Rina Marlina",
    "Yusuf Maulana",
    "Intan Permata",
]
PLACES = [
    "Sukajadi",
    "Coblong",
    "Cibeunying",
    "Tegalsari",
    "Rungkut",
    "Medan Baru",
    "Lowokwaru",
    "Banjarsari",
]
STREETS = [
    "Merdeka",
    "Sudirman",
    "Pahlawan",
    "Melati",
    "Kenanga",
    "Cempaka Putih",
    "Diponegoro",
    "Ahmad Yani",
]
BANKS = ["BRI", "BNI", "Mandiri", "BCA", "BSI", "BTN", "Bank Jateng", "CIMB Niaga"]
UNITS = ["PB.1", "WPB.12", "WPJ.07", "KPP.0713", "SJ.5", "DJP.3", "BC.02", "RO.4"]
rows: list[dict[str, object]] = []


def add(text: str, *expected: tuple[str, str], note: str = "") -> None:
    for _rule, span in expected:
        assert span in text, (span, text)
    rows.append({"text": text, "expected": [{"rule": r, "text": s} for r, s in expected], "note": note})


def d2(n: int) -> str:
    return f"{n:02d}"


def nik(female: bool = False, prov: int | None = None, month: int | None = None) -> str:
    day = R.randint(1, 28) + (40 if female else 0)
    return (
        f"{prov or R.choice(PROV)}{d2(R.randint(1, 79))}{d2(R.randint(1, 40))}{d2(day)}"
        f"{d2(month or R.randint(1, 12))}{d2(R.randint(50, 99))}{R.randint(1, 999):04d}"
    )


def phone() -> str:
    body = f"{R.randint(11, 99)}{R.randint(1000, 9999)}{R.randint(1000, 9999)}"
    return R.choice(
        [
            f"08{body[:2]}-{body[2:6]}-{body[6:]}",
            f"+62 8{body[:2]} {body[2:6]} {body[6:]}",
            f"08{body}",
            f"62 8{body[:2]}{body[2:]}",
            f"08{body[:2]} {body[2:6]} {body[6:]}",
        ]
    )


# --- positives ---------------------------------------------------------------------------------------------
for i in range(24):
    n, name = nik(female=i % 2 == 1), R.choice(NAMES)
    spaced = " ".join(n[j : j + 4] for j in range(0, 16, 4)) if i % 6 == 5 else n
    t = R.choice(
        [
            "Warga atas nama {name} dengan NIK {n} belum menerima bantuan sosial bulan ini.",
            "Berikut data penerima beasiswa: {name}, NIK: {n}, asal Kec. {p}.",
            "Mohon verifikasi nomor induk kependudukan {n} milik Bapak/Ibu {name}.",
            "Selamat kepada {name} ({n}) yang lolos seleksi PPPK tahun ini!",
            "Pengaduan dari {name}, {n}, sudah kami teruskan ke Dukcapil.",
        ]
    ).format(name=name, n=spaced, p=R.choice(PLACES))
    add(t, ("nik", spaced), note="valid NIK")
for _ in range(10):
    d = f"{R.choice(PROV)}{d2(R.randint(1, 79))}{d2(R.randint(1, 40))}"
    d += f"{d2(R.randint(1, 28))}{d2(R.randint(1, 12))}"
    k = d + f"{R.randint(10, 25)}{R.randint(1, 9999):04d}"
    t = R.choice(
        [
            "Pemohon melampirkan No. KK {k} untuk pendaftaran sekolah.",
            "Kartu Keluarga nomor {k} atas nama {name} sudah diperbarui.",
            "KK: {k} — mohon dicek kembali oleh petugas.",
        ]
    ).format(k=k, name=R.choice(NAMES))
    add(t, ("kk", k), note="KK with context")
for _ in range(12):
    old = f"{R.randint(1, 99):02d}.{R.randint(0, 999):03d}.{R.randint(0, 999):03d}."
    old += f"{R.randint(0, 9)}-{R.randint(0, 999):03d}.000"
    add(
        R.choice(
            [
                f"Wajib pajak {R.choice(NAMES)} dengan NPWP {old} telah melaporkan SPT.",
                f"Bukti potong untuk {old} sudah terbit, silakan unduh.",
                f"NPWP: {old} (a.n. CV Maju Jaya)",
            ]
        ),
        ("npwp", old),
        note="old NPWP formatted",
    )
for _ in range(6):
    n = nik()
    add(f"Pemadanan NPWP {n} dengan NIK sudah berhasil, terima kasih.", ("npwp", n), note="new 16-digit NPWP")
for _ in range(18):
    p, name = phone(), R.choice(NAMES)
    add(
        R.choice(
            [
                f"Untuk info lebih lanjut hubungi {name} di {p}.",
                f"Narahubung: {name} ({p})",
                f"Silakan WA ke nomor {p} a.n. {name} untuk pendaftaran.",
            ]
        ),
        ("phone", p),
        note="mobile",
    )
for _ in range(12):
    name = R.choice(NAMES)
    e = (
        name.lower().replace(" ", R.choice([".", "_", ""]))
        + str(R.randint(1, 99))
        + "@"
        + R.choice(["gmail.com", "yahoo.co.id", "hotmail.com", "outlook.com"])
    )
    add(
        R.choice(
            [
                f"Kirim berkas ke {e} paling lambat Jumat.",
                f"Kontak pelapor: {e}.",
                f"Terima kasih atas masukan Ibu/Bapak ({e}).",
            ]
        ),
        ("email", e),
        note="personal e-mail",
    )
for _ in range(14):
    acct = R.choice(
        [
            str(R.randint(10**9, 10**10 - 1)),
            f"{R.randint(1000, 9999)}-01-{R.randint(100000, 999999)}-50-{R.randint(1, 9)}",
            f"{R.randint(100, 999)} {R.randint(1000, 9999)} {R.randint(100, 999)}",
        ]
    )
    add(
        R.choice(
            [
                f"Donasi dapat ditransfer ke rekening {R.choice(BANKS)} {acct} a.n. {R.choice(NAMES)}.",
                f"Bantuan sudah dikirim ke {R.choice(BANKS)} {acct} milik penerima.",
                f"No. rek. {acct} ({R.choice(BANKS)}) a.n. {R.choice(NAMES)}",
            ]
        ),
        ("bank_account", acct),
        note="account near bank",
    )
for _ in range(12):
    a = (
        f"Jl. {R.choice(STREETS)} No. {R.randint(1, 120)} "
        f"RT {d2(R.randint(1, 15))}/RW {d2(R.randint(1, 12))} "
        f"Kel. {R.choice(PLACES)}"
    )
    add(
        R.choice(
            [
                f"{R.choice(NAMES)} yang tinggal di {a} menerima bantuan renovasi rumah.",
                f"Alamat pelapor: {a}, Kota Bandung.",
            ]
        ),
        ("address", a),
        note="home address",
    )
for lvl in ["RAHASIA", "SANGAT RAHASIA", "TERBATAS", "KONFIDENSIAL"] * 3:
    form = R.randint(0, 2)
    if form == 0:
        add(
            f"{lvl}\nLaporan evaluasi kinerja triwulan III untuk pimpinan.",
            (lvl.split()[0] if False else "classification", lvl),
            note="marking line",
        )
    elif form == 1:
        add(
            f"[{lvl.title()}] Bahan rapat pimpinan tentang rencana mutasi pejabat.",
            ("classification", lvl.title()),
            note="bracketed",
        )
    else:
        add(
            f"Sifat: {lvl.title()}\nPerihal: hasil audit internal kantor wilayah.",
            ("classification", lvl.title()),
            note="Sifat:",
        )
for _ in range(12):
    kind = R.choice(["ND", "UND", "ND", "MEMO"])
    num = f"{kind}-{R.randint(1, 999)}/{R.choice(UNITS)}/2026"
    add(
        R.choice(
            [
                f"Menindaklanjuti {num} tentang rapat koordinasi, mohon kehadiran Bapak/Ibu.",
                f"Sesuai {num}, jadwal piket humas berubah mulai Senin.",
                f"Lampiran {num} terlampir di bawah ini.",
            ]
        ),
        ("memo_number", num),
        note="internal memo",
    )
for _ in range(8):
    num = f"{R.choice(['S', 'PENG', 'SE'])}-{R.randint(1, 999)}/{R.choice(UNITS)}/2026"
    add(
        f"Berdasarkan surat {num}, layanan tatap muka ditutup sementara.",
        ("letter_number", num),
        note="letter number",
    )
for phrase, text in [
    ("DRAF", "DRAF siaran pers: Kanwil menggelar sosialisasi SPT Tahunan."),
    ("[Draf]", "[Draf] Caption untuk unggahan Hari Pajak, mohon dicek."),
    ("Untuk kalangan sendiri", "Untuk kalangan sendiri: rekap keluhan wajib pajak minggu ini."),
    ("Jangan disebarkan", "Jangan disebarkan dulu ya, ini jadwal mutasi pegawai."),
    ("internal only", "Materi internal only — paparan Kakanwil untuk rapat pimpinan."),
    ("belum final", "Teks ini belum final, angka realisasi masih menunggu konfirmasi."),
    ("Draf ini", "Draf ini disusun oleh tim humas untuk unggahan besok pagi."),
    ("DRAFT", "DRAFT - Rilis capaian penerimaan negara semester I."),
    ("konsep siaran pers", "Berikut konsep siaran pers peluncuran aplikasi baru."),
    ("tidak untuk dipublikasikan", "Data ini tidak untuk dipublikasikan sebelum rapat pimpinan."),
    ("jangan disebar", "Mohon jangan disebar, ini bahan internal."),
    ("Draf:", "Draf:\nSelamat Hari Kemerdekaan RI ke-81!"),
]:
    add(text, ("internal_phrase", phrase.rstrip(":")), note="draft wording")
for word, text in [
    ("goblok", "Admin goblok, pertanyaan saya tidak dijawab!"),
    ("tolol", "Jawaban tolol dari petugas."),
    ("bangsat", "Dasar bangsat, pelayanannya lambat."),
    ("brengsek", "Oknum brengsek itu sudah ditindak."),
    ("bego", "Kamu bego ya, baca dong pengumumannya."),
    ("bajingan", "Pelaku bajingan itu ditangkap."),
    ("kampret", "Kampret, antrean lama sekali."),
    ("jancuk", "Jancuk, jalan rusak nggak diperbaiki."),
    ("idiot", "Kebijakan idiot macam apa ini."),
    ("sialan", "Sialan, servernya down lagi."),
]:
    add(text, ("abuse", word if word in text else word.title()), note="abuse word")
for word, text in [
    ("kadrun", "Dasar kadrun, selalu menolak program pemerintah."),
    ("aseng", "Proyek ini dikuasai aseng."),
    ("pribumi", "Utamakan pengusaha pribumi dalam lelang."),
    ("kafir", "Jangan dengarkan kafir itu."),
    ("cebong", "Para cebong ribut lagi di kolom komentar."),
    ("antek asing", "Pejabat itu antek asing."),
]:
    add(text, ("sara", word), note="SARA term")
for span, text in [
    ("coblos nomor 2", "Jangan lupa coblos nomor 2 tanggal 14 nanti!"),
    ("pilih paslon 01", "Ayo pilih paslon 01 untuk Jawa Barat maju."),
    ("Dukung Raka Pratama", "Dukung Raka Pratama jadi gubernur!"),
    ("#BersamaRakaMaju", "Bersatu kita bisa #BersamaRakaMaju"),
    ("pilih Partai Nusantara Jaya", "Mari pilih Partai Nusantara Jaya di pemilu nanti."),
    ("menangkan Sari Wulandari", "Saatnya menangkan Sari Wulandari, pemimpin yang peduli."),
    ("coblos 3", "Coblos 3, pasti beres! coblos 3"),
    ("dukung nomor urut 1", "Kami dukung nomor urut 1 untuk perubahan."),
]:
    if span == "coblos 3":
        add(text, ("election", "Coblos 3"), ("election", "coblos 3"), note="ballot number")
    else:
        add(text, ("election", span), note="support")
for _ in range(8):
    u = R.choice(["bit.ly/", "s.id/", "tinyurl.com/", "https://t.co/", "cutt.ly/"]) + "".join(
        R.choices("abcdefXYZ123", k=7)
    )
    add(
        R.choice([f"Daftar di sini: {u}", f"Info lengkap klik {u} ya!", f"Formulir pengaduan {u} (gratis)."]),
        ("shortener", u),
        note="shortener",
    )
for u in [
    "https://beritaviral-terkini.example/vaksin-mengandung-chip",
    "beritaviral-terkini.example/bansos-cair",
    "https://www.kabarheboh.example/artikel/123",
    "http://info-bansos-2026.example/daftar",
]:
    add(f"Baca selengkapnya: {u}", ("hoax_link", u), note="labelled hoax")
for _ in range(6):  # mixed: two rules in one text
    n, p = nik(), phone()
    add(f"Data lengkap: NIK {n}, HP {p}. Mohon dibantu.", ("nik", n), ("phone", p), note="mixed")

# --- clean texts and tricky negatives ----------------------------------------------------------------------
for _ in range(14):
    n = nik(prov=R.choice(BAD_PROV) or 1)
    n = n if len(n) == 16 else ("0" + n)[:16]
    add(
        R.choice(
            [
                f"Nomor resi pengiriman dokumen Anda {n}, cek di laman ekspedisi.",
                f"Order {n} sudah kami proses.",
                f"Kode transaksi {n} berhasil.",
                f"Barang dengan nomor {n} sudah sampai di gudang.",
            ]
        ),
        note="16 digits, invalid province",
    )
for _ in range(12):
    n = nik(month=R.choice([13, 14, 19, 20, 31, 45, 88, 99]))
    add(
        R.choice(
            [
                f"Nomor pengaduan {n} sedang diproses petugas.",
                f"Tiket layanan {n} telah ditutup.",
                f"Permohonan {n} disetujui.",
            ]
        ),
        note="16 digits, invalid month",
    )
for _ in range(8):
    n = nik()
    add(
        R.choice(
            [
                f"Nomor resi {n} — paket Anda dalam perjalanan.",
                f"Kode bayar virtual account {n} berlaku 24 jam.",
                f"No. BPJS Ketenagakerjaan dicetak di kartu peserta: {n}.",
                f"Nomor pesanan {n} sudah dikirim.",
            ]
        ),
        note="NIK-shaped number after resi/VA/BPJS/pesanan",
    )
for text in [
    "Ini dia rahasia sukses UMKM binaan kami menembus pasar ekspor!",
    "Rahasia dapur bakso legendaris di Kota Malang akhirnya terungkap.",
    "Konsep pelayanan prima kami terapkan di seluruh kantor pelayanan.",
    "Konsep kota layak anak terus dikembangkan Pemkot.",
    "DPR dan pemerintah membahas draf RUU Perampasan Aset pekan ini.",
    "Draf Rancangan Peraturan Daerah tentang pajak daerah dibuka untuk uji publik.",
    "Layanan pengaduan: hotline 1500-200 (hari kerja, 08.00-16.00).",
    "Hubungi kantor kami di (022) 123 4567 atau datang langsung.",
    "Call center Kring Pajak 1500 200 siap membantu Anda.",
    "Informasi lebih lanjut: humas@kemenkeu.go.id atau (021) 3449230.",
    "Kirim pertanyaan ke ppid@jabarprov.go.id, kami jawab maksimal 10 hari kerja.",
    "Bank BRI menyalurkan KUR sebesar Rp 12.500.000.000 kepada pelaku usaha.",
    "Bank Indonesia mempertahankan suku bunga acuan 6,00 persen.",
    "Bank Mandiri mencatat laba periode 2020-2024 meningkat.",
    "Kantor pelayanan kami di Jl. Asia Afrika No. 65, Bandung.",
    "Gedung Sate beralamat di Jalan Diponegoro No. 22, Kota Bandung.",
    "Anjing pelacak K9 dikerahkan untuk memeriksa bagasi di bandara.",
    "Waspadai flu babi Afrika, peternak diminta menjaga kebersihan kandang.",
    "KPU menetapkan nomor urut pasangan calon pada rapat pleno terbuka.",
    "Dukung UMKM lokal dengan membeli produk dalam negeri.",
    "Pilih produk lokal, bangga buatan Indonesia.",
    "Ayo datang ke TPS dan gunakan hak pilih Anda secara bebas dan rahasia.",
    "Pemilu berlangsung langsung, umum, bebas, rahasia, jujur, dan adil.",
    "Peraturan Menteri Keuangan Nomor 12/PMK.03/2026 mulai berlaku hari ini.",
    "Info lengkap di https://www.pajak.go.id/id/spt-tahunan",
    "Unduh aplikasi di https://play.google.com/store/apps/details?id=id.go.pajak",
    "Tonton siarannya di youtube.com/@kemenkeuRI",
    "Sifat: Biasa\nPerihal: undangan sosialisasi untuk wajib pajak.",
    "Klasifikasi: Terbuka. Dokumen ini boleh disebarluaskan.",
    "Silakan disebarluaskan kepada keluarga dan kerabat.",
    "Tanggal pelaksanaan 17-08-2026 pukul 08.00 WIB.",
    "Realisasi penerimaan mencapai Rp 1.234.567.890.123 hingga Juni.",
    "Peserta BPJS Kesehatan dapat mengecek status kepesertaan di aplikasi Mobile JKN.",
    "Nomor darurat 112 dapat dihubungi 24 jam.",
    "Pesan rahasia di balik lagu kebangsaan, simak ulasannya.",
    "Terbatas hanya untuk 100 peserta pertama, daftar segera!",
    "Kuota terbatas, pendaftaran dibuka sampai Jumat.",
    "Tim humas menggelar rapat konsep acara Hari Pajak.",
    "Program kami mendukung pencapaian target nasional.",
    "Pilih jalur daring untuk layanan yang lebih cepat.",
    "Coblos di TPS terdekat, pastikan nama Anda terdaftar di DPT.",
    "Transfer dana desa tahap II telah disalurkan ke 1.234 desa.",
    "Rekening kas umum daerah tercatat surplus Rp 2,5 triliun.",
    "Nomor rekening resmi hanya diumumkan melalui laman resmi kami.",
    "Kunjungi www.jakarta.go.id untuk informasi layanan.",
    "Selamat Hari Kemerdekaan ke-81 Republik Indonesia! #HUTRI81",
    "Konsepnya sederhana: layanan cepat, tanpa biaya, tanpa calo.",
    "Mari jaga persatuan, hindari ujaran kebencian di media sosial.",
    "Tolak politik uang, laporkan ke Bawaslu.",
    "Bupati meresmikan jalan desa sepanjang 12 kilometer.",
    # found by probing after the fresh texts, then fixed
    "Jalan rusak di RT 02/RW 04 Desa Sukamaju segera diperbaiki.",
    "Berikut TERBATAS-nya kuota beasiswa tahun ini.",
    "NIP 198503152010011001 atas nama Kepala Bidang.",
    "Jam operasional 08.00-16.00 WIB, Senin-Jumat.",
    "Hubungi +62 21 3449230 (kantor pusat).",
    "Total 1234567890123456 dosis vaksin tersalurkan.",
    "RT 05 RW 03 Kelurahan Sukajadi menjadi kampung iklim.",
    "Kami dukung Timnas Indonesia nomor 1 di hati!",
    "NPWP wajib dimiliki pelaku usaha dengan omzet di atas Rp 500 juta.",
    "Info hoaks: cek di turnbackhoax.id",
]:
    add(text, note="tricky negative")
CLEAN = [
    "Pelayanan {x} tetap buka selama libur panjang akhir pekan.",
    "Kanwil {x} menggelar sosialisasi aturan baru kepada pelaku usaha.",
    "Terima kasih atas partisipasi warga dalam kegiatan {x}.",
    "Jadwal {x} dapat dilihat di laman resmi kami.",
    "Pemerintah daerah memastikan {x} berjalan lancar dan tertib.",
    "Yuk ikuti {x} dan menangkan hadiah menarik!",
    "Hari ini, tim kami meninjau langsung {x} di lapangan.",
    "Laporan realisasi {x} semester I telah dipublikasikan.",
    "Warga antusias mengikuti {x} di alun-alun kota.",
    "Mohon maaf atas ketidaknyamanan selama {x} berlangsung.",
]
TOPICS = [
    "vaksinasi",
    "pembayaran PBB",
    "pelaporan SPT",
    "bazar UMKM",
    "perbaikan jalan",
    "pasar murah",
    "donor darah",
    "penanaman pohon",
    "festival budaya",
    "pelatihan digital",
    "layanan KTP elektronik",
    "pendaftaran sekolah",
]
for template, topic in R.sample([(c, t) for c in CLEAN for t in TOPICS], 110):
    add(template.format(x=topic), note="clean")

# --- fresh: written after the rules were tuned and labelled before the checker saw them (report apart) ------
FRESH: list[tuple[str, tuple[tuple[str, str], ...]]] = [
    (
        "Pak Camat, ini data warga yg belum dapat BLT: Sutrisno 3578031204780002, Kel. Rungkut.",
        (("nik", "3578031204780002"),),
    ),
    ("NIK istri: 3201025507850003 (Ani). Mohon bantuannya min.", (("nik", "3201025507850003"),)),
    ("ktp no 7371116612990004 atas nama Rahmawati sudah aktif kembali", (("nik", "7371116612990004"),)),
    ("nomor KK saya 3174092002180011, kenapa belum terdaftar DTKS?", (("kk", "3174092002180011"),)),
    ("Silakan konfirmasi ke Bu Lina wa.me/6281310002000 ya", (("phone", "6281310002000"),)),
    ("Pendaftaran via WA 0857.1234.5678 (Admin Posyandu Melati)", (("phone", "0857.1234.5678"),)),
    (
        "Kontak panitia: panitia.hutri81@gmail.com / 0813 8888 1234",
        (("email", "panitia.hutri81@gmail.com"), ("phone", "0813 8888 1234")),
    ),
    ("Sumbangan ke BSI 7123456789 an. Masjid Al-Ikhlas", (("bank_account", "7123456789"),)),
    ("Rek BCA 8730123456 a/n Yayasan Peduli", (("bank_account", "8730123456"),)),
    (
        "Ybs beralamat di Jalan Kenari II No 14 RT 004 / RW 011 Kelurahan Utan Kayu",
        (("address", "Jalan Kenari II No 14 RT 004 / RW 011 Kelurahan Utan Kayu"),),
    ),
    ("SANGAT RAHASIA - Rencana operasi penertiban pekan depan", (("classification", "SANGAT RAHASIA"),)),
    ("(RAHASIA) Nilai HPS paket pekerjaan jalan provinsi", (("classification", "RAHASIA"),)),
    ("Merujuk ND-88/KN.4/2026, foto kegiatan diunggah besok.", (("memo_number", "ND-88/KN.4/2026"),)),
    ("Undangan UND-301/SJ.2/2026 untuk rapat koordinasi humas", (("memo_number", "UND-301/SJ.2/2026"),)),
    ("konsep: ucapan selamat Natal untuk IG, tolong cek", (("internal_phrase", "konsep"),)),
    (
        "Bahan ini untuk kalangan sendiri, belum boleh tayang.",
        (("internal_phrase", "untuk kalangan sendiri"),),
    ),
    ("Pelayanan kok lama banget, dasar pegawai tolol", (("abuse", "tolol"),)),
    ("Ayo pilih nomor 3 biar daerah kita maju!", (("election", "pilih nomor 3"),)),
    ("Formulir: https://bit.ly/Form-BLT-2026", (("shortener", "https://bit.ly/Form-BLT-2026"),)),
    ("Cek faktanya di https://s.id/cekfakta", (("shortener", "https://s.id/cekfakta"),)),
    # clean, fresh
    ("Nomor aduan tiket 2026120100004521 telah diteruskan ke OPD terkait.", ()),
    ("ID pelanggan PLN 532110012345 sudah bisa membeli token.", ()),
    ("Kode booking antrean online: 1234 5678 9012 3456.", ()),
    ("No. Registrasi 0000123456789012 dapat dicek di laman SSCASN.", ()),
    ("Hubungi Halo Kemenkeu 134 atau (021) 1500 991.", ()),
    ("Pengaduan pajak daerah: 0274 512 345 (kantor Bapenda).", ()),
    ("Dengan sangat rahasia ia menyimpan resep kue itu selama 30 tahun.", ()),
    ("Akses terbatas bagi kendaraan roda empat selama car free day.", ()),
    ("Rapat membahas konsep Smart City dan draf Rencana Kerja Pemerintah Daerah.", ()),
    ("Drafting peraturan dilakukan bersama akademisi.", ()),
    ("Bank Jateng mencatat penyaluran kredit 2025 tumbuh 8 persen.", ()),
    ("Rekening listrik bulan Desember dapat dibayar di kantor pos.", ()),
    ("Surat keputusan telah ditandatangani Bupati pada 1 Desember 2026.", ()),
    ("Kami mendukung pemilu damai dan netralitas ASN.", ()),
    ("Pilih jalan alternatif selama perbaikan jembatan.", ()),
    ("Warga memilih tetap tinggal di posko pengungsian.", ()),
    ("Tonton video lengkapnya di https://youtu.be/abc123XYZ", ()),
    ("Kunjungi https://www.bps.go.id untuk data inflasi terbaru.", ()),
    ("Selamat Hari Guru Nasional, terima kasih para pendidik!", ()),
    ("Dinas Kesehatan mengimbau warga mewaspadai DBD di musim hujan.", ()),
]
for text, expected in FRESH:
    add(text, *expected, note="fresh")

CONTEXT = {
    "today": "2026-12-01",
    "election": {
        "candidates": ["Raka Pratama", "Sari Wulandari"],
        "parties": ["Partai Nusantara Jaya"],
        "numbers": ["1", "01", "2", "02", "3"],
        "slogans": ["BersamaRakaMaju"],
        "active_from": "2026-11-01",
        "active_to": "2027-02-28",
    },
    "hoax_links": [
        "beritaviral-terkini.example",
        "kabarheboh.example/artikel/123",
        "info-bansos-2026.example",
    ],
}

if __name__ == "__main__":
    with OUT.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"context": CONTEXT}, ensure_ascii=False) + "\n")
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    clean = sum(1 for r in rows if not r["expected"])
    print(f"{len(rows)} texts, {clean} clean, written to {OUT}")
