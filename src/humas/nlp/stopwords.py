"""Stopword lists, written for humas (same license as the code; no third-party list copied).

``INDONESIAN_STOPWORDS``: function words, pronouns, particles, common chat fillers and the normalizer's
placeholders, used by keyphrase extraction and language identification.
"""

from __future__ import annotations

_ID = """
ada adalah adanya agak agar akan akankah akhirnya aku akulah amat anda andalah antar antara apa apaan apabila
apakah apalagi atau ataupun atas bagai bagaimana bagaimanakah bagi bahkan bahwa bahwasanya baik banget
barangkali bawah beberapa begini beginian begitu begitupun belum belumlah berapa berbagai bersama betapa
biar biarpun bila bilamana bisa boleh bukan bukankah bukanlah dahulu dalam dan dapat dari daripada demi
demikian dengan depan di dia dialah diri dirinya dong dulu engkau entah gimana gitu guna gue hal hampir
hanya hanyalah harus haruslah hingga ia ialah ini inilah itu itulah jadi jangan janganlah jika jikalau juga
jua justru kah kalau kalaulah kalian kami kamilah kamu kamulah kan kapan kapankah karena karenanya ke
kebanyakan kecuali kemudian kenapa kepada kepadanya ketika kini kita kitalah lagi lah lain lainnya lalu
lama lebih maka makin mampu mana manakala masih masing mau maupun melainkan memang mengapa menjadi
menurut mereka merekalah meski meskipun mungkin nah namun nanti nya oleh pada padahal para pasti per
perlu pernah pula pun punya saat saja sambil sampai sana sang sangat saya sayalah se sebab sebagai
sebagaimana sebelum sebelumnya sebenarnya secara sedang sedangkan sedikit segala sehingga sekali sekalipun
sekarang selagi selain selalu selama sementara semua semuanya sendiri seolah seorang seperti sepertinya
serta sesuatu setelah setiap siapa siapakah sih sini situ suatu sudah sudahlah supaya tadi tak tanpa tapi
telah tentang tentu tersebut tetap tetapi tiap tidak tidaklah toh untuk walau walaupun ya yaitu yakni
yang yg aja deh dah kok loh lho kayak kaya tuh nih wkwk wkwkwk haha hehe pak bu bapak ibu min admin rt
via ayo mari tolong terima kasih makasih dll dsb sbg utk dgn tdk pd dr krn
url email user phone hashtag
"""

_EN = """
the a an and or but of to in on at for with from by is are was were be been being it its this that these
those i you he she we they me him her us them my your his our their not no yes do does did have has had
will would can could should there here what which who whom whose when where why how all any some so if
then than too very just also as into about over under again more most such only own same other
"""

INDONESIAN_STOPWORDS: frozenset[str] = frozenset(_ID.split())
ENGLISH_FUNCTION_WORDS: frozenset[str] = frozenset(_EN.split())
STOPWORDS: frozenset[str] = INDONESIAN_STOPWORDS | ENGLISH_FUNCTION_WORDS
