"""Name normalisation and similarity for matching sanctioned subjects across lists.

Lists published by different jurisdictions spell the same Russian name differently
("Alexey / Aleksei / Alexei", "Yevgeny / Evgeny", "Dmitriy / Dmitrii / Dmitry", "Kiselyov /
Kiselev"), order the parts differently (surname first or last) and add or drop the patronymic.
:func:`normalize_name` maps such variants to one canonical string; :func:`name_similarity` scores
two canonical names from 0 to 100.

Normalisation, in order
-----------------------
1. Cyrillic letters are transliterated (a simple BGN/PCGN-like table); Unicode is decomposed
   (NFKD), combining marks (accents, diaeresis, breve) dropped, and the text casefolded
   (``"Kiselёv" -> "kiselev"``, ``"Müller" -> "muller"``).
2. Apostrophes (the soft sign in ``"Il'ich"``) and quotes are deleted; any other
   non-alphanumeric character (hyphen, dot, comma, slash) separates tokens.
3. Legal forms, as phrases ("public joint stock company", :data:`LEGAL_PHRASES`) and as tokens
   (``ooo``, ``llc``, ``jsc``, ``pao``, ``ltd``...; :data:`LEGAL_FORMS`), are dropped when
   ``drop_legal_forms=True`` and at least one other token remains.
4. Each token is reduced to a romanisation-invariant skeleton (:func:`romanization_skeleton`):
   ``x -> ks``, ``kh -> h``, ``shch -> sch``, ``tz -> ts``, ``yo/jo -> e``, ``tch -> ch``,
   ``w -> v``, ``ck -> k``, ``c -> k`` (not before ``h``), ``j -> y`` before a vowel, final
   ``-ander -> -andr``; an initial ``ye -> e``;
   ``y`` between a vowel and ``e`` dropped (``Sergeyevich -> Sergeevich``); ``i``/``y`` runs
   before ``e`` after a consonant dropped (``Vasiliev / Vasilyev -> vasilev``); every remaining
   run of ``i``/``y`` becomes one ``i`` (``-iy / -ii / -y -> -i``); doubled letters are single.
5. Tokens are sorted, so ``"Kiselev Dmitry"`` and ``"Dmitry Kiselev"`` give the same string.

The skeleton is deliberately lossy: it is a matching key, never displayed. Both sides of a
comparison must go through the same function.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import fuzz

__all__ = [
    "LEGAL_FORMS",
    "LEGAL_PHRASES",
    "normalize_name",
    "name_tokens",
    "romanization_skeleton",
    "transliterate_cyrillic",
    "name_similarity",
]

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Ukrainian / Belarusian letters
    "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u",
}  # fmt: skip

#: Tokens that name a legal form rather than the entity (dropped when ``drop_legal_forms``).
LEGAL_FORMS: frozenset[str] = frozenset(
    {
        "ooo", "oao", "zao", "pao", "ao", "jsc", "ojsc", "cjsc", "pjsc", "llc", "ltd", "limited",
        "inc", "corp", "corporation", "co", "company", "gmbh", "ag", "sa", "plc", "fzco", "fze",
        "llp", "lp", "bv", "nv", "sarl", "srl", "spa", "as", "ab", "oy", "kft", "sro", "tov",
        "too", "fgup", "gup", "mup", "nao", "ip",
    }
)  # fmt: skip

#: Multi-word legal forms, removed as phrases before tokenising (when ``drop_legal_forms``).
LEGAL_PHRASES: tuple[str, ...] = (
    "public joint stock company",
    "open joint stock company",
    "closed joint stock company",
    "non public joint stock company",
    "joint stock company",
    "limited liability company",
    "limited liability partnership",
    "state unitary enterprise",
    "federal state unitary enterprise",
)
_PHRASE_RE = re.compile(
    r"\b(?:"
    + "|".join(sorted((re.escape(p) for p in LEGAL_PHRASES), key=len, reverse=True))
    + r")\b"
)

_APOSTROPHES = "'\u2019\u2018\u02bc\u02b9\u00b4`\"\u201c\u201d\u00ab\u00bb"
_SPLIT = re.compile(r"[^0-9a-z]+")
_VOWELS = "aeiou"


def transliterate_cyrillic(text: str) -> str:
    """Transliterate Cyrillic letters to Latin (lower case); other characters pass through."""
    if text.isascii():  # ASCII letters lower to ASCII, never a key of the table
        return text
    out = []
    for ch in text:
        low = ch.lower()
        out.append(_CYRILLIC.get(low, ch) if low in _CYRILLIC else ch)
    return "".join(out)


def romanization_skeleton(token: str) -> str:
    """Reduce one lower-case Latin token to a romanisation-invariant skeleton.

    Examples
    --------
    >>> [romanization_skeleton(t) for t in ["alexey", "aleksei", "alexei"]]
    ['aleksei', 'aleksei', 'aleksei']
    >>> [romanization_skeleton(t) for t in ["yevgeny", "evgeny", "evgenii", "yevgeniy"]]
    ['evgeni', 'evgeni', 'evgeni', 'evgeni']
    >>> romanization_skeleton("kiselyov") == romanization_skeleton("kiselev")
    True
    """
    return _skeleton(token)


#: Distinct strings remembered by the pure functions below: first names, patronymics and legal
#: forms recur across a list (79,389 tokens of the US and UK Russia lists are 21,961 distinct)
_CACHE = 1 << 16


@lru_cache(maxsize=_CACHE)
def _skeleton(token: str) -> str:
    t = token
    if not t or t.isdigit():
        return t
    t = t.replace("x", "ks").replace("shch", "sch").replace("kh", "h").replace("tz", "ts")
    t = t.replace("yo", "e").replace("jo", "e")
    # German and Polish spellings: Wolfson / Volfson, Jakovlevitch / Yakovlevich, Victor / Viktor
    t = t.replace("tch", "ch").replace("w", "v").replace("ck", "k")
    t = re.sub(r"c(?!h)", "k", t)
    t = re.sub(r"j(?=[aeiou])", "y", t)
    if t.endswith("ander"):  # Alexander / Aleksandr
        t = t[:-5] + "andr"
    if t.endswith("ij"):  # -ий written -ij
        t = t[:-1]
    if t.startswith("ye"):
        t = t[1:]
    t = re.sub(r"(?<=[aeiou])y(?=e)", "", t)
    t = re.sub(r"(?<=[b-df-hj-np-tv-z])[iy]+(?=e)", "", t)
    t = re.sub(r"[iy]+", "i", t)
    t = re.sub(r"(.)\1+", r"\1", t)
    return t


def name_tokens(name: str, *, drop_legal_forms: bool = True) -> list[str]:
    """Canonical, sorted tokens of a name (see the module docstring for the steps)."""
    if not isinstance(name, str):
        return []
    return list(_tokens(str(name), bool(drop_legal_forms)))


@lru_cache(maxsize=_CACHE)
def _tokens(name: str, drop_legal_forms: bool) -> tuple[str, ...]:
    text = transliterate_cyrillic(name)
    if text.isascii():  # NFKD leaves ASCII as it is, and it has no combining marks
        text = text.casefold()
    else:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.translate({ord(c): None for c in _APOSTROPHES})
    text = text.replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("ł", "l")
    raw = [t for t in _SPLIT.split(text) if t]
    if drop_legal_forms:
        stripped = [t for t in _SPLIT.split(_PHRASE_RE.sub(" ", " ".join(raw))) if t]
        raw = stripped or raw
        kept = [t for t in raw if t not in LEGAL_FORMS]
        raw = kept or raw
    return tuple(sorted(_skeleton(t) for t in raw))


def normalize_name(name: str, *, drop_legal_forms: bool = True) -> str:
    """Canonical matching key of a name: sorted skeleton tokens joined by single spaces.

    Examples
    --------
    >>> normalize_name("KISELYOV, Dmitriy Konstantinovich")
    'dmitri kiselev konstantinovich'
    >>> normalize_name("Дмитрий Константинович Киселёв")
    'dmitri kiselev konstantinovich'
    >>> normalize_name('OOO "Alexey & Sons"')
    'aleksei sons'
    """
    if not isinstance(name, str):
        return ""
    return _normalized(str(name), bool(drop_legal_forms))


@lru_cache(maxsize=_CACHE)
def _normalized(name: str, drop_legal_forms: bool) -> str:
    return " ".join(_tokens(name, drop_legal_forms))


def _weakest_link(short: list[str], long: list[str]) -> float:
    # Every token of the shorter name must find a close token in the longer one; the score is
    # the worst of those best matches, so one different surname sinks the pair.
    worst = 100.0
    for a in short:
        best = max(fuzz.ratio(a, b) for b in long)
        if best < worst:
            worst = best
    return worst


def name_similarity(a: str, b: str, *, subset_ok: bool = True) -> float:
    """Similarity of two *normalised* names, 0-100.

    Parameters
    ----------
    a, b : str
        Outputs of :func:`normalize_name`.
    subset_ok : bool, default True
        Whether a name may match a longer one that contains it (a person listed with and without
        a patronymic). Use ``False`` for entities, where ``"gazprom neft"`` is not
        ``"gazprom neft shelf"``.

    Returns
    -------
    float
        With both names of at least two tokens, the *weakest-link* score: each token of the
        shorter name is paired with its most similar token of the other (``rapidfuzz.fuzz.ratio``)
        and the minimum over those pairs is taken. With ``subset_ok=False`` the score is further
        capped by the whole-string ``fuzz.ratio`` (equal to ``token_sort_ratio`` on sorted
        tokens), which penalises extra tokens. A one-token name is scored by whole-string
        ``fuzz.ratio`` only.

    Examples
    --------
    >>> name_similarity("aleksander ivanovich petrov", "aleksander ivanovich popov") < 80
    True
    >>> name_similarity("dmitri kiselev", "dmitri kiselev konstantinovich")
    100.0
    """
    ta, tb = a.split(), b.split()
    if not ta or not tb:
        return 0.0
    whole = float(fuzz.ratio(a, b))
    if min(len(ta), len(tb)) < 2:
        return whole
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    score = _weakest_link(short, long)
    if not subset_ok:
        score = min(score, whole)
    return float(score)


def unique_normalized(names: Iterable[str], *, drop_legal_forms: bool = True) -> list[str]:
    """Distinct non-empty normalised forms of ``names``, first-seen order."""
    seen: dict[str, None] = {}
    for n in names:
        key = normalize_name(n, drop_legal_forms=drop_legal_forms)
        if key:
            seen.setdefault(key, None)
    return list(seen)
