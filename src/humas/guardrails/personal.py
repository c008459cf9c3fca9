"""Personal-data rules: NIK, KK, NPWP, mobile numbers, e-mail, bank accounts near a bank name, home addresses.

Precision first: a 16-digit number is a NIK only with a valid province code, non-zero regency and district
codes, a real birth date (women's day + 40) and a non-zero serial, and never right after words that name
another kind of number (resi, BPJS, order, virtual account...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from humas.guardrails.findings import BLOCK, WARN, Finding, finding

# Province codes (kode wilayah, Kepmendagri 100.1.1-6117/2022): 11-19 Sumatra, 21 Riau Islands, 31-36 Java,
# 51-53 Bali/Nusa Tenggara, 61-65 Kalimantan, 71-76 Sulawesi, 81-82 Maluku, 91-96 Papua (93-96 the four
# provinces made in 2022; NIKs issued before keep 91/92).
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65}
    | {71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29 Feb: the year's century is unknown

_SIXTEEN = re.compile(r"(?<![\d.\-/])(\d{4})([ .-]?)(\d{4})\2(\d{4})\2(\d{4})(?![\d])")
_NOT_ID = re.compile(
    r"\b(resi|awb|tracking|lacak|pesanan|order|invoice|faktur|transaksi|bpjs|kis|va|virtual|billing|"
    r"kode\s+bayar|ntpn|ntb|ref|referensi|seri|imei|sn|kontrak|polis|pelanggan|id\s+pel|tiket|booking|"
    r"registrasi|antrean|kupon|voucher|token|meter)\b",
    re.IGNORECASE,
)
_ID_WORD = re.compile(r"\b(NIK|KTP|e-KTP|kependudukan)\b", re.IGNORECASE)


def _other_number(before: str) -> bool:
    """Words naming another kind of number come last before it (a NIK word after them wins)."""
    other = [m.end() for m in _NOT_ID.finditer(before)]
    ids = [m.end() for m in _ID_WORD.finditer(before)]
    return bool(other) and (not ids or other[-1] > ids[-1])


_KK_CTX = re.compile(r"(\bKK\b|kartu\s+keluarga)[^\n]{0,25}$", re.IGNORECASE)
_NPWP_CTX = re.compile(r"\bNPWP\b[^\n]{0,25}$", re.IGNORECASE)
_NPWP_OLD = re.compile(r"(?<![\d.])\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}(?![\d])")
_FIFTEEN = re.compile(r"(?<![\d.\-])\d{15}(?![\d])")


def valid_region(digits: str) -> bool:
    return int(digits[:2]) in PROVINCES and digits[2:4] != "00" and digits[4:6] != "00"


def valid_date(ddmmyy: str, *, female_offset: bool) -> bool:
    day, month = int(ddmmyy[:2]), int(ddmmyy[2:4])
    if female_offset and day > 40:
        day -= 40
    return 1 <= month <= 12 and 1 <= day <= _DAYS[month - 1]


def valid_nik(digits: str) -> bool:
    """Structure of a NIK: PPKKCC DDMMYY SSSS (women's day + 40)."""
    return (
        len(digits) == 16
        and digits.isdigit()
        and valid_region(digits)
        and valid_date(digits[6:12], female_offset=True)
        and digits[12:] != "0000"
    )


def valid_kk(digits: str) -> bool:
    """A family card number: the region, then the issue date DDMMYY (no +40), then a serial."""
    return (
        len(digits) == 16
        and valid_region(digits)
        and valid_date(digits[6:12], female_offset=False)
        and digits[12:] != "0000"
    )


def sixteen_digit_ids(text: str) -> Iterator[Finding]:
    """NIK, KK and new 16-digit NPWP: one number, one finding, named by the words before it."""
    for m in _SIXTEEN.finditer(text):
        digits = "".join(m.group(1, 3, 4, 5))
        before = text[max(0, m.start() - 60) : m.start()]
        if _NPWP_CTX.search(before) and (valid_region(digits) or digits[0] == "0"):
            yield finding("npwp", BLOCK, text, m.start(), m.end())
        elif _KK_CTX.search(before) and valid_kk(digits):
            yield finding("kk", BLOCK, text, m.start(), m.end())
        elif valid_nik(digits) and not _other_number(before):
            yield finding("nik", BLOCK, text, m.start(), m.end())


def npwp_old(text: str) -> Iterator[Finding]:
    """The 15-digit NPWP, formatted 99.999.999.9-999.999, or bare 15 digits right after "NPWP"."""
    for m in _NPWP_OLD.finditer(text):
        yield finding("npwp", BLOCK, text, m.start(), m.end())
    for m in _FIFTEEN.finditer(text):
        if _NPWP_CTX.search(text[max(0, m.start() - 40) : m.start()]):
            yield finding("npwp", BLOCK, text, m.start(), m.end())


# Mobile numbers only (08xx, +62 8xx, 62 8xx): land lines such as "(022) 123 4567" and hotlines (1500-xxx)
# are an office's published contacts, not personal data (decision 0090).
_PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[ .-]?8\d{1,2}(?:[ .-]?\d{2,4}){2,3}(?![\d])")


def phone(text: str) -> Iterator[Finding]:
    for m in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        national = digits[2:] if digits.startswith("62") else digits[1:]
        if 9 <= len(national) <= 12:
            yield finding("phone", WARN, text, m.start(), m.end())


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?![\w-])")
_PUBLIC_DOMAIN = re.compile(r"(^|\.)(go\.id|mil\.id|polri\.go\.id|ac\.id|sch\.id|desa\.id)$", re.IGNORECASE)


def email(text: str) -> Iterator[Finding]:
    """E-mail addresses, except government/education domains (an office's published address)."""
    for m in _EMAIL.finditer(text):
        if not _PUBLIC_DOMAIN.search(m.group(1).rstrip(".")):
            yield finding("email", WARN, text, m.start(), m.end())


BANKS = (
    # Names that are also words or given names (Permata, Mega, Jago, Panin) count only after "Bank".
    "BRI|BNI|Mandiri|BCA|BSI|BTN|CIMB(?:\\s+Niaga)?|Danamon|OCBC|Maybank|BJB|Bank\\s+Jatim|"
    "Bank\\s+Jateng|Bank\\s+DKI|Bank\\s+Nagari|Bank\\s+Sumut|Bank\\s+Kalbar|Bank\\s+Papua|Muamalat|Jenius|"
    "SeaBank|Bank\\s+\\w+"
)
_ACCOUNT = re.compile(
    r"(?:\b(?:" + BANKS + r")\b|\brekening\b|\brek\.|\bno\.?\s*rek\b|\bnorek\b)"
    r"[^\n\d]{0,30}?(?<![\w.,])(\d(?:[ -]?\d){7,17})(?![\d]|[.,]\d)",
    re.IGNORECASE,
)
_NOT_ACCOUNT = re.compile(r"(rp\.?|idr|usd|nomor\s+urut)\s*$", re.IGNORECASE)
_MOBILE = re.compile(r"^(?:0|62)8\d{8,11}$")  # the phone rule names a mobile number
_YEARS = re.compile(r"^(19|20)\d\d\s?-\s?(19|20)\d\d$")


def bank_account(text: str) -> Iterator[Finding]:
    """An 8-18 digit number (digits, spaces or dashes; never money) a few words after a bank or "rekening"."""
    for m in _ACCOUNT.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if _NOT_ACCOUNT.search(text[: m.start(1)]) or _YEARS.match(m.group(1)) or _MOBILE.match(digits):
            continue
        if len(digits) == 16 and valid_nik(digits):
            continue  # the NIK rule names it
        yield finding("bank_account", BLOCK, text, m.start(1), m.end(1))


# A person's full address: a named street ("Jalan rusak di RT 02" is a road), then RT/RW, then a village or
# district, within one line.
_ADDRESS = re.compile(
    r"\b(?:Jl\.|Jln\.?|Jalan|Gg\.|Gang)\s*(?=[A-Z0-9])[^\n]{1,60}?\bRT\.?\s*0*\d{1,3}\s*/\s*(?:RW\.?\s*)?0*\d{1,3}\b"
    r"[^\n]{0,60}?\b(?:Kel\.|Kelurahan|Desa|Ds\.|Kec\.|Kecamatan)\s*[A-Z][\w]*(?:\s+[A-Z][\w]*)?",
)


def address(text: str) -> Iterator[Finding]:
    for m in _ADDRESS.finditer(text):
        yield finding("address", BLOCK, text, m.start(), m.end())
