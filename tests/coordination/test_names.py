"""Name normalisation: transliteration variants, Cyrillic, reordering, near misses."""

from __future__ import annotations

import pytest

from sanctions_model.coordination.names import name_similarity, normalize_name


@pytest.mark.parametrize(
    "variants",
    [
        ["Alexey", "Aleksei", "Alexei", "Aleksey", "Алексей"],
        ["Yevgeny", "Evgeny", "Evgenii", "Yevgeniy", "Evgenij", "Евгений"],
        ["Dmitriy", "Dmitrii", "Dmitry", "Дмитрий"],
        ["Kiselyov", "Kiselev", "Kiselёv", "Киселёв"],
        ["Sergeyevich", "Sergeevich", "Сергеевич"],
        ["Vasiliev", "Vasilyev", "Vasilev", "Васильев"],
        ["Mikhail", "Mihail", "Михаил"],
        ["Yuri", "Yury", "Yuriy", "Iurii", "Юрий"],
        ["Aleksandr", "Alexander", "Александр"],
        ["Gennady", "Gennadiy", "Genady"],
        ["Il'ich", "Ilich", "Ильич"],
    ],
)
def test_transliteration_variants_collapse(variants):
    keys = {normalize_name(v) for v in variants}
    assert len(keys) == 1, keys


def test_reordered_and_punctuated_names():
    a = normalize_name("KISELYOV, Dmitriy Konstantinovich")
    b = normalize_name("Dmitry Konstantinovich Kiselev")
    c = normalize_name("Дмитрий Константинович Киселёв")
    assert a == b == c == "dmitri kiselev konstantinovich"


def test_legal_forms_and_quotes():
    assert normalize_name('OOO "Gazprom Neft"') == normalize_name("Gazprom Neft LLC")
    assert normalize_name("ООО «Газпром нефть»") == normalize_name("Gazprom Neft")
    assert normalize_name("Public Joint Stock Company Sberbank of Russia") == normalize_name(
        "PJSC Sberbank of Russia"
    )
    assert normalize_name("Joint Stock Company") != ""  # never emptied
    # a name made only of a legal form keeps it rather than becoming empty
    assert normalize_name("AO") == "ao"
    assert normalize_name("") == ""
    assert normalize_name(None) == ""  # type: ignore[arg-type]


def test_similarity_near_miss_and_subset():
    petrov = normalize_name("Alexander Ivanovich Petrov")
    popov = normalize_name("Alexander Ivanovich Popov")
    assert name_similarity(petrov, popov) < 80
    short = normalize_name("Dmitry Kiselev")
    full = normalize_name("Dmitriy Konstantinovich Kiselyov")
    assert name_similarity(short, full) == 100
    # entities: a longer name containing the shorter one is another entity
    assert name_similarity("gazprom neft", "gazprom neft shelf", subset_ok=False) < 90
    # one-token names use the whole-string ratio
    assert name_similarity("rossiia", "bank rossiia") < 90
    assert name_similarity("", "x") == 0.0


def test_similarity_symmetric():
    a, b = normalize_name("Oleg Vladimirovich Deripaska"), normalize_name("Deripaska Oleg")
    assert name_similarity(a, b) == name_similarity(b, a) == 100
