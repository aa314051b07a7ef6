"""Codes for children: sex, ethnicity (ONS 2021 categories) and the YJB's 5+1 groups."""

from __future__ import annotations

from django.db import models


class Sex(models.TextChoices):
    """Sex as recorded (the YJB's returns use male / female / not known)."""

    MALE = "male", "Male"
    FEMALE = "female", "Female"
    NOT_KNOWN = "not_known", "Not known"


class EthnicGroup(models.TextChoices):
    """The YJB's 5+1 ethnic groups, derived from the recorded ONS category."""

    WHITE = "white", "White"
    MIXED = "mixed", "Mixed"
    BLACK = "black", "Black or Black British"
    ASIAN = "asian", "Asian or Asian British"
    OTHER = "other", "Other ethnic group"
    NOT_KNOWN = "not_known", "Not known"


class Ethnicity(models.TextChoices):
    """ONS Census 2021 ethnic categories (England and Wales), plus not known / refused."""

    WHITE_BRITISH = "WBRI", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "WIRI", "White: Irish"
    WHITE_TRAVELLER = "WIRT", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "WROM", "White: Roma"
    WHITE_OTHER = "WOTH", "White: any other White background"
    MIXED_WBC = "MWBC", "Mixed: White and Black Caribbean"
    MIXED_WBA = "MWBA", "Mixed: White and Black African"
    MIXED_WAS = "MWAS", "Mixed: White and Asian"
    MIXED_OTHER = "MOTH", "Mixed: any other Mixed or multiple background"
    ASIAN_INDIAN = "AIND", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "APKN", "Asian or Asian British: Pakistani"
    ASIAN_BANGLADESHI = "ABAN", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "ACHN", "Asian or Asian British: Chinese"
    ASIAN_OTHER = "AOTH", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "BAFR", "Black or Black British: African"
    BLACK_CARIBBEAN = "BCRB", "Black or Black British: Caribbean"
    BLACK_OTHER = "BOTH", "Black or Black British: any other Black background"
    OTHER_ARAB = "OARA", "Other ethnic group: Arab"
    OTHER_ANY = "OOTH", "Other ethnic group: any other ethnic group"
    REFUSED = "REFU", "Refused"
    NOT_OBTAINED = "NOBT", "Information not yet obtained"


_GROUP_BY_LETTER = {
    "W": EthnicGroup.WHITE,
    "M": EthnicGroup.MIXED,
    "A": EthnicGroup.ASIAN,
    "B": EthnicGroup.BLACK,
    "O": EthnicGroup.OTHER,
}

ETHNIC_GROUP_OF: dict[str, str] = {
    code: str(_GROUP_BY_LETTER.get(code[0], EthnicGroup.NOT_KNOWN))
    for code in Ethnicity.values
}
ETHNIC_GROUP_OF["REFU"] = str(EthnicGroup.NOT_KNOWN)
ETHNIC_GROUP_OF["NOBT"] = str(EthnicGroup.NOT_KNOWN)


def ethnic_group_of(code: str) -> str:
    """The YJB 5+1 group for an ONS ethnicity code."""
    return ETHNIC_GROUP_OF.get(code, str(EthnicGroup.NOT_KNOWN))


def ethnic_group_expression(field: str = "ethnicity") -> models.Case:
    """A database expression deriving the 5+1 group from the stored code."""
    whens = []
    for group in EthnicGroup.values:
        codes = [c for c, g in ETHNIC_GROUP_OF.items() if g == group]
        if codes and group != EthnicGroup.NOT_KNOWN:
            whens.append(models.When(**{f"{field}__in": codes}, then=models.Value(group)))
    return models.Case(*whens, default=models.Value(str(EthnicGroup.NOT_KNOWN)))
