from __future__ import annotations

import pytest

from sanctions_model.data import countries


@pytest.mark.parametrize(
    "label,code",
    [
        ("Russian Federation (Russia)", "RU"),
        ("Russie, Fédération de", "RU"),
        ("Germany (incl. German Democratic Republic 'DD' from 1991)", "DE"),
        ("Greece", "GR"),
        ("Türkiye", "TR"),
        ("Korea, Republic of (South Korea)", "KR"),
        ("Iles Salomon", "SB"),
        ("Kosovo", "XK"),
        (
            "European Union - 27 countries (AT, BE, BG, CY, CZ, DE, DK, EE, ES, FI, FR, GR, HR, HU)",
            "EU27_2020",
        ),
        ("Union européenne - 27 pays (AT, BE)", "EU27_2020"),
        ("Euro area - 20 countries (AT, BE, CY)", "EA20"),
        ("Extra-EU27 (from 2020)", "EXT_EU27_2020"),
        ("Stores and provisions within the framework of extra-Union trade", "STORES_EXTRA"),
        ("KGZ", "KG"),
        ("KG", "KG"),
    ],
)
def test_labels_resolve(label, code):
    assert countries.to_code(label) == code


def test_language_dependent_label():
    assert countries.to_code("Guinea") == "GN"
    assert countries.to_code("Guinea", "fr") == "GW"


def test_unknown_labels():
    assert countries.to_code("Atlantis") is None
    assert countries.to_code("ZZ") is None
    assert not countries.is_valid_code("ZZ")


def test_groups():
    assert len(countries.EU27) == 27 and len(set(countries.EU27)) == 27
    assert set(countries.EA20) < set(countries.EU27)
    assert countries.members("rerouting") == ("AM", "GE", "KZ", "KG", "UZ")
    assert countries.name("KG") == "Kyrgyzstan"
    with pytest.raises(KeyError, match="unknown country group"):
        countries.members("G7")
