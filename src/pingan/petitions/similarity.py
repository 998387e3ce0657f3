"""How alike two petitions' texts are, with nothing to download: character shingles.

Chinese has no spaces between words, and a segmenter (jieba and the like) needs a
dictionary; overlapping character pairs (bigrams) catch most of what words would —
"征地补偿款" and "补偿款没有发" share 补偿 and 偿款 — and need nothing but the text. The
text is NFKC-normalised first (full-width digits and letters become ASCII, compatibility
forms fold), lower-cased, and stripped of punctuation, symbols and whitespace. A text of
fewer than ``SHORT`` characters has too few pairs to compare, so its single characters
are used instead. The similarity is the cosine of the two texts' shingle counts.

Limits, known and accepted:
- No synonyms: "工资" and "薪水" share nothing, and a paraphrase that changes every word
  scores low. The petitioner's identity and the category carry most of the weight; the
  text only separates two matters of the same person and category.
- Common phrases (反映, 问题, 要求) count like any other pair, so two short, formulaic texts
  on different matters can score higher than they should; two long texts on the same
  matter told differently, lower.
- Traditional and simplified characters are different characters (NFKC does not fold
  them): 補償 and 补偿 do not match.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter

# Below this many characters a text is compared by its single characters.
SHORT = 4


def normalise(text: str) -> str:
    """NFKC, lower case, and only letters, digits and ideographs left."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def shingles(text: str) -> Counter[str]:
    """The text's character bigrams with their counts (its characters, when it is short)."""
    text = normalise(text)
    if len(text) < SHORT:
        return Counter(text)
    return Counter(text[i:i + 2] for i in range(len(text) - 1))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    """The cosine of two shingle counts: 1.0 for the same text, 0.0 for nothing shared."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b[key] for key, count in a.items() if key in b)
    if not dot:
        return 0.0
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm


def similarity(first: str, second: str) -> float:
    return cosine(shingles(first), shingles(second))
