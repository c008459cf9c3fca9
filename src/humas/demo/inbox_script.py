# ruff: noqa: E501 (a table of texts)
"""What the public writes to the demo units in a week, and what staff do with it (texts written for humas).

``age``: working hours of the unit between the first message and now (about 8 a day), so the deadline
states come out the same on any day the demo is built: under the LAPOR! preset (first answer within 3
working days, at risk after 75% of it) a thread left open at about 20-27 working hours is at risk and one
past about 30 is missed. That holds while the office works: built after hours, the deadlines ending
that day have passed (missed) and none is at risk, as the clock says.

``plan``: what staff did —
``open`` nothing yet; ``assigned`` only given to someone; ``answered`` one reply; ``closed`` answered then
closed; ``waiting`` answered with a question (waiting on the public, the clock paused); ``reopened`` waiting,
then the citizen wrote again; ``pending`` a reply waits for a reviewer's approval; ``lapor`` answered and
forwarded to SP4N-LAPOR!; ``hide`` the abusive comment hidden with a reason and closed; ``spam`` closed.
"""

from __future__ import annotations

from dataclasses import dataclass

OFFICE = "KPPN Bandung I"
AUCTION = "KPKNL Makassar"
MINISTRY = "Kementerian Keuangan (Demo)"
_META = {"app_secret": "demo-app-secret", "verify_token": "demo-verify-token"}

# unit → platform → (account id, channel name, credential values): demo values, no platform behind them.
ACCOUNTS: dict[str, dict[str, tuple[str, str, dict[str, str]]]] = {
    OFFICE: {
        "facebook": ("100200300401", "Facebook KPPN Bandung I",
                     {"page_id": "100200300401", "page_access_token": "demo-page-token", **_META}),
        "instagram": ("17841400000000401", "Instagram @kppnbandung1",
                      {"ig_user_id": "17841400000000401", "access_token": "demo-ig-token", **_META}),
        "x": ("900000401", "X @kppnbandung1",
              {"user_id": "900000401", "username": "kppnbandung1", "bearer_token": "demo-x-app",
               "user_access_token": "demo-x-user"}),
        "whatsapp": ("106500000000401", "WhatsApp Layanan KPPN Bandung I",
                     {"phone_number_id": "106500000000401", "access_token": "demo-wa-token", **_META}),
        "telegram": ("7000000401", "Telegram @kppnbandung1_bot", {"bot_token": "7000000401:demo-bot-token"}),
        "youtube": ("UCdemoKPPNBandung1xxxxxx", "YouTube KPPN Bandung I",
                    {"channel_id": "UCdemoKPPNBandung1xxxxxx", "api_key": "demo-yt-key",
                     "access_token": "demo-yt-token"}),
    },
    AUCTION: {
        "facebook": ("100200300402", "Facebook KPKNL Makassar",
                     {"page_id": "100200300402", "page_access_token": "demo-page-token-2", **_META}),
        "instagram": ("17841400000000402", "Instagram @kpknlmakassar",
                      {"ig_user_id": "17841400000000402", "access_token": "demo-ig-token-2", **_META}),
        "whatsapp": ("106500000000402", "WhatsApp KPKNL Makassar",
                     {"phone_number_id": "106500000000402", "access_token": "demo-wa-token-2", **_META}),
    },
    MINISTRY: {
        "x": ("900000400", "X @kemenkeu_demo",
              {"user_id": "900000400", "username": "kemenkeu_demo", "bearer_token": "demo-x-app-0",
               "user_access_token": "demo-x-user-0"}),
        "youtube": ("UCdemoKemenkeuxxxxxxxxxx", "YouTube Kementerian Keuangan (Demo)",
                    {"channel_id": "UCdemoKemenkeuxxxxxxxxxx", "api_key": "demo-yt-key-0",
                     "access_token": "demo-yt-token-0"}),
    },
}  # fmt: skip

TEAM_MEMBERS = ("Sari Wulandari", "Agus Pratama")
TEMPLATE = (
    "Terima kasih, informasi layanan",
    "Terima kasih {nama} atas pertanyaannya. Layanan {unit} buka Senin–Kamis pukul 08.00–16.00 dan Jumat "
    "pukul 08.00–16.30 WIB, kecuali hari libur nasional dan cuti bersama. Nomor tiket Anda: {nomor_tiket}.",
    "pertanyaan",
)


@dataclass(frozen=True)
class Thread:
    unit: str
    platform: str
    kind: str  # comment (under a post of the unit) | mention | message (a direct message)
    author: str
    handle: str
    texts: tuple[str, ...]
    age: float
    plan: str
    reply: str = ""  # staff's answer (or the reason a comment was hidden)
    post: str = ""  # the unit's post a comment thread hangs under
    type_fix: str | None = None  # staff's correction of the suggested type
    answered_on_platform: bool = False  # typed on the platform: it comes back as the account's own item
    use_template: bool = False
    follow_up: str = ""
    lapor_title: str = ""


T = Thread
THREADS: tuple[Thread, ...] = (
    # --- KPPN Bandung I: Facebook comments under the office's posts ---
    T(OFFICE, "facebook", "comment", "Siti Rahmawati", "siti.rahmawati",
      ("Min, jam layanan KPPN Bandung I hari Jumat sampai jam berapa ya? Saya mau konsultasi pengajuan SPM.",),
      34, "closed", use_template=True, type_fix="pertanyaan",
      post="Jadwal layanan KPPN Bandung I bulan ini: Senin–Kamis 08.00–16.00, Jumat 08.00–16.30."),
    T(OFFICE, "facebook", "comment", "Dedi Kurniawan", "dedi.kurniawan",
      ("Antrean tadi pagi panjang sekali, saya datang jam 8 baru dilayani jam 11. Tolong tambah petugas loket.",),
      36, "assigned", type_fix="keluhan",
      post="Mulai pekan ini nomor antrean layanan dapat diambil secara daring. Simak caranya di situs resmi."),
    T(OFFICE, "facebook", "comment", "Rina Marlina", "rina.marlina",
      ("Terima kasih petugas CSO yang sabar menjelaskan revisi DIPA kemarin, pelayanannya ramah sekali.",),
      30, "closed", answered_on_platform=True, type_fix="apresiasi",
      reply="Terima kasih atas apresiasinya, Bu Rina. Kami terus berusaha memberikan layanan terbaik.",
      post="Dokumentasi layanan konsultasi revisi DIPA bagi satker mitra KPPN Bandung I."),
    T(OFFICE, "facebook", "comment", "Agus Salim", "agus.salim",
      ("Bagaimana cara daftar antrean online? Linknya tidak bisa dibuka dari HP.",),
      20, "waiting", type_fix="pertanyaan",
      reply="Mohon maaf atas kendalanya, Pak Agus. Boleh kami tahu HP dan peramban apa yang dipakai?",
      post="Antrean daring KPPN Bandung I kini bisa diakses melalui situs resmi."),
    T(OFFICE, "facebook", "comment", "Yuni Astuti", "yuni.astuti",
      ("Sudah 4 hari SP2D belum terbit padahal berkas lengkap. Nomor SPM kami 00123/2026. Mohon ditindaklanjuti.",
       "Kami sudah dua kali datang ke loket dan diminta menunggu tanpa kepastian."),
      28, "lapor", type_fix="aduan", lapor_title="SP2D belum terbit 4 hari setelah SPM lengkap",
      reply="Mohon maaf, Bu Yuni. Laporan Ibu kami teruskan ke SP4N-LAPOR! dan sedang kami periksa.",
      post="Pengingat: batas pengajuan SPM akhir tahun anggaran."),
    T(OFFICE, "facebook", "comment", "Promo Pinjol 88", "promo_pinjol88",
      ("PINJAMAN CEPAT CAIR 5 MENIT tanpa jaminan!!! Hubungi WA 0812-3456-7890 klik bit.ly/cair-cepat",),
      12, "spam", type_fix="spam", post="Selamat Hari Oeang ke-80! Terima kasih kepada seluruh mitra kerja."),
    T(OFFICE, "facebook", "comment", "Bambang Hartono", "bambang.h",
      ("Dasar pegawai malas semua, kerjanya cuma makan gaji buta! Bodoh kalian semua.",),
      8, "hide", type_fix="kasar", reply="Kata-kata kasar dan menghina petugas (pedoman komunitas).",
      post="Layanan KPPN Bandung I tetap buka selama renovasi ruang tunggu."),
    T(OFFICE, "facebook", "comment", "Lestari Wulandari", "lestari.w",
      ("Saran min, sebaiknya ada nomor antrean lewat WhatsApp supaya warga tidak perlu menunggu lama di lokasi.",),
      18, "answered", type_fix="saran",
      reply="Terima kasih atas sarannya, Bu Lestari. Usulan ini kami sampaikan kepada pimpinan.",
      post="Survei kepuasan layanan KPPN Bandung I semester II dibuka hingga akhir bulan."),
    # --- Instagram comments ---
    T(OFFICE, "instagram", "comment", "Andi Pratama", "andi.pratama",
      ("Kapan sosialisasi SAKTI berikutnya kak? Satker kami belum dapat undangan.",),
      24, "assigned", type_fix="pertanyaan",
      post="Sosialisasi aplikasi SAKTI untuk satker mitra telah dilaksanakan. Terima kasih atas partisipasinya!"),
    T(OFFICE, "instagram", "comment", "Dewi Lestari", "dewi_lestari87",
      ("Mantap, materinya jelas sekali. Ditunggu sesi berikutnya!",),
      22, "closed", answered_on_platform=True, type_fix="apresiasi",
      reply="Terima kasih, Kak Dewi! Jadwal sesi berikutnya kami umumkan di akun ini.",
      post="Materi bimbingan teknis penyusunan laporan keuangan bisa diunduh di tautan bio."),
    T(OFFICE, "instagram", "comment", "Hendra Wijaya", "hendra.wijaya",
      ("Min, ruang tunggu panas sekali, AC-nya mati dari minggu lalu. Kasihan yang antre bawa anak.",),
      26, "open", type_fix="keluhan", post="Suasana layanan tatap muka di KPPN Bandung I pagi ini."),
    T(OFFICE, "instagram", "comment", "Nurul Hidayah", "nurul.hidayah",
      ("Apakah bisa konsultasi online lewat Zoom? Kantor kami jauh di Garut.",),
      33, "reopened", type_fix="pertanyaan",
      reply="Bisa, Bu Nurul. Konsultasi daring dibuka setiap Selasa dan Kamis. Apakah Ibu ingin kami daftarkan?",
      follow_up="Baik min, mau. Daftarnya lewat email atau bagaimana?",
      post="Layanan konsultasi kini juga tersedia secara daring."),
    # --- X mentions ---
    T(OFFICE, "x", "mention", "Rudi Hermawan", "rudi_h",
      ("@kppnbandung1 websitenya error terus dari pagi, tidak bisa unduh formulir. Tolong dicek.",),
      38, "assigned", type_fix="keluhan"),
    T(OFFICE, "x", "mention", "Wulan Sari", "wulan_sari",
      ("@kppnbandung1 jam layanan saat cuti bersama akhir tahun buka atau tutup ya?",),
      14, "closed", type_fix="pertanyaan",
      reply="Halo Kak Wulan, layanan tutup pada cuti bersama dan buka kembali pada hari kerja berikutnya."),
    T(OFFICE, "x", "mention", "Bagus Setiawan", "bagus_tweet",
      ("@kppnbandung1 telepon kantor tidak pernah diangkat, sudah coba 10 kali. Ada nomor lain?",),
      4, "open", type_fix="keluhan"),
    T(OFFICE, "x", "mention", "Fajar Nugroho", "fajar_n",
      ("@kppnbandung1 terima kasih responsnya cepat kemarin, masalah pencairan kami sudah beres.",),
      10, "closed", type_fix="apresiasi", reply="Sama-sama, Kak Fajar. Senang bisa membantu!"),
    # --- WhatsApp messages ---
    T(OFFICE, "whatsapp", "message", "Joko Susilo", "6281200000017",
      ("Selamat pagi, saya bendahara SD Negeri 3 Cimahi. Syarat pencairan dana BOS tahap 2 apa saja ya?",
       "Apakah perlu surat pengantar dari dinas?"),
      31, "closed", type_fix="pertanyaan",
      reply="Selamat pagi, Pak Joko. Syaratnya SPM, daftar penerima, dan surat pengantar dari dinas pendidikan."),
    T(OFFICE, "whatsapp", "message", "Ratna Dewi", "6281200000018",
      ("Permisi, apakah hari Sabtu ada layanan? Saya kerja Senin sampai Jumat.",), 2, "open"),
    T(OFFICE, "whatsapp", "message", "Ahmad Fauzi", "6281200000019",
      ("Saya sudah antre dari jam 7, sampai jam 12 belum dipanggil. Nomor antrean saya B-087. Kenapa lama sekali?",),
      27, "assigned", type_fix="keluhan"),
    T(OFFICE, "whatsapp", "message", "Sinta Maharani", "6281200000020",
      ("Selamat siang, apakah berkas retur SP2D bisa dikirim lewat email?",), 6, "pending",
      type_fix="pertanyaan",
      reply="Selamat siang, Bu Sinta. Berkas retur SP2D dapat dikirim ke alamat email resmi kantor kami."),
    T(OFFICE, "whatsapp", "message", "Wahyu Hidayat", "6281200000021",
      ("Mohon info nomor rekening untuk setor pengembalian belanja.",), 16, "waiting", type_fix="pertanyaan",
      reply="Baik, Pak Wahyu. Pengembalian belanja disetor lewat kode billing. Untuk satker mana?"),
    # --- Telegram messages ---
    T(OFFICE, "telegram", "message", "Yoga Aditya", "yoga_aditya",
      ("Halo admin, apakah ada layanan konsultasi aplikasi SAKTI lewat Telegram?",), 25, "closed",
      type_fix="pertanyaan", reply="Halo Kak Yoga, bisa. Silakan tulis pertanyaannya di sini pada jam kerja."),
    T(OFFICE, "telegram", "message", "Maya Puspita", "maya_puspita",
      ("Saya mau mengajukan keberatan atas penolakan SPM kami, bagaimana prosedurnya?",), 35, "open",
      type_fix="aduan"),
    T(OFFICE, "telegram", "message", "Eko Prasetyo", "eko_prasetyo",
      ("Info lowongan CPNS di KPPN kapan dibuka ya min?",), 9, "assigned", type_fix="pertanyaan"),
    # --- YouTube comments ---
    T(OFFICE, "youtube", "comment", "Fitri Handayani", "fitrihandayani",
      ("Tutorialnya membantu, tapi di menit 5:20 kurang jelas bagian unggah ADK. Bisa dibuat versi lebih detail?",),
      21, "answered", answered_on_platform=True, type_fix="saran",
      reply="Terima kasih masukannya, Kak Fitri. Video lanjutan tentang unggah ADK sedang kami siapkan.",
      post="Tutorial pengajuan SPM melalui aplikasi SAKTI"),
    T(OFFICE, "youtube", "comment", "Budi Santoso", "budisantoso",
      ("Kenapa setiap unggah selalu gagal dengan pesan error 500? Sudah coba berkali-kali.",), 29, "open",
      type_fix="keluhan", post="Cara memperbaiki data supplier di aplikasi SAKTI"),
    T(OFFICE, "youtube", "comment", "Slamet Riyadi", "slametriyadi",
      ("Suaranya kecil sekali, mohon video berikutnya pakai mikrofon.",), 1, "open", type_fix="saran",
      post="Bimtek rekonsiliasi laporan keuangan (rekaman)"),
    # --- KPKNL Makassar (WITA) ---
    T(AUCTION, "facebook", "comment", "Andi Baso", "andi.baso",
      ("Tabe', lelang rumah di Jl. Perintis Kemerdekaan jadi dilaksanakan minggu depan?",), 23, "closed",
      type_fix="pertanyaan", reply="Tabe', Pak Andi. Jadwalnya tetap; rinciannya ada di lelang.go.id.",
      post="Pengumuman lelang eksekusi hak tanggungan bulan ini. Informasi lengkap di lelang.go.id."),
    T(AUCTION, "facebook", "comment", "Nurhayati", "hj.nurhayati",
      ("Kenapa uang jaminan lelang saya belum dikembalikan, sudah 2 minggu? Saya kalah lelang tanggal 12.",),
      34, "open", type_fix="keluhan", post="Hasil lelang barang milik negara pekan lalu."),
    T(AUCTION, "instagram", "comment", "Irfan Makassar", "irfan.makassar",
      ("Bagaimana cara ikut lelang online? Harus punya akun apa saja?",), 11, "waiting", type_fix="pertanyaan",
      reply="Halo Kak Irfan, cukup akun di lelang.go.id dengan NIK terverifikasi. Sudah punya akunnya?",
      post="Lelang daring: ikut dari rumah, aman dan transparan."),
    T(AUCTION, "whatsapp", "message", "Syamsul Bahri", "6281300000031",
      ("Selamat siang, apakah objek lelang bisa dilihat dulu sebelum penawaran?",), 5, "open",
      type_fix="pertanyaan"),
    T(AUCTION, "instagram", "comment", "Rahma Amalia", "rahma_amalia",
      ("Pelayanan KPKNL Makassar sekarang jauh lebih cepat, terima kasih!",), 15, "closed",
      answered_on_platform=True, type_fix="apresiasi", reply="Terima kasih, Kak Rahma!",
      post="Layanan KPKNL Makassar kini dengan antrean daring."),
    # --- the ministry ---
    T(MINISTRY, "x", "mention", "Warga Peduli", "warga_peduli",
      ("@kemenkeu_demo kapan THR dan gaji ke-13 PNS dicairkan tahun ini?",), 23, "open", type_fix="pertanyaan"),
    T(MINISTRY, "x", "mention", "Ani Kusuma", "ani_kusuma",
      ("@kemenkeu_demo saya mau melaporkan pungutan liar di loket salah satu kantor vertikal, ada buktinya.",),
      19, "waiting", type_fix="aduan",
      reply="Terima kasih, Kak Ani. Mohon kirim bukti dan lokasinya lewat pesan langsung agar kami tindak lanjuti."),
    T(MINISTRY, "youtube", "comment", "Rahmat Hidayat", "rahmathidayat",
      ("Penjelasan APBN di video ini mudah dipahami. Semoga rutin dibuat.",), 7, "closed",
      answered_on_platform=True, type_fix="apresiasi", reply="Terima kasih, Pak Rahmat!",
      post="Penjelasan APBN dalam 5 menit"),
    T(MINISTRY, "x", "mention", "Dimas Anggara", "dimas_a",
      ("@kemenkeu_demo link pengumuman di bio tidak bisa dibuka",), 3, "open", type_fix="keluhan"),
)  # fmt: skip
