"""Small designation lists written in the publishers' own formats, and converters to the tidy frame.

The converters are deliberately minimal (they are not the package's readers): they only turn the
publishers' layouts into the tidy designation frame the coordination measures consume.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

# UK Sanctions List (FCDO) CSV export: subjects.csv and subject_names.csv
UK_SUBJECTS = """\
unique_id,subject_type,un_reference_number,ofsi_group_id,date_designated,last_updated
RUS0001,individual,,12944,31/12/2020,09/04/2025
RUS0100,individual,,15001,24/02/2022,01/03/2024
RUS0200,individual,,15002,15/03/2022,01/03/2024
RUS0300,entity,,15003,06/04/2022,01/03/2024
RUS0400,individual,,15004,10/05/2022,01/03/2024
RUS0500,entity,,15005,20/06/2022,01/03/2024
RUS0600,individual,,15006,01/03/2022,01/03/2024
RUS0700,entity,,15007,20/04/2022,01/03/2024
RUS0800,ship,,15008,12/10/2023,01/03/2024
"""

UK_NAMES = """\
name_id,unique_id,name_type,alias_strength,full_name,name_6,name_1,name_2,name_3,name_4,name_5
00001,RUS0001,primary,,Dmitry Konstantinovich Kiselyov,Kiselyov,Dmitry,Konstantinovich,,,
00002,RUS0001,primary_variation,,Dmitrii Konstantinovich Kiselev,Kiselev,Dmitrii,Konstantinovich,,,
00003,RUS0100,primary,,Alexey Borisovich Miller,Miller,Alexey,Borisovich,,,
00004,RUS0200,primary,,Evgeny Viktorovich Prigozhin,Prigozhin,Evgeny,Viktorovich,,,
00005,RUS0300,primary,,Sberbank of Russia,Sberbank of Russia,,,,,
00006,RUS0300,alias,good_quality_aka,PJSC Sberbank,PJSC Sberbank,,,,,
00007,RUS0400,primary,,Alexander Ivanovich Petrov,Petrov,Alexander,Ivanovich,,,
00008,RUS0500,primary,,Gazprom Neft,Gazprom Neft,,,,,
00009,RUS0600,primary,,Igor Ivanovich Sechin,Sechin,Igor,Ivanovich,,,
00010,RUS0700,primary,,PMC Wagner,PMC Wagner,,,,,
00011,RUS0700,alias,good_quality_aka,Wagner Group,Wagner Group,,,,,
00012,RUS0800,primary,,SCF PRIMORYE,SCF PRIMORYE,,,,,
"""

# EU consolidated financial sanctions list, CSV 1.1 layout (semicolon separated, one row per
# name alias / birth date / identification record, the entity columns repeated).
_EU_COLS = (
    "fileGenerationDate;Entity_LogicalId;Entity_EU_ReferenceNumber;Entity_DesignationDate;"
    "Entity_SubjectType;Entity_SubjectType_ClassificationCode;Entity_Regulation_Programme;"
    "NameAlias_LastName;NameAlias_FirstName;NameAlias_MiddleName;NameAlias_WholeName;"
    "NameAlias_NameLanguage;BirthDate_BirthDate;Identification_Number"
)
EU_CSV = "\n".join(
    [
        _EU_COLS,
        # Kiselyov, with a different romanisation; EU listed him on 2014-03-21
        "27/11/2024;13000;EU.1.1;2014-03-21;P;person;UKR;KISELYOV;Dmitriy;Konstantinovich;"
        "Dmitriy Konstantinovich KISELYOV;EN;;",
        "27/11/2024;13000;EU.1.1;2014-03-21;P;person;UKR;;;;Дмитрий Константинович Киселёв;RU;;",
        # Miller, surname first and "Aleksei"; EU listed him on 2022-02-28 (UK: 2022-02-24)
        "27/11/2024;13001;EU.1.2;2022-02-28;P;person;RUS;MILLER;Aleksei;Borisovich;"
        "MILLER Aleksei Borisovich;EN;;",
        # Prigozhin: Yevgeniy (EU) vs Evgeny (UK), and a Cyrillic alias; EU 2020-10-15
        "27/11/2024;13002;EU.1.3;2020-10-15;P;person;LBY;PRIGOZHIN;Yevgeniy;Viktorovich;"
        "Yevgeniy Viktorovich PRIGOZHIN;EN;;",
        "27/11/2024;13002;EU.1.3;2020-10-15;P;person;LBY;;;;Евгений Викторович Пригожин;RU;;",
        "27/11/2024;13002;EU.1.3;2020-10-15;P;person;LBY;;;;;;1961-06-01;",
        # Sberbank, with the legal form; EU 2022-06-03
        "27/11/2024;13003;EU.1.4;2022-06-03;E;enterprise;RUS;;;;"
        "Public Joint Stock Company Sberbank of Russia;EN;;",
        "27/11/2024;13003;EU.1.4;2022-06-03;E;enterprise;RUS;;;;PJSC Sberbank of Russia;EN;;",
        # near miss for Petrov: same first name and patronymic, different surname
        "27/11/2024;13004;EU.1.5;2022-04-21;P;person;RUS;POPOV;Alexander;Ivanovich;"
        "Alexander Ivanovich POPOV;EN;;",
        # near miss for Gazprom Neft: a different entity whose name contains it
        "27/11/2024;13005;EU.1.6;2022-04-08;E;enterprise;RUS;;;;Gazprom Neft Shelf;EN;;",
        # Wagner: matches the UK alias only; EU 2021-12-13
        "27/11/2024;13006;EU.1.7;2021-12-13;E;enterprise;RUS;;;;Wagner Group;EN;;",
        # ship: different names, same IMO number
        "27/11/2024;13007;EU.1.8;2023-06-23;E;enterprise;RUS;;;;PRIMORYE TANKER;EN;;",
        "27/11/2024;13007;EU.1.8;2023-06-23;E;enterprise;RUS;;;;;;;IMO 9333436",
        # EU only
        "27/11/2024;13008;EU.1.9;2022-03-09;P;person;RUS;ABRAMOVICH;Roman;Arkadyevich;"
        "Roman Arkadyevich ABRAMOVICH;EN;;",
    ]
)


def uk_to_designations(subjects_csv: str, names_csv: str) -> pd.DataFrame:
    """UK subjects.csv + subject_names.csv -> tidy designations frame."""
    subj = pd.read_csv(io.StringIO(subjects_csv), dtype=str)
    names = pd.read_csv(io.StringIO(names_csv), dtype=str)
    primary = names[names["name_type"] == "primary"].drop_duplicates("unique_id")
    others = names[names["name_type"] != "primary"].groupby("unique_id")["full_name"].agg(tuple)
    out = pd.DataFrame(
        {
            "jurisdiction": "GB",
            "regime": subj["unique_id"].str[:3],
            "subject_id": subj["unique_id"],
            "subject_type": subj["subject_type"],
            "name": subj["unique_id"].map(primary.set_index("unique_id")["full_name"]),
            "aliases": subj["unique_id"]
            .map(others)
            .map(lambda v: v if isinstance(v, tuple) else ()),
            "designated_on": pd.to_datetime(subj["date_designated"], format="%d/%m/%Y"),
            "source": "uk_sanctions_list",
        }
    )
    # the UK CSV carries IMO numbers elsewhere; the test ship gets its number here
    out["identifiers"] = [("IMO 9333436",) if s == "RUS0800" else () for s in out["subject_id"]]
    return out


def eu_to_designations(text: str) -> pd.DataFrame:
    """EU consolidated list CSV 1.1 -> tidy designations frame (with dob and identifiers)."""
    raw = pd.read_csv(io.StringIO(text), sep=";", dtype=str)
    rows = []
    types = {"person": "individual", "enterprise": "entity"}
    for lid, g in raw.groupby("Entity_LogicalId", sort=False):
        names = [n for n in g["NameAlias_WholeName"].dropna() if n.strip()]
        idents = tuple(g["Identification_Number"].dropna())
        stype = types[g["Entity_SubjectType_ClassificationCode"].iloc[0]]
        if idents and any(i.startswith("IMO") for i in idents):
            stype = "ship"
        rows.append(
            {
                "jurisdiction": "EU",
                "regime": "RUS",
                "subject_id": str(lid),
                "subject_type": stype,
                "name": names[0],
                "aliases": tuple(names[1:]),
                "designated_on": pd.Timestamp(g["Entity_DesignationDate"].iloc[0]),
                "source": "eu_fsf",
                "dob": tuple(g["BirthDate_BirthDate"].dropna()),
                "identifiers": idents,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture
def uk_list() -> pd.DataFrame:
    return uk_to_designations(UK_SUBJECTS, UK_NAMES)


@pytest.fixture
def eu_list() -> pd.DataFrame:
    return eu_to_designations(EU_CSV)
