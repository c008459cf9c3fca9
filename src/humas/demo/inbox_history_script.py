# ruff: noqa: E501 (a table of texts)
"""What the public wrote to the demo units in the two months before the demo's week, and staff's answers
(texts written for humas, public domain, ours). Every one of these conversations is closed by now; how fast
each was answered comes from the month's pace in ``inbox_history`` (slower in the older month)."""

from __future__ import annotations

from dataclasses import dataclass

from humas.demo.inbox_script import AUCTION, MINISTRY, OFFICE


@dataclass(frozen=True)
class Past:
    unit: str
    platform: str
    kind: str  # comment | mention | message
    author: str
    handle: str
    text: str
    message_type: str
    reply: str  # staff's answer; empty: closed without one (spam, or settled elsewhere)


# The unit's post a history comment hangs under, per unit and platform.
POSTS = {
    (OFFICE, "facebook"): "Informasi layanan KPPN Bandung I pekan ini: jadwal konsultasi dan pengajuan SPM.",
    (OFFICE, "instagram"): "Dokumentasi bimbingan teknis aplikasi SAKTI bagi satker mitra KPPN Bandung I.",
    (OFFICE, "youtube"): "Tutorial rekonsiliasi dan pengajuan SPM melalui aplikasi SAKTI",
    (
        AUCTION,
        "facebook",
    ): "Pengumuman jadwal lelang KPKNL Makassar bulan ini. Informasi lengkap di lelang.go.id.",
    (AUCTION, "instagram"): "Tips mengikuti lelang daring dengan aman bersama KPKNL Makassar.",
    (MINISTRY, "youtube"): "Ringkasan kinerja APBN bulan lalu",
}

P = Past
# Two months: even entries go to the older month, odd ones to the later (``inbox_history.month_of``).
HISTORY: tuple[Past, ...] = (
    P(OFFICE, "facebook", "comment", "Teguh Prasetya", "teguh.prasetya",
      "Min, pengajuan SPM GUP bisa dilayani hari Sabtu tidak?", "pertanyaan",
      "Halo Pak Teguh, layanan hanya pada hari kerja Senin–Jumat. Pengajuan bisa melalui SAKTI kapan saja."),
    P(OFFICE, "facebook", "comment", "Indah Permatasari", "indah.permata",
      "Kemarin ke loket, petugasnya sibuk main HP, kami dibiarkan menunggu.", "keluhan",
      "Mohon maaf atas pengalaman Ibu. Masukan ini sudah kami sampaikan kepada atasan petugas layanan."),
    P(OFFICE, "instagram", "comment", "Reza Firmansyah", "reza.firmansyah",
      "Materi bimteknya boleh dibagikan kak? Saya tidak sempat mencatat.", "pertanyaan",
      "Boleh, Kak Reza. Materi bimtek bisa diunduh melalui tautan di bio akun ini."),
    P(OFFICE, "instagram", "comment", "Puji Lestari", "puji.lestari",
      "Petugas CSO-nya sabar dan jelas sekali menjelaskan, terima kasih KPPN!", "apresiasi",
      "Terima kasih, Kak Puji! Semoga urusan satker Kakak lancar."),
    P(OFFICE, "x", "mention", "Arif Rahman", "arif_rahman",
      "@kppnbandung1 status SP2D kami masih diproses sejak 3 hari lalu, normalnya berapa lama?", "pertanyaan",
      "Halo Kak Arif, SP2D terbit paling lama 1 jam setelah SPM lengkap diterima. Mohon kirim nomor SPM lewat DM."),
    P(OFFICE, "x", "mention", "Nanda Putri", "nanda_putri",
      "@kppnbandung1 situs antrean daring tidak bisa dibuka dari tadi pagi.", "keluhan",
      "Terima kasih infonya, Kak Nanda. Gangguan sudah diperbaiki, silakan dicoba kembali."),
    P(OFFICE, "whatsapp", "message", "Hadi Susanto", "6281200000041",
      "Selamat pagi, bagaimana cara mendapatkan kode billing untuk setor sisa UP?", "pertanyaan",
      "Selamat pagi, Pak Hadi. Kode billing dibuat di aplikasi SAKTI menu Billing, atau kami bantu di loket."),
    P(OFFICE, "whatsapp", "message", "Lina Marlina", "6281200000042",
      "Sudah seminggu pengajuan revisi DIPA kami belum ada kabar. Mohon dibantu.", "aduan",
      "Mohon maaf, Bu Lina. Revisi DIPA satker Ibu sudah kami periksa dan disetujui hari ini."),
    P(OFFICE, "whatsapp", "message", "Taufik Hidayat", "6281200000043",
      "Apakah ada syarat tambahan untuk pencairan tunjangan kinerja bulan ini?", "pertanyaan",
      "Tidak ada syarat tambahan, Pak Taufik. Persyaratannya sama dengan bulan sebelumnya."),
    P(OFFICE, "whatsapp", "message", "Wati Suryani", "6281200000044",
      "Terima kasih sudah dibantu kemarin, SPM kami sudah terbit SP2D-nya.", "apresiasi",
      "Sama-sama, Bu Wati. Senang bisa membantu."),
    P(OFFICE, "telegram", "message", "Galih Saputra", "galih_saputra",
      "Admin, aplikasi SAKTI error saat unggah ADK, muncul pesan 'data tidak valid'.", "keluhan",
      "Halo Kak Galih, pastikan ADK dibuat dari versi aplikasi terbaru. Jika masih gagal, kirim tangkapan layarnya."),
    P(OFFICE, "telegram", "message", "Citra Anggraini", "citra_ang",
      "Jadwal rekonsiliasi laporan keuangan semester ini kapan ya?", "pertanyaan",
      "Halo Kak Citra, rekonsiliasi dibuka mulai tanggal 5 sampai 12 bulan depan."),
    P(OFFICE, "youtube", "comment", "Rizki Maulana", "rizkimaulana",
      "Videonya sangat membantu, terima kasih. Tolong buat juga untuk revisi POK.", "saran",
      "Terima kasih sarannya, Kak Rizki. Video revisi POK masuk daftar materi berikutnya."),
    P(OFFICE, "youtube", "comment", "Desi Ratnasari", "desiratnasari",
      "Kenapa di akhir video tidak dijelaskan cara memperbaiki data yang ditolak?", "keluhan",
      "Mohon maaf, Kak Desi. Penjelasan perbaikan data yang ditolak kami tambahkan di deskripsi video."),
    P(OFFICE, "facebook", "comment", "Yusuf Effendi", "yusuf.effendi",
      "Pungutan liar di loket? Teman saya diminta uang untuk mempercepat SP2D.", "aduan",
      "Terima kasih laporannya, Pak Yusuf. Layanan kami gratis; laporan ini kami teruskan ke SP4N-LAPOR!."),
    P(OFFICE, "facebook", "comment", "Sri Mulyani", "sri.mulyani.bdg",
      "Mohon ditambah kursi di ruang tunggu, banyak yang berdiri waktu antre.", "saran",
      "Terima kasih masukannya, Bu Sri. Penambahan kursi sudah kami ajukan."),
    P(OFFICE, "facebook", "comment", "Jasa Pinjaman Kilat", "pinjaman_kilat",
      "Butuh dana cepat? Pinjaman tanpa BI checking cair hari ini, hubungi WA 0813-0000-1111", "spam", ""),
    P(OFFICE, "instagram", "comment", "Follower Murah Official", "followermurah",
      "Mau followers banyak? 10rb followers cuma 50rb, DM sekarang!!!", "spam", ""),
    P(AUCTION, "facebook", "comment", "Muh. Ilham", "muh.ilham",
      "Tabe', kapan pengumuman pemenang lelang mobil dinas yang kemarin?", "pertanyaan",
      "Tabe', Pak Ilham. Pemenang diumumkan di lelang.go.id sesaat setelah lelang ditutup."),
    P(AUCTION, "facebook", "comment", "Hasnah", "hasnah.mks",
      "Uang jaminan saya belum kembali padahal sudah 10 hari kerja. Bagaimana ini?", "keluhan",
      "Mohon maaf, Bu Hasnah. Pengembalian sudah kami proses hari ini; mohon cek rekening Ibu besok."),
    P(AUCTION, "instagram", "comment", "Fadli Rahim", "fadli.rahim",
      "Apakah objek lelang rumah bisa dilihat langsung sebelum penawaran?", "pertanyaan",
      "Bisa, Kak Fadli. Jadwal melihat objek tercantum di pengumuman lelang."),
    P(AUCTION, "instagram", "comment", "Nur Aisyah", "nur.aisyah",
      "Pelayanannya ramah, prosesnya juga cepat. Terima kasih KPKNL!", "apresiasi",
      "Terima kasih, Kak Aisyah!"),
    P(AUCTION, "whatsapp", "message", "Andi Tenri", "6281300000051",
      "Selamat siang, syarat mengajukan permohonan lelang noneksekusi sukarela apa saja?", "pertanyaan",
      "Selamat siang, Bu Andi. Syaratnya surat permohonan, bukti kepemilikan, dan identitas pemohon."),
    P(AUCTION, "whatsapp", "message", "Baharuddin", "6281300000052",
      "Saya kalah lelang tapi nama saya tercatat sebagai pemenang di email. Mohon penjelasan.", "aduan",
      "Mohon maaf atas kekeliruan email tersebut, Pak Baharuddin. Data sudah kami perbaiki."),
    P(MINISTRY, "x", "mention", "Dian Sastro", "dian_s",
      "@kemenkeu_demo kapan pencairan gaji ke-13 tahun ini diumumkan?", "pertanyaan",
      "Halo Kak Dian, jadwal pencairan diumumkan melalui siaran pers di situs resmi kami."),
    P(MINISTRY, "x", "mention", "Rahmat Saleh", "rahmat_saleh",
      "@kemenkeu_demo infografis APBN kemarin angkanya beda dengan rilis resmi, mohon dicek.", "keluhan",
      "Terima kasih koreksinya, Kak Rahmat. Infografis sudah kami perbarui."),
    P(MINISTRY, "youtube", "comment", "Oki Setiawan", "okisetiawan",
      "Penjelasannya bagus, tapi tolong tambahkan teks terjemahan untuk teman tuli.", "saran",
      "Terima kasih, Pak Oki. Takarir akan kami tambahkan pada video-video berikutnya."),
    P(MINISTRY, "youtube", "comment", "Siska Amelia", "siskaamelia",
      "Ringkasannya mudah dipahami, semoga rutin setiap bulan.", "apresiasi",
      "Terima kasih, Kak Siska! Ringkasan ini terbit setiap bulan."),
)  # fmt: skip
