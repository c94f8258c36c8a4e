"""Search keys for names: one spelling for the many ways a name is written.

Arabic is folded with **pyarabic** (hamza and alef forms, ta marbuta, alef maqsura,
tashkeel, tatweel) and every other script with **unidecode** (diacritics and letters
outside ASCII: `Bêl` → `bel`, `ʿ` → `'`); then case, apostrophes and other punctuation go,
so `Qal'at` and `Qalat` meet. Arabic letters are kept as Arabic: a transliteration of them
(`تدمر` → `tdmr`) would match neither the Arabic nor the usual Latin spelling.
"""

import re
import unicodedata

from pyarabic import araby
from unidecode import unidecode

# Letters of the Arabic blocks (Arabic, Supplement, Presentation Forms A and B).
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]+")
# Letters only Persian, Urdu and other languages add to the Arabic script: a name using one
# is not safely Arabic.
_NOT_ARABIC_LANGUAGE = re.compile(r"[\u067E\u0686\u0698\u06A9\u06AF\u06CC\u0679\u0688\u0691\u06BA]")
# Apostrophes, ayn and hamza marks written in Latin transliterations, and hyphens join: they
# stand inside a word (`Qal'at`, `Al-lāt`).
_JOINERS = re.compile(r"['`´‘’ʻʼʾʿ\-‐‑]")
_SEPARATORS = re.compile(r"[^\w]+|_")


def _fold_arabic(run: str) -> str:
    run = araby.strip_tashkeel(araby.strip_tatweel(run))
    run = araby.normalize_hamza(run, method="tasheel")  # أ إ آ ؤ ئ → ا ا ا و ي
    run = araby.normalize_alef(run)  # ى → ا and the other alef forms
    return araby.normalize_teh(run)  # ة → ه


def search_key(text: str) -> str:
    """The form of `text` that searches compare: folded, lower case, single-spaced."""
    text = unicodedata.normalize("NFC", text)
    parts: list[str] = []
    position = 0
    for match in _ARABIC.finditer(text):
        parts.append(unidecode(text[position : match.start()]))
        parts.append(_fold_arabic(match.group()))
        position = match.end()
    parts.append(unidecode(text[position:]))
    folded = _JOINERS.sub("", "".join(parts).casefold())
    return " ".join(_SEPARATORS.sub(" ", folded).split())


def detect_language(value: str) -> str:
    """A BCP 47 tag for a name where its script tells the language safely, `und` otherwise.

    Only Arabic-script names without letters of other languages' alphabets are taken as
    Arabic; Latin-script names may be English, French, German or a transliteration.
    """
    letters = [char for char in value if char.isalpha()]
    if (
        letters
        and all(_ARABIC.match(char) for char in letters)
        and not _NOT_ARABIC_LANGUAGE.search(value)
    ):
        return "ar"
    return "und"
