"""The public's voice towards Indonesian government offices: a sentiment training set humas writes itself.

No open training set holds what the public says to a KPPN, a Samsat or a puskesmas: praise of a counter,
complaints about queues, sarcasm (praise words over a complaint), questions, announcements. This module
generates one compositionally, with a fixed seed: office names × service nouns × predicates × sentence
frames, plus slang, typos, code-mixed English and emoji, and a few dozen hand-written sentences; since
decision 0105 also ``resources/public_voice_world.tsv``: 444 hand-written sentences that need knowledge of
the world (sarcasm about roads, floods, outages, levies, promises; sincere praise with the same words;
complaints; neutral statements) and 76 facts, bad and fixed, that the frames compose. The output
is committed as ``resources/public_voice_sentiment.jsonl`` (CC0 1.0); ``python -m humas.nlp.publicvoice``
rewrites it, and a test checks that the file is exactly what this code generates.

Labels follow the sentence's meaning for the office: praise positive, complaint and sarcasm negative,
questions and announcements neutral, a negated predicate takes the opposite polarity. It was written from
general knowledge of the language, without reading the behavioural benchmark's sentences; a test checks that
no text of it is an exact or near duplicate of a benchmark sentence.
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from pathlib import Path

RESOURCE = Path(__file__).parent / "resources" / "public_voice_sentiment.jsonl"
# Hand-written sentences and facts with knowledge of the world (decision 0105): kind<TAB>text.
WORLD = Path(__file__).parent / "resources" / "public_voice_world.tsv"
WORLD_KINDS = {"sarcasm": "negative", "praise": "positive", "complaint": "negative", "neutral": "neutral"}
SEED = 20261202
LABELS = ("positive", "neutral", "negative")

OFFICES = (
    "KPPN",
    "Samsat",
    "Dukcapil",
    "Disdukcapil",
    "puskesmas",
    "kelurahan",
    "kecamatan",
    "BPJS Kesehatan",
    "BPJS Ketenagakerjaan",
    "kantor imigrasi",
    "KPP Pratama",
    "kantor pajak",
    "PDAM",
    "RSUD",
    "Satpas",
    "KUA",
    "kantor pertanahan",
    "BPN",
    "Dinas Sosial",
    "Mal Pelayanan Publik",
    "DPMPTSP",
    "kantor desa",
    "Dinas Perhubungan",
    "Polres",
    "Kantor Pelayanan Pajak",
    "Dinas Kesehatan",
    "kantor camat",
    "UPT Samsat",
)
CITIES = (
    "Bandung",
    "Bekasi",
    "Depok",
    "Medan",
    "Makassar",
    "Palembang",
    "Semarang",
    "Surabaya",
    "Malang",
    "Pontianak",
    "Banjarmasin",
    "Kupang",
    "Mataram",
    "Padang",
    "Pekanbaru",
    "Jambi",
    "Bogor",
    "Sleman",
    "Bantul",
    "Kendari",
    "Manado",
    "Ambon",
    "Jayapura",
    "Sorong",
    "Tegal",
    "Cirebon",
    "Kediri",
    "Jember",
    "Balikpapan",
    "Samarinda",
    "Palu",
    "Gorontalo",
    "Serang",
    "Tangerang",
    "Lampung",
    "Bengkulu",
)
SERVICES = (
    "pelayanan",
    "layanan",
    "petugas",
    "pegawai",
    "staf",
    "loket",
    "CS",
    "admin",
    "satpam",
    "front office",
    "petugas loket",
    "bagian informasi",
    "aplikasi",
    "website",
    "sistem antrean",
    "call center",
    "proses",
)
DOCUMENTS = (
    "KTP elektronik",
    "KK",
    "akta kelahiran",
    "paspor",
    "SIM",
    "STNK",
    "NPWP",
    "SPT tahunan",
    "sertifikat tanah",
    "surat pindah",
    "SKCK",
    "kartu BPJS",
    "surat keterangan domisili",
    "pajak kendaraan",
    "izin usaha",
    "NIB",
    "buku nikah",
    "akta kematian",
    "KIA",
    "rekening air",
    "SP2D",
    "pencairan JHT",
    "surat keterangan tidak mampu",
)

# --- positive ----------------------------------------------------------------------------------------
POS_PRED = (
    "cepat",
    "ramah",
    "sigap",
    "tanggap",
    "gesit",
    "jelas",
    "rapi",
    "tertib",
    "sopan",
    "solutif",
    "informatif",
    "responsif",
    "profesional",
    "cekatan",
    "sabar",
    "teliti",
    "transparan",
    "efisien",
    "bersih",
    "nyaman",
    "membantu",
    "memuaskan",
    "lancar",
    "mudah",
    "praktis",
    "sat set",
    "tuntas",
)
POS_EVENTS = (
    "urusan {doc} saya beres kurang dari setengah jam",
    "{doc} saya jadi di hari yang sama",
    "datang jam delapan, jam sembilan sudah pulang bawa {doc}",
    "dipandu dari awal sampai selesai",
    "dibantu isi formulir sampai tuntas",
    "nomor antrean langsung dipanggil",
    "pertanyaan saya dibalas di WA dalam lima menit",
    "ibu saya yang sudah sepuh didahulukan",
    "ada kursi roda dan jalur khusus lansia",
    "berkas saya dicek teliti jadi tidak perlu bolak-balik",
    "pengaduan saya ditindaklanjuti besoknya",
    "air kembali mengalir sebelum sore",
    "semua gratis tanpa biaya tambahan",
    "ruang tunggunya adem dan ada air minum",
    "petugasnya menjelaskan pelan-pelan sampai saya paham",
    "aduan lewat aplikasi langsung direspons",
    "antreannya tertib pakai nomor online",
    "pengambilan {doc} cukup tunjukkan bukti daftar",
)
THANKS = (
    "terima kasih",
    "makasih banyak",
    "matur nuwun",
    "hatur nuhun",
    "terima kasih banyak",
    "salut untuk",
    "apresiasi buat",
    "jempol untuk",
    "respek buat",
    "sukses terus",
)
# Praise openings that the sarcasm frames use too, said sincerely over a good fact (decision 0105).
SINCERE_OPEN = (
    "mantap",
    "hebat",
    "keren",
    "luar biasa",
    "salut",
    "top",
    "bangga",
    "juara",
    "terima kasih",
    "makasih",
    "selamat",
    "canggih",
    "prestasi",
    "alhamdulillah",
    "sip",
    "good job",
)
POS_EMOJI = ("👍", "🙏", "😊", "👏", "❤️", "🥰", "💯", "✨", "😁", "🤩")

# --- negative ----------------------------------------------------------------------------------------
NEG_PRED = (
    "lambat",
    "lelet",
    "lemot",
    "ribet",
    "berbelit-belit",
    "judes",
    "jutek",
    "ketus",
    "cuek",
    "kacau",
    "amburadul",
    "semrawut",
    "mengecewakan",
    "buruk",
    "parah",
    "payah",
    "menyebalkan",
    "asal-asalan",
    "tidak becus",
    "molor",
    "semaunya",
    "bikin emosi",
    "mempersulit",
)
SITUATIONS = (
    "antre dari subuh belum juga dipanggil",
    "sudah tiga jam menunggu nomor saya tidak dipanggil-panggil",
    "sistemnya offline terus dari pagi",
    "berkas saya katanya hilang",
    "disuruh datang lagi minggu depan tanpa alasan",
    "petugasnya asyik main HP waktu jam kerja",
    "dilempar dari loket satu ke loket lain",
    "kuota antrean habis jam tujuh pagi",
    "aplikasinya error pas mau bayar",
    "call center tidak pernah diangkat",
    "{doc} saya sudah tiga bulan belum jadi",
    "air mati dua hari tanpa pemberitahuan",
    "dimintai uang pelicin biar cepat",
    "website-nya down setiap akhir bulan",
    "tagihan naik terus padahal airnya keruh",
    "pengajuan saya ditolak tanpa penjelasan",
    "blangko kosong terus sejak bulan lalu",
    "loket sudah tutup padahal belum jam dua",
    "jawaban admin cuma template, masalah tidak selesai",
    "disuruh fotokopi ulang berkas yang sama lima kali",
    "uang saya terpotong dua kali dan belum dikembalikan",
    "petugasnya membentak lansia di depan antrean",
    "saya bolak-balik empat kali cuma untuk satu tanda tangan",
    "pesan saya cuma dibaca, tidak dibalas",
    "dijanjikan selesai seminggu, sudah sebulan belum ada kabar",
    "parkirnya dipungut liar di depan kantor",
    "ruang tunggunya panas dan pengap, kursinya kurang",
    "nomor pengaduan tidak aktif",
    "pencairan dana saya tertahan tanpa kejelasan",
    "data saya salah ketik dan harus mengurus dari awal",
    # 2026-12-02 (b): waiting durations, "belum ... juga", repeats, outages that go on, being sent around
    "baru dilayani setelah {hours} jam berdiri di luar",
    "{hours} jam duduk di ruang tunggu baru dipanggil",
    "{months} bulan {doc} saya belum jadi juga",
    "sudah {visits} kali bolak-balik, berkas belum diterima juga",
    "disuruh balik lagi besok karena sistemnya down",
    "laman pendaftarannya error terus tiap jam sibuk",
    "aplikasinya lemot terus dari pagi",
    "lagi-lagi listrik di kantor mati dan layanan berhenti",
    "dioper dari satu meja ke meja lain, ujungnya disuruh datang lagi",
    "laporan saya dari {months} bulan lalu belum ditanggapi juga",
    "tiap datang persyaratannya beda lagi",
    "server down lagi pas hari terakhir pembayaran",
    "chat ke admin baru dibalas {days} hari kemudian",
    "sudah {visits} kali ditolak dengan alasan yang berganti-ganti",
    "kartu saya dicetak ulang {visits} kali, salah terus",
    "nomor antrean online tidak berlaku, disuruh ambil lagi dari awal",
    "{days} hari ini air keran cuma angin",
    "lampu jalan di kampung kami padam {months} bulan, sudah lapor berkali-kali",
)
# Situations composed of a thing and what went wrong (or right) with it, and when: so that no fixed
# sentence carries the polarity, only the combination.
THINGS = (
    (
        "nomor antrean saya",
        ("belum dipanggil", "dilewati terus", "tidak terbaca di mesin"),
        ("langsung dipanggil", "dipanggil sesuai urutan"),
    ),
    (
        "berkas saya",
        ("hilang", "dikembalikan lagi", "belum diproses", "nyangkut di meja pimpinan", "ditolak lagi"),
        ("diproses hari itu juga", "diperiksa dan langsung diterima"),
    ),
    (
        "{doc} saya",
        ("belum jadi", "salah cetak", "masih tertahan", "tidak kunjung selesai"),
        ("jadi tepat waktu", "selesai lebih cepat dari janji"),
    ),
    (
        "aplikasinya",
        ("error", "ngadat", "tidak bisa login", "minta update terus", "keluar sendiri"),
        ("lancar dipakai", "gampang dipakai orang tua"),
    ),
    ("air di rumah", ("mati", "keruh", "cuma menetes"), ("mengalir lagi", "jernih")),
    (
        "petugasnya",
        ("tidak ada di tempat", "istirahat sejak jam sebelas", "sibuk ngobrol", "pulang duluan"),
        ("standby dari pagi", "menjelaskan dengan sabar"),
    ),
    ("dokternya", ("tidak datang", "telat dua jam"), ("datang tepat waktu", "memeriksa dengan teliti")),
    ("telepon pengaduan", ("tidak diangkat", "selalu sibuk", "tidak aktif"), ("langsung diangkat",)),
    ("pesan saya", ("tidak dibalas", "cuma dibaca"), ("dibalas cepat", "dijawab lengkap")),
    ("loketnya", ("tutup", "cuma satu yang buka", "kosong tanpa petugas"), ("buka tepat jam delapan",)),
    ("mesin antrean", ("rusak", "mati lagi"), ("berfungsi baik",)),
    ("blangkonya", ("habis", "belum datang"), ("tersedia",)),
    ("dana bantuan", ("belum cair", "dipotong tanpa alasan"), ("cair tepat waktu", "masuk utuh")),
    ("printer loket", ("rusak", "kehabisan tinta"), ("sudah diganti baru",)),
)
WHEN = (
    "dari pagi",
    "sejak subuh",
    "sudah {hours} jam",
    "dua minggu ini",
    "sudah sebulan",
    "dari kemarin",
    "",
    "lagi",
    "untuk kesekian kalinya",
    "tiap hari",
    "sejak {months} bulan lalu",
    "hari ini",
    "terus",
    "terus-terusan",
    "sampai sekarang",
    "{months} bulan ini",
    "lagi dan lagi",
)


@lru_cache(maxsize=1)
def world() -> dict[str, tuple[str, ...]]:
    """The hand-written world resource by kind (sarcasm, praise, complaint, neutral, bad, fixed), in order."""
    out: dict[str, list[str]] = {}
    for line in WORLD.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, text = line.split("\t", 1)
            out.setdefault(kind, []).append(text)
    return {kind: tuple(texts) for kind, texts in out.items()}


def _situation(rng: random.Random, good: bool = False) -> str:
    """A fixed complaint situation, a fact of the world (what is bad or was fixed about a road, a flood, an
    outage...), or one composed of a thing, what went wrong (right, ``good``) and when."""
    if rng.random() < 0.5:
        return rng.choice(world()["fixed" if good else "bad"])
    if not good and rng.random() < 0.4:
        return _fill(rng.choice(SITUATIONS), rng)
    thing, bad, fine = rng.choice(THINGS)
    what = rng.choice(fine if good else bad)
    when = rng.choice(WHEN)
    text = f"{when} {thing} {what}" if rng.random() < 0.3 else f"{thing} {what} {when}"
    return _fill(text, rng)


NEG_TAILS = (
    "kecewa berat",
    "capek banget",
    "tolong dibenahi",
    "kapan mau diperbaiki?",
    "sudah muak",
    "payah",
    "bikin emosi",
    "rugi waktu dan uang",
    "buang-buang cuti",
    "kasihan warga kecil",
    "sungguh keterlaluan",
    "malu-maluin",
    "percuma ada aplikasi",
    "tidak profesional",
    "parah",
)
NEG_EMOJI = ("😡", "😤", "👎", "😠", "😭", "😩", "💢", "🤬", "😞", "😒")

# --- sarcasm: praise words over a complaint -------------------------------------------------------------
SARC_OPEN = (
    "mantap",
    "mantap jiwa",
    "hebat",
    "hebat ya",
    "keren",
    "keren banget",
    "luar biasa",
    "top",
    "salut",
    "prestasi",
    "bagus ya",
    "juara",
    "sempurna",
    "wah canggih",
    "the best",
    "terima kasih",
    "makasih loh",
    "good job",
    "amazing",
    "pelayanan bintang lima",
    "patut dicontoh",
    "sungguh membanggakan",
    "lanjutkan",
    "selamat",
    "luar biasa memang",
    "tepuk tangan",
    "mantul",
    "sip",
    "top deh",
    "keren kok",
    "hebat deh",
    "pintar",
    "cakep",
    "wow",
    "makasih",
    "terima kasih banyak",
)
SARC_EMOJI = ("🙃", "🙄", "👏👏", "😂", "🤡", "😑", "😏", "🤣", "👍👍👍", "👏", "🙏", "🙂", "👍")
# Particles that turn praise over a complaint ironic, or nothing.
SARC_MARKERS = ("ya", "deh", "kok", "lho", "sih", "memang", "banget ya", "", "")
# What "thanks for making me ..." goes on to say.
ORDEALS = (
    "antre dari subuh",
    "datang ke sini {visits} kali untuk satu berkas",
    "menunggu {hours} jam tanpa kepastian",
    "ambil cuti {days} hari cuma untuk urus {doc}",
    "hafal semua loket karena dioper ke sana kemari",
    "begadang memantau website yang down terus",
    "datang lagi besok, lusa, dan minggu depan",
    "mengisi formulir yang sama {visits} kali",
    "menelepon call center {visits} kali tanpa diangkat",
    "menunggu {doc} selama {months} bulan",
)
SARC_FRAMES = (
    "{open}, {situation}",
    "{open} {office}, {situation} {emoji}",
    "{open} {office} {city}. {situation}",
    "{situation}. {open} {emoji}",
    "wah {open}, {situation}",
    "{open} pelayanannya, {situation}",
    "terima kasih {office} sudah mengajari saya sabar: {situation}",
    "{service} {office} memang juara, juara lambatnya {emoji}",
    "gesit ya, cuma {hours} jam antre {emoji}",
    "hebat, {months} bulan mengurus {doc} belum selesai juga",
    "{open}! {situation}, benar-benar pelayanan kelas dunia",
    "pelayanan prima katanya, {situation}",
    "katanya sudah digital, {situation} {emoji}",
    "ramah sekali petugasnya, sampai membentak warga {emoji}",
    "saking cepatnya, {doc} saya jadi setelah {months} bulan",
    "bangga deh sama {office}, {situation}",
    "sukses terus {office}, sukses bikin warga menunggu {emoji}",
    "inovasi terbaru {office}: {situation} {emoji}",
    "{office} memang the best kalau soal bikin orang menunggu",
    "luar biasa sabarnya saya, {hours} jam di {office} tanpa kepastian",
    # 2026-12-02 (b): a marker particle, an ordeal thanked for, praise or an emoji after the complaint
    "{open} {marker}, {situation}",
    "{open} {marker} {office}, {situation} {emoji}",
    "{situation}, {open} {marker} {emoji}",
    "{situation} {emoji}",
    "{situation}. {open} {marker}",
    "makasih {marker} {office}, sudah bikin saya {ordeal}",
    "terima kasih {office}, berkat kalian saya {ordeal} {emoji}",
    "{open} {marker}, saya sampai {ordeal}",
    "sekali lagi {situation}. {open} {marker} {emoji}",
    "{open} {marker}, lagi-lagi {situation}",
    "{office} {open} {marker}, {months} bulan {doc} belum jadi juga {emoji}",
)

# --- questions and announcements (neutral) ------------------------------------------------------------
Q_PREFIX = (
    "",
    "min, ",
    "kak, ",
    "permisi, ",
    "mohon info, ",
    "halo admin, ",
    "maaf mau tanya, ",
    "admin, ",
    "selamat pagi, ",
    "mau nanya dong, ",
    "pak, ",
    "bu, ",
)
Q_SUFFIX = ("?", " ya?", " kak?", "? 🙏", "? terima kasih", " min?", "??", " ya min?", "? mohon infonya")
QUESTIONS = (
    "jam berapa {office} {city} buka hari Sabtu",
    "syarat membuat {doc} apa saja",
    "layanan {doc} sudah tersedia daring belum",
    "bagaimana cara memperpanjang {doc}",
    "berapa biaya penerbitan {doc}",
    "di mana alamat {office} {city}",
    "kapan {doc} saya bisa diambil",
    "apakah pengurusan {doc} boleh diwakilkan keluarga",
    "kontak WhatsApp resmi {office} yang bisa dihubungi apa",
    "kalau {doc} hilang, langkah pertamanya apa",
    "apakah hari libur nasional {office} tetap buka",
    "{doc} biasanya selesai dalam berapa hari kerja",
    "apakah bisa bayar {doc} pakai QRIS",
    "unduhan formulir {doc} ada di laman apa",
    "apakah harus membawa fotokopi atau cukup berkas asli",
    "kuota antrean online dibuka jam berapa",
    "bisakah mengurus {doc} di luar domisili",
    "apakah ada layanan jemput bola untuk lansia di {city}",
    "kalau NIK belum terdaftar, harus lapor ke mana",
    "siapa yang bisa dihubungi untuk cek status {doc}",
    "apa bedanya layanan reguler dan layanan percepatan",
    "mulai tanggal berapa pendaftaran dibuka",
    "apakah {office} {city} melayani pada jam istirahat",
    "untuk {doc} perlu surat pengantar RT tidak",
    "link pendaftaran antrean {office} yang benar yang mana",
)
ANNOUNCE = (
    "{office} {city} membuka layanan {doc} pada hari Sabtu pukul 08.00-12.00 WIB.",
    "Pengumuman: layanan {doc} di {office} {city} dialihkan ke gedung baru mulai {date}.",
    "Jadwal pelayanan {office} selama libur {holiday}: tanggal {date} layanan tutup, "
    "dibuka kembali keesokan harinya.",
    "Pendaftaran antrean {doc} dapat dilakukan melalui aplikasi resmi mulai pukul 07.00.",
    "Wajib pajak dapat menyampaikan SPT tahunan melalui e-Filing sampai {date}.",
    "Info: pembayaran {doc} dapat dilakukan di loket bank, kantor pos dan minimarket.",
    "Sosialisasi {topic} akan diadakan di aula {office} {city} pada {date}.",
    "Layanan keliling perekaman KTP elektronik hadir di kelurahan {city} hari {day}.",
    "Batas akhir pembayaran {doc} jatuh pada {date}.",
    "Mulai {date}, pengambilan {doc} di {office} menggunakan nomor antrean daring.",
    "{office} {city} menerima pengaduan melalui nomor WhatsApp resmi pada jam kerja.",
    "Pemeliharaan sistem dilaksanakan {date} pukul 22.00-02.00; "
    "layanan daring {doc} sementara tidak tersedia.",
    "Berikut persyaratan pengurusan {doc}: fotokopi KTP, KK, dan pas foto berwarna.",
    "Rapat koordinasi {topic} dihadiri perwakilan {office} dan pemerintah daerah {city}.",
    "Pelayanan {doc} di {office} {city} pada bulan puasa dimulai pukul 08.00 dan berakhir pukul 14.00.",
    "Hari ini {office} {city} melayani {n} pemohon {doc}.",
    "Kepala {office} {city} melantik {n} pejabat pengawas pada {date}.",
    "Warga diimbau memeriksa status {doc} melalui laman resmi sebelum datang ke kantor.",
    "Penyaluran bantuan sosial tahap kedua di {city} dijadwalkan pada {date}.",
    "{office} {city} menyediakan loket khusus bagi penyandang disabilitas dan lansia.",
    "Rekapitulasi realisasi anggaran triwulan III telah disampaikan oleh {office} {city}.",
    "Tarif layanan {doc} mengikuti peraturan pemerintah yang berlaku.",
)
TOPICS = (
    "pajak daerah",
    "administrasi kependudukan",
    "jaminan kesehatan",
    "keselamatan berlalu lintas",
    "imunisasi anak",
    "pencegahan stunting",
    "perizinan berusaha",
    "pengelolaan air bersih",
    "pelaporan keuangan satuan kerja",
    "tertib administrasi pertanahan",
)
HOLIDAYS = ("Idulfitri", "Natal", "Tahun Baru", "Iduladha", "Nyepi", "Waisak", "Tahun Baru Imlek")
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu")
MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)

# --- code-mixing --------------------------------------------------------------------------------------
CODEMIX_POS = (
    "{service} {office} fast response banget, thank you",
    "petugasnya helpful dan friendly, recommended",
    "prosesnya smooth, no drama, {doc} langsung jadi",
    "worth it banget urus {doc} di {office} {city}",
    "overall experience di {office} good, antreannya well organized",
    "super helpful, makasih {office} {emoji}",
    "impressed sama {service} {office}, very professional",
    "so far the best {office} yang pernah saya datangi",
    "love the new system, {doc} jadi gampang",
    "highly recommended, staff {office} {city} sabar banget",
    "respect buat petugas {office}, kerjanya efficient",
    "thank you so much, {doc} saya beres on time",
)
CODEMIX_NEG = (
    "{service} {office} slow response banget, disappointed",
    "worst experience ever urus {doc} di {office}",
    "staff-nya rude, totally unprofessional",
    "server-nya down lagi pas jam sibuk, so annoying {emoji}",
    "zero info, no update, {doc} saya entah di mana",
    "nunggu forever, {service} {office} useless",
    "really bad service, {situation}",
    "not recommended, {situation}",
    "customer service {office} not responding sama sekali",
    "so frustrating, {situation}",
    "such a waste of time, {situation}",
    "what a mess, {office} {city} chaos banget hari ini",
)

# --- hand-written sentences (label, category, text) -------------------------------------------------
HAND_WRITTEN = (
    ("positive", "praise", "Alhamdulillah, urusan balik nama kendaraan selesai sebelum zuhur."),
    ("positive", "praise", "Pak satpam di depan kantor membantu bapak saya naik tangga, terima kasih."),
    ("positive", "praise", "Baru kali ini bikin paspor tidak pakai calo dan cepat."),
    ("positive", "praise", "Bidan di puskesmas kami sabar menjawab semua pertanyaan ibu-ibu."),
    ("positive", "praise", "Pengaduan kebocoran pipa kemarin sore, pagi ini sudah ditambal. Mantap!"),
    ("positive", "praise", "Senang sekali, bantuan untuk nenek akhirnya cair tepat waktu."),
    ("positive", "praise", "Petugas kelurahan datang ke rumah untuk rekam KTP ayah yang stroke. Terharu."),
    ("positive", "praise", "Loket pajak kendaraan sekarang ada drive thru, praktis sekali!"),
    ("positive", "praise", "Sekarang urus akta anak cukup lewat HP, jadi hemat waktu. Top!"),
    ("positive", "praise", "Proses klaim rawat inap lancar, keluarga kami sangat terbantu."),
    ("positive", "praise", "Respons admin cepat dan sopan, masalah tagihan saya langsung selesai!"),
    ("positive", "praise", "Kantor desa kami sekarang rapi, ada papan alur layanan yang jelas."),
    ("negative", "complaint", "Dari jam tujuh di sini, yang datang belakangan malah dipanggil duluan."),
    ("negative", "complaint", "Tiga minggu tidak ada air bersih, warga terpaksa beli air galon."),
    ("negative", "complaint", "Antrean mengular sampai parkiran, tidak ada satu pun petugas mengatur."),
    ("negative", "complaint", "Sudah lapor jalan berlubang berkali-kali, sampai sekarang tidak ditambal."),
    ("negative", "complaint", "Nomor antrean online saya tidak diakui, disuruh ambil manual dari awal."),
    ("negative", "complaint", "Obat di apotek puskesmas kosong lagi, disuruh beli di luar."),
    ("negative", "complaint", "Sudah bayar denda tapi status di aplikasi masih belum lunas."),
    ("negative", "complaint", "Petugas bilang syaratnya kurang, padahal di website tidak disebutkan."),
    ("negative", "sarcasm", "Memang hebat, kantor pelayanan tapi pelayanannya tidak ada."),
    ("negative", "sarcasm", "Selamat, rekor baru: lima jam duduk di ruang tunggu."),
    ("negative", "sarcasm", "Luar biasa, satu loket dibuka untuk dua ratus orang."),
    ("negative", "sarcasm", "Canggih, daftar online tapi tetap disuruh antre fisik."),
    ("negative", "sarcasm", "Terima kasih atas pemadaman air yang rutin setiap hari."),
    ("negative", "sarcasm", "Keren, sekarang KTP jadi dalam hitungan bulan."),
    ("neutral", "question", "Untuk balik nama sertifikat warisan, dokumen apa saja yang dibawa?"),
    ("neutral", "question", "Apakah layanan ini berlaku juga untuk warga pendatang?"),
    ("neutral", "question", "Kalau rekening air atas nama pemilik lama, bagaimana mengubahnya?"),
    ("neutral", "question", "Pengambilan paspor bisa hari Sabtu atau hanya hari kerja?"),
    ("neutral", "announcement", "Layanan pengaduan masyarakat tersedia setiap hari kerja pukul 08.00-16.00."),
    (
        "neutral",
        "announcement",
        "Pemadaman air terjadwal di wilayah utara berlangsung Kamis pukul 09.00-15.00.",
    ),
    ("neutral", "announcement", "Pemerintah kota membuka seleksi petugas pendamping desa tahun ini."),
    ("neutral", "announcement", "Nomor antrean daring berlaku satu hari sesuai tanggal yang dipilih."),
)


def _slangify(text: str, rng: random.Random) -> str:
    """Chat spelling: common abbreviations, dropped vowels, a doubled or swapped letter, elongation."""
    swaps = (
        ("tidak ", rng.choice(("gak ", "ga ", "gk ", "nggak ", "tdk "))),
        ("banget", rng.choice(("bgt", "bngt"))),
        ("sudah", rng.choice(("udah", "udh", "sdh"))),
        ("yang", "yg"),
        ("terima kasih", rng.choice(("makasih", "trims", "tq", "mksh"))),
        ("saya", rng.choice(("sy", "aku", "gue"))),
        ("belum", "blm"),
        ("dengan", "dgn"),
        ("untuk", "utk"),
        ("karena", "krn"),
        ("sekali", "bener"),
        ("cepat", "cepet"),
        ("juga", "jg"),
        ("lagi", "lg"),
        ("bagaimana", "gimana"),
        ("sampai", "sampe"),
        ("mantap", "mantul"),
        ("hanya", "cuma"),
        ("pelayanan", rng.choice(("pelayanan", "pelayan", "plyanan"))),
    )
    for old, new in swaps:
        if old in text and rng.random() < 0.7:
            text = text.replace(old, new)
    words = text.split(" ")
    if len(words) > 2 and rng.random() < 0.5:
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 4 and w.isalpha():
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    if rng.random() < 0.4:
        i = rng.randrange(len(words))
        w = words[i]
        if w and w[-1] in "aiueo" and w.isalpha():
            words[i] = w + w[-1] * rng.randint(2, 4)
    text = " ".join(words)
    return text.lower() if rng.random() < 0.7 else text


def _fill(template: str, rng: random.Random) -> str:
    values = {
        "office": rng.choice(OFFICES),
        "city": rng.choice(CITIES),
        "service": rng.choice(SERVICES),
        "doc": rng.choice(DOCUMENTS),
        "topic": rng.choice(TOPICS),
        "holiday": rng.choice(HOLIDAYS),
        "day": rng.choice(DAYS),
        "date": f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
        "n": str(rng.randint(40, 400)),
        "hours": str(rng.randint(3, 9)),
        "months": str(rng.randint(2, 8)),
        "visits": rng.choice(("tiga", "empat", "lima", "enam", "3", "4", "5", "7")),
        "days": rng.choice(("dua", "tiga", "lima", "2", "3", "4")),
        "emoji": "",
        "situation": "",
        "ordeal": "",
    }
    if "{situation}" in template:
        values["situation"] = _situation(rng)
    if "{ordeal}" in template:
        values["ordeal"] = _fill(rng.choice(ORDEALS), rng)
    text = template.format(**values)
    return " ".join(text.split())


def _cap(text: str, rng: random.Random) -> str:
    return text[0].upper() + text[1:] if rng.random() < 0.5 and text else text


def _praise(rng: random.Random) -> str:
    office, city, service = rng.choice(OFFICES), rng.choice(CITIES), rng.choice(SERVICES)
    pred = rng.choice(POS_PRED)
    frames = (
        f"{service} {office} {city} {pred}",
        f"{rng.choice(THANKS)} {office} {city}, {_fill(rng.choice(POS_EVENTS), rng)}",
        f"{_fill(rng.choice(POS_EVENTS), rng)}, {service}nya {pred}",
        f"urus di {office} ternyata {pred}, {_fill(rng.choice(POS_EVENTS), rng)}",
        f"puas dengan {service} {office}, {pred} dan {rng.choice(POS_PRED)}",
        f"{service} di {office} sekarang {pred}, beda dengan dulu",
        f"salut, {service} {office} {pred}",
        f"{office} {city} keren, {_fill(rng.choice(POS_EVENTS), rng)}",
        f"{rng.choice(THANKS)} {office}, {service}nya {pred} sekali",
        f"{service}nya {pred} banget, {_fill(rng.choice(POS_EVENTS), rng)}",
        f"{pred} sekali {service} di {office} {city}, {_fill(rng.choice(POS_EVENTS), rng)}",
        f"sangat {pred}, {_fill(rng.choice(POS_EVENTS), rng)}",
        f"{rng.choice(THANKS)} {office}, {_situation(rng, good=True)}",
        f"{_situation(rng, good=True)}, {service} {office} {pred}",
        f"pengalaman baik di {office}: {_fill(rng.choice(POS_EVENTS), rng)}",
        # 2026-12-02 (b): praise of a complaint that is over, so that praise with a complaint word is not
        # always sarcasm
        f"dulu antre berjam-jam, sekarang cuma {rng.randint(5, 20)} menit. {rng.choice(THANKS)} {office}",
        f"{rng.choice(THANKS)} {office}, sekarang tidak perlu bolak-balik lagi",
        f"{rng.choice(THANKS)} {office}, {rng.choice(DOCUMENTS)} saya jadi dalam {rng.randint(1, 3)} hari",
        f"sekarang {rng.choice(('aplikasinya', 'websitenya', 'sistemnya'))} tidak error lagi, {pred}",
        f"akhirnya {rng.choice(DOCUMENTS)} saya jadi, {rng.choice(THANKS)} petugas {office} yang {pred}",
        f"walau ramai, {service} {office} tetap {pred}",
        f"tidak ada lagi calo di {office}, {service}nya {pred}",
        # 2026-12-03 (decision 0105): sarcasm's openings said sincerely, over a fact that is good or was fixed
        f"{rng.choice(SINCERE_OPEN)}, {_situation(rng, good=True)}",
        f"{rng.choice(SINCERE_OPEN)} {office} {city}, {_situation(rng, good=True)}",
        f"{_situation(rng, good=True)}. {rng.choice(SINCERE_OPEN)} {rng.choice(POS_EMOJI)}",
    )
    text = rng.choice(frames)
    end = rng.random()
    if end < 0.3:
        text += "!"
    elif end < 0.55:
        text += " " + rng.choice(POS_EMOJI)
    elif end < 0.65:
        text += "."
    return _cap(text, rng)


def _complaint(rng: random.Random) -> str:
    office, city, service = rng.choice(OFFICES), rng.choice(CITIES), rng.choice(SERVICES)
    situation = _situation(rng)
    frames = (
        f"{service} {office} {city} {rng.choice(NEG_PRED)}",
        f"{situation} di {office} {city}, {rng.choice(NEG_TAILS)}",
        f"{office} {city}: {situation}",
        f"{service} {office} {rng.choice(NEG_PRED)}, {situation}",
        f"tolong {office} {city}, {situation}",
        f"lagi-lagi {situation}, {rng.choice(NEG_TAILS)}",
        f"{situation}. {service}nya {rng.choice(NEG_PRED)}",
        f"kecewa dengan {office}, {situation}",
    )
    text = rng.choice(frames)
    end = rng.random()
    if end < 0.25:
        text += "!"
    elif end < 0.5:
        text += " " + rng.choice(NEG_EMOJI)
    elif end < 0.6:
        text += "."
    return _cap(text, rng)


def _sarcasm(rng: random.Random) -> str:
    template = rng.choice(SARC_FRAMES)
    template = template.replace("{open}", rng.choice(SARC_OPEN)).replace("{emoji}", rng.choice(SARC_EMOJI))
    marker = rng.choice(SARC_MARKERS)
    if template.split("{marker}")[0].split()[-1:] in (["ya"], ["deh"], ["kok"], ["loh"]):
        marker = ""  # the opening word already carries a particle ("hebat ya", "makasih loh")
    text = _fill(template.replace("{marker}", marker), rng).replace(" ,", ",").replace(" .", ".")
    return _cap(text, rng)


def _negation(rng: random.Random) -> tuple[str, str]:
    office, service = rng.choice(OFFICES), rng.choice(SERVICES)
    neg = rng.choice(("tidak", "tidak", "gak", "nggak", "ga", "enggak", "bukan", "kurang", "belum", "tak"))
    if rng.random() < 0.5:  # a negated positive: negative
        if neg == "belum":
            text = rng.choice(
                (
                    f"sudah sebulan {rng.choice(DOCUMENTS)} saya belum juga diproses",
                    f"laporan saya ke {office} belum ada tindak lanjut",
                    f"{service} {office} belum pernah tepat waktu",
                    f"sampai hari ini belum ada kejelasan dari {office}",
                )
            )
        elif neg == "bukan":
            text = rng.choice(
                (
                    f"ini bukan pelayanan yang layak untuk warga, {office}",
                    f"jawaban {service} {office} bukan solusi sama sekali",
                    f"{office} bukan tempat yang ramah untuk lansia",
                )
            )
        else:
            pred = rng.choice(POS_PRED)
            text = rng.choice(
                (
                    f"{service} {office} {neg} {pred}",
                    f"{service}nya {neg} {pred} sama sekali",
                    f"sayang {service} {office} {neg} {pred}",
                    f"informasi di {office} {neg} jelas, bikin bingung",
                    f"{service} {office} {neg} membantu, malah disuruh pulang",
                    f"{neg} {pred}, {service} {office} perlu banyak belajar",
                )
            )
        label = "negative"
    else:  # a negated negative: positive
        if neg in ("belum", "bukan", "kurang"):
            text = rng.choice(
                (
                    f"belum pernah dilayani serapi ini di {office}",
                    f"bukan main, {service} {office} sekarang cepat",
                    f"seumur hidup belum pernah urus {rng.choice(DOCUMENTS)} semudah ini",
                    f"bukan basa-basi, {office} memang membantu warga",
                )
            )
        else:
            pred = rng.choice(
                (
                    "ribet",
                    "lama",
                    "berbelit-belit",
                    "judes",
                    "mengecewakan",
                    "sulit",
                    "mahal",
                    "bertele-tele",
                    "dipersulit",
                    "dipungut biaya",
                    "antre lama",
                    "kecewa",
                )
            )
            text = rng.choice(
                (
                    f"{service} {office} {neg} {pred}, terima kasih",
                    f"ternyata urus di {office} {neg} {pred}",
                    f"{neg} {pred} sama sekali, {service} {office} oke",
                    f"alhamdulillah {neg} {pred} lagi seperti dulu",
                    f"sekarang {office} {neg} {pred}, semoga dipertahankan",
                    f"{service}nya {neg} {pred}, saya puas",
                )
            )
        label = "positive"
    end = rng.random()
    text += "!" if end < 0.15 else ("." if end < 0.3 else "")
    return _cap(text, rng), label


def _intensifier(rng: random.Random) -> tuple[str, str]:
    office, service = rng.choice(OFFICES), rng.choice(SERVICES)
    if rng.random() < 0.5:
        pred = rng.choice(POS_PRED)
        text = rng.choice(
            (
                f"{service} {office} sangat {pred}",
                f"{service} {office} {pred} banget",
                f"{service}nya {pred} sekali, terima kasih",
                f"benar-benar {pred}, {service} {office} patut dicontoh",
                f"{office} super {pred} hari ini",
                f"{service} {office} paling {pred} se-{rng.choice(CITIES)}",
                f"amat {pred}, benar-benar menolong warga",
                f"{pred} sekali prosesnya, saya sangat puas",
            )
        )
        label = "positive"
    else:
        pred = rng.choice(NEG_PRED)
        text = rng.choice(
            (
                f"{service} {office} sangat {pred}",
                f"{service} {office} {pred} banget",
                f"{service}nya {pred} sekali, capek",
                f"benar-benar {pred}, {service} {office}",
                f"parah banget {office} hari ini, {pred}",
                f"{service} {office} paling {pred} dibanding kantor lain",
                f"sungguh {pred}, sangat mengecewakan",
                f"terlalu {pred}, {office} harus berbenah",
            )
        )
        label = "negative"
    return _cap(text, rng), label


def _question(rng: random.Random) -> str:
    text = rng.choice(Q_PREFIX) + _fill(rng.choice(QUESTIONS), rng) + rng.choice(Q_SUFFIX)
    return _cap(text, rng)


def _announcement(rng: random.Random) -> str:
    return _fill(rng.choice(ANNOUNCE), rng)


def _codemix(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.5:
        text = _fill(rng.choice(CODEMIX_POS).replace("{emoji}", rng.choice(POS_EMOJI)), rng)
        return _cap(text, rng), "positive"
    text = _fill(rng.choice(CODEMIX_NEG).replace("{emoji}", rng.choice(NEG_EMOJI)), rng)
    return _cap(text, rng), "negative"


# Items per category (the generated part); the hand-written sentences come on top.
COUNTS = {
    "praise": 600,
    "complaint": 380,
    "sarcasm": 720,
    "negation": 330,
    "intensifier": 260,
    "question": 330,
    "announcement": 280,
    "slang_typos": 260,
    "code_mixing": 260,
}


def generate(seed: int = SEED) -> list[dict[str, str]]:
    """The resource's rows (text, label, category), deterministic for a seed; texts are unique once
    normalized (the first one kept)."""
    from humas.nlp.normalize import normalize

    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()

    def add(text: str, label: str, category: str) -> None:
        key = normalize(text)
        if key not in seen:
            seen.add(key)
            rows.append({"text": text, "label": label, "category": category})

    for label, category, text in HAND_WRITTEN:
        add(text, label, category)
    for source, label in WORLD_KINDS.items():
        for text in world()[source]:
            category = source
            if source == "neutral":
                category = "question" if text.endswith("?") else "announcement"
            add(text, label, category)
            if source != "neutral" and rng.random() < 0.3:  # a chat-spelt copy
                add(_slangify(text, rng), label, category)
    for category, count in COUNTS.items():
        for _ in range(count):
            if category == "praise":
                add(_praise(rng), "positive", category)
            elif category == "complaint":
                add(_complaint(rng), "negative", category)
            elif category == "sarcasm":
                add(_sarcasm(rng), "negative", category)
            elif category == "negation":
                add(*_negation(rng), category)
            elif category == "intensifier":
                add(*_intensifier(rng), category)
            elif category == "question":
                add(_question(rng), "neutral", category)
            elif category == "announcement":
                add(_announcement(rng), "neutral", category)
            elif category == "slang_typos":
                kind = rng.random()
                if kind < 0.45:
                    add(_slangify(_praise(rng), rng), "positive", category)
                elif kind < 0.8:
                    add(_slangify(_complaint(rng), rng), "negative", category)
                else:
                    add(_slangify(_question(rng), rng), "neutral", category)
            else:
                add(*_codemix(rng), category)
    return rows


def serialize(rows: list[dict[str, str]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)


def load(path: Path = RESOURCE) -> tuple[list[str], list[str]]:
    """Texts and labels of the committed resource."""
    texts, labels = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts.append(row["text"])
            labels.append(row["label"])
    return texts, labels


if __name__ == "__main__":  # pragma: no cover - rewrites the committed resource
    RESOURCE.write_text(serialize(generate()), encoding="utf-8")
    print(f"{RESOURCE}: {len(generate())} rows")
