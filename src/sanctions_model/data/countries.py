"""Country names, codes and the country groups the suite reasons about.

One module owns every country fact. Codes are ISO 3166-1 alpha-2 (upper case) from ``pycountry``;
aggregates and non-geographic partners keep the publisher's codes (Eurostat ``EU27_2020``, IMF
``G001``). Publisher labels are resolved with ``pycountry`` (English names, official and common
names, French names from its ISO 3166 translations, historic countries) after stripping the
qualifiers Eurostat adds ("Germany (incl. German Democratic Republic 'DD' from 1991)"); the small
table :data:`_EXTRA_LABELS` holds only the spellings ``pycountry`` does not know.
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata

import pycountry

#: The 27 member states of the European Union since 1 February 2020 (Eurostat's EU27_2020).
EU27: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
)  # fmt: skip

#: The 20 euro-area members since 1 January 2023 (Eurostat's EA20).
EA20: tuple[str, ...] = (
    "AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PT", "SI", "SK",
)  # fmt: skip

#: Jurisdictions that sanction Russia and that the events timeline covers. ``EU`` is the Union.
SANCTIONING: tuple[str, ...] = ("EU", "US", "GB", "JP", "CA", "CH", "AU")

#: Third countries through which exports to Russia are suspected to be re-routed, with EU data
#: embedded in the repository.
REROUTING_PARTNERS: tuple[str, ...] = ("AM", "GE", "KZ", "KG", "UZ")

#: Further re-routing partners whose data comes through the live connectors.
REROUTING_PARTNERS_FETCHED: tuple[str, ...] = ("TR", "AE", "CN")

TARGET = "RU"

#: Eurostat aggregate codes, recognised from the start of their long labels (English and French).
AGGREGATES: dict[str, str] = {
    "EU27_2020": "European Union - 27 countries (from 2020)",
    "EU": "European Union (changing composition)",
    "EA20": "Euro area - 20 countries (from 2023)",
    "EA": "Euro area (changing composition)",
    "EXT_EU27_2020": "Extra-EU27 (from 2020)",
    "INT_EU27_2020": "Intra-EU27 (from 2020)",
    "G001": "World (IMF)",
}

_AGGREGATE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("European Union - 27 countries", "EU27_2020"),
    ("Union européenne - 27 pays", "EU27_2020"),
    ("European Union (", "EU"),
    ("Union européenne (", "EU"),
    ("Euro area - 20 countries", "EA20"),
    ("Zone euro - 20 pays", "EA20"),
    ("Euro area (", "EA"),
    ("Zone euro (", "EA"),
    ("Extra-EU27", "EXT_EU27_2020"),
    ("Extra-UE27", "EXT_EU27_2020"),
    ("Intra-EU27", "INT_EU27_2020"),
    ("Intra-UE27", "INT_EU27_2020"),
)

#: Non-geographic Comext partners. Eurostat gives these Q-codes in its Geonomenclature; we use
#: descriptive codes so that nobody mistakes them for countries.
NON_GEOGRAPHIC: dict[str, str] = {
    "HIGH_SEAS": "High seas",
    "STORES_INTRA": "Stores and provisions within the framework of intra-Union trade",
    "STORES_EXTRA": "Stores and provisions within the framework of extra-Union trade",
    "NOT_SPECIFIED_INTRA": "Countries and territories not specified (intra-Union trade)",
    "NOT_SPECIFIED_EXTRA": "Countries and territories not specified (extra-Union trade)",
    "CONFIDENTIAL_INTRA": "Not specified for commercial or military reasons (intra-Union)",
    "CONFIDENTIAL_EXTRA": "Not specified for commercial or military reasons (extra-Union)",
    # The re-routing hubs' own statistics (sanctions_model.data.partner_national).
    "NOT_SPECIFIED": "Partner not specified by the reporting country ('Other countries', "
    "'Unknown country', 'Undefined country')",
    "EU_NOT_SPECIFIED": "European Union, member state not specified by the reporting country",
}

# Spellings pycountry does not resolve (Eurostat's and the IMF's own), mapped to ISO codes or to
# the user-assigned codes Eurostat uses (XK Kosovo, XC Ceuta, XL Melilla).
_EXTRA_LABELS: dict[str, str] = {
    "kosovo": "XK",
    "ceuta": "XC",
    "melilla": "XL",
    "congo, democratic republic of": "CD",
    "congo, république démocratique du": "CD",
    "occupied palestinian territory": "PS",
    "territoire palestinien occupé": "PS",
    "netherlands antilles": "AN",
    "antilles néerlandaises": "AN",
    "taïwan": "TW",
    "virgin islands, united states": "VI",
    "south georgia and south sandwich islands": "GS",
    "cocos islands": "CC",
    # Eurostat's French labels that differ from pycountry's French names beyond accents.
    "iles cocos": "CC",
    "iles vierges des etats-unis": "VI",
    "iles falkland": "FK",
    "iles turks-et-caicos": "TC",
    "iles salomon": "SB",
    "sint-maarten": "SX",
    "wallis-et-futuna": "WF",
    "iles georgie du sud et sandwich du sud": "GS",
    "moldavie, republique de": "MD",
    "timor-oriental": "TL",
    "tokelaou": "TK",
    "ile christmas": "CX",
    "iles heard et mcdonald": "HM",
    "saint-christophe-et-nevis": "KN",
    "high seas": "HIGH_SEAS",
    "haute mer": "HIGH_SEAS",
    # Older or short English names in the re-routing hubs' own statistics.
    "russia": "RU",
    "turkey": "TR",
    "swaziland": "SZ",
    "macedonia": "MK",
    "republic of macedonia": "MK",
    "fyr of macedonia": "MK",
    "great britain": "GB",
    "libyan arab jamahiriya": "LY",
    "brunei": "BN",
    "bouvet": "BV",
    "cape verde": "CV",
    "saint helena": "SH",
    "faeroe islands": "FO",
    "vatican city state": "VA",
    "the republic of korea": "KR",
    "congo, democratic republic of the": "CD",
    "zaire": "CD",
    "palestinian territory, occupied": "PS",
    "saint-martin (french part)": "MF",
    "svalbard and jan mayen islands": "SJ",
    "wallis and futuna islands": "WF",
    "united states virgin islands": "VI",
}

# Labels whose meaning depends on the file's language. In Eurostat's French-labelled export
# "Guinea" is Guinea-Bissau: the file has "Guinée" (Guinea) beside it, and the values match
# Guinea-Bissau's in the English files of the following years (EUR 126 million in 2016 against
# 141 million in 2019; Guinea's are 901 and 946 million).
_FRENCH_OVERRIDES: dict[str, str] = {"guinea": "GW"}

_NON_GEO_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(stores and provisions|avitaillement).*intra", re.I), "STORES_INTRA"),
    (re.compile(r"^(stores and provisions|avitaillement)", re.I), "STORES_EXTRA"),
    (re.compile(r"(commercial or military|commerciales ou militaires).*intra", re.I),
     "CONFIDENTIAL_INTRA"),
    (re.compile(r"(commercial or military|commerciales ou militaires)", re.I), "CONFIDENTIAL_EXTRA"),
    (re.compile(r"^(countries and territories not specified|pays et territoires non).*intra", re.I),
     "NOT_SPECIFIED_INTRA"),
    (re.compile(r"^(countries and territories not specified|pays et territoires non)", re.I),
     "NOT_SPECIFIED_EXTRA"),
)  # fmt: skip

_QUALIFIER = re.compile(
    r"\s*\((?:incl\.|depuis|from|à partir|partie|part of)[^)]*(?:\)[^)]*)?\)\s*$"
)
_TRAILING_PAREN = re.compile(r"^(?P<main>.*?)\s*\((?P<inner>[^()]*)\)\s*$")


def _key(label: str) -> str:
    # Eurostat's French labels drop accents on capitals ("Iles", "Etats"): compare without them.
    text = unicodedata.normalize("NFKD", label.replace("’", "'").replace("‘", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip().casefold()


@functools.cache
def _name_index() -> dict[str, str]:
    """Every English and French name pycountry knows, keyed by :func:`_key`."""
    index: dict[str, str] = {}
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                index.setdefault(_key(name), country.alpha_2)
                index.setdefault(_key(french.gettext(name)), country.alpha_2)
    for country in pycountry.historic_countries:
        if getattr(country, "alpha_2", None):
            index.setdefault(_key(country.name), country.alpha_2)
    index.update({_key(k): v for k, v in _EXTRA_LABELS.items()})
    return index


def _candidates(label: str) -> list[str]:
    """The label, then the label without Eurostat's qualifiers and parentheses, then variants."""
    out = [label]
    stripped = _QUALIFIER.sub("", label)
    out.append(stripped)
    m = _TRAILING_PAREN.match(stripped)
    if m:
        out += [m.group("main"), m.group("inner")]
    if " (" in label:
        out.append(label.split(" (", 1)[0])
    more = []
    for c in out:
        more.append(re.sub(r"^St ", "Saint ", c))
        more.append(re.sub(r"^(.*), (.*) of$", r"\2 of \1", c))  # "Korea, Republic of"
    return out + more


@functools.cache
def to_code(label: str, lang: str = "en") -> str | None:
    """Resolve a publisher's country or aggregate label to its code, or ``None`` if unknown.

    Accepts ISO alpha-2 and alpha-3 codes, English and French country names in Eurostat's
    spellings, and Eurostat aggregate labels. ``lang="fr"`` applies the few readings that differ
    in Eurostat's French-labelled files; ``lang="ru"`` reads Russian country names (pycountry's
    Russian translations and the Kazakh statistics bureau's spellings).

    Examples
    --------
    >>> to_code("Russian Federation (Russia)")
    'RU'
    >>> to_code("Germany (incl. German Democratic Republic 'DD' from 1991)")
    'DE'
    >>> to_code("European Union - 27 countries (AT, BE, BG, CY, CZ, DE, DK, EE, ES, FI, FR, ...)")
    'EU27_2020'
    """
    label = label.strip()
    if not label:
        return None
    if label in AGGREGATES or label in NON_GEOGRAPHIC:
        return label
    for prefix, code in _AGGREGATE_PREFIXES:
        if label.startswith(prefix):
            return code
    for pattern, code in _NON_GEO_PATTERNS:
        if pattern.search(label):
            return code
    if re.fullmatch(r"[A-Z]{2}", label):
        return label if is_valid_code(label) else None
    if re.fullmatch(r"[A-Z]{3}", label):
        country = pycountry.countries.get(alpha_3=label)
        return country.alpha_2 if country else None
    if lang == "ru":
        return _ru_code(label)
    if lang == "fr" and _key(label) in _FRENCH_OVERRIDES:
        return _FRENCH_OVERRIDES[_key(label)]
    index = _name_index()
    for cand in _candidates(label):
        code = index.get(_key(cand))
        if code:
            return code
    return None


# ISO 3166 numeric codes of countries that no longer exist, as national offices still use them.
_EXTRA_NUMERIC: dict[str, str] = {"736": "SD", "530": "AN"}  # Sudan before 2011, Neth. Antilles


def from_numeric(code: str) -> str | None:
    """ISO 3166-1 numeric code (``"008"``, ``"8"``) -> alpha-2, or ``None`` if unknown.

    >>> from_numeric("860"), from_numeric("736")
    ('UZ', 'SD')
    """
    code = code.strip()
    if not code.isdigit() or len(code) > 3:
        return None
    code = code.zfill(3)
    if code in _EXTRA_NUMERIC:
        return _EXTRA_NUMERIC[code]
    country = pycountry.countries.get(numeric=code)
    return country.alpha_2 if country else None


# Russian spellings of the Kazakh Bureau of National Statistics that pycountry's Russian names
# (and the variants :func:`_ru_candidates` tries) do not give.
_RU_EXTRA_LABELS: dict[str, str] = {
    "россия": "RU",
    "кыргызстан": "KG",
    "македония": "MK",
    "свазиленд": "SZ",
    "республика латвия": "LV",
    "иран, исламская республика": "IR",
    "ирак, республика ирак": "IQ",
    "тайвань (китай)": "TW",
    "палестина, государство": "PS",
    "молдова, республика": "MD",
    "танзания, объединенная республика": "TZ",
    "корея, народно-демократическая республика": "KP",
    "микронезия, федеративные штаты": "FM",
    "самоа, независимое государство": "WS",
    "ватикан, государство-город": "VA",
    "бруней-даруссалам": "BN",
    "коморские острова": "KM",
    "американское самоа": "AS",
    "майотта": "YT",
    "остров святой елены": "SH",
    "питкерн": "PN",
    "сен-бартелеми": "BL",
    "тимор-лесте": "TL",
    "кокосовые (килинг) острова": "CC",
    "фолклендские острова (мальвинские)": "FK",
    "французкие южные территории": "TF",
    "южн.джорджия и южн.сандвич.острова": "GS",
    "британская территория в индийском океане": "IO",
    "виргинские острова, сша": "VI",
    "северные марианские острова": "MP",
    "малые тихоокеан. отдаленные остроа сша": "UM",
    "малые тихоокеан. отдален. острова сша": "UM",
    "малые тихоокеан.отдален.ост-ва с.ш.": "UM",
    "виргинские острова (брит.)": "VG",
    "ангилья": "AI",
    "острова теркс и кайкос": "TC",
    "папуа-новая гвинея": "PG",
    "уоллис и футуна": "WF",
}


def _ru_key(label: str) -> str:
    return re.sub(r"\s+", " ", label.replace("ё", "е").replace("Ё", "Е")).strip().casefold()


@functools.cache
def _ru_index() -> dict[str, str]:
    """Every Russian country name in pycountry's ISO 3166 translations, keyed by :func:`_ru_key`."""
    russian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(country, attr, None)
            if name:
                index.setdefault(_ru_key(russian.gettext(name)), country.alpha_2)
    index.update(_RU_EXTRA_LABELS)
    return index


def _ru_code(label: str) -> str | None:
    index = _ru_index()
    key = _ru_key(label)
    # "Гибралтар (Брит.)", "Гуам (США)", "Черногория (Монтенегро)": the name before the bracket
    for cand in (key, re.sub(r"\s*\([^()]*\)\s*$", "", key)):
        if cand in index:
            return index[cand]
    return None


def is_valid_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code, a Eurostat aggregate or a non-geographic code."""
    if code in AGGREGATES or code in NON_GEOGRAPHIC or code in {"XK", "XC", "XL", "AN", "EU"}:
        return True
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def name(code: str) -> str:
    """A readable English name for a code ("DE" -> "Germany", "EU27_2020" -> its description)."""
    if code in AGGREGATES:
        return AGGREGATES[code]
    if code in NON_GEOGRAPHIC:
        return NON_GEOGRAPHIC[code]
    special = {"XK": "Kosovo", "XC": "Ceuta", "XL": "Melilla", "AN": "Netherlands Antilles"}
    if code in special:
        return special[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise KeyError(f"unknown country code {code!r}")
    return getattr(country, "common_name", None) or country.name


def members(group: str) -> tuple[str, ...]:
    """Member codes of a named group: ``EU27``, ``EA20``, ``REROUTING``, ``REROUTING_ALL``."""
    groups = {
        "EU27": EU27,
        "EU27_2020": EU27,
        "EA20": EA20,
        "REROUTING": REROUTING_PARTNERS,
        "REROUTING_ALL": REROUTING_PARTNERS + REROUTING_PARTNERS_FETCHED,
        "SANCTIONING": SANCTIONING,
    }
    try:
        return groups[group.upper()]
    except KeyError:
        raise KeyError(f"unknown country group {group!r}; known: {sorted(groups)}") from None
