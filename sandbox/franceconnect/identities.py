"""The test identities the sandbox offers, in FranceConnect's claim formats."""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TestIdentity:
    key: str
    label: str
    given_name: str
    family_name: str
    birthdate: str
    gender: str
    birthplace: str
    birthcountry: str
    email: str
    preferred_username: str = ""

    def claims(self) -> dict[str, str]:
        values = asdict(self)
        del values["key"], values["label"]
        return values


IDENTITIES = [
    TestIdentity(
        key="angela",
        label="Née en France",
        given_name="Angela Claire Louise",
        family_name="DUBOIS",
        birthdate="1962-08-24",
        gender="female",
        birthplace="75107",
        birthcountry="99100",
        email="angela.dubois@example.fr",
    ),
    TestIdentity(
        key="karim",
        label="Né à l'étranger (lieu de naissance vide)",
        given_name="Karim",
        family_name="BENALI",
        birthdate="1985-03-12",
        gender="male",
        birthplace="",
        birthcountry="99350",
        email="karim.benali@example.fr",
    ),
    TestIdentity(
        key="marie",
        label="Date de naissance présumée (1948-00-00)",
        given_name="Marie Thérèse",
        family_name="LE GALL",
        birthdate="1948-00-00",
        gender="female",
        birthplace="29019",
        birthcountry="99100",
        email="marie.legall@example.fr",
    ),
    TestIdentity(
        key="pierre",
        label="Avec un nom d'usage",
        given_name="Pierre",
        family_name="MARTIN",
        birthdate="1971-11-00",
        gender="male",
        birthplace="35238",
        birthcountry="99100",
        email="pierre.martin@example.fr",
        preferred_username="MARTIN-LEROY",
    ),
]
BY_KEY = {identity.key: identity for identity in IDENTITIES}
