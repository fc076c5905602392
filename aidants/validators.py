from django.core.exceptions import ValidationError

from aidants.demarches import Demarche

# La Poste's establishments share one SIREN and use a different checksum rule (the sum of
# the digits is a multiple of 5); its head office, 35600000000048, still follows Luhn.
_LA_POSTE_SIREN = "356000000"


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    # isdigit() alone accepts non-ASCII digits (fullwidth, superscript), and int() some of them.
    if len(value) != 14 or not (value.isascii() and value.isdigit()):
        raise ValidationError("Le SIRET doit comporter exactement 14 chiffres.", code="format")
    la_poste_ok = value.startswith(_LA_POSTE_SIREN) and sum(int(c) for c in value) % 5 == 0
    if not (la_poste_ok or _luhn_ok(value)):
        raise ValidationError(
            "Ce numéro SIRET n'est pas valide (clé de contrôle).", code="checksum"
        )


def validate_demarche_list(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("La liste des démarches est mal formée.", code="format")
    unknown = sorted(set(value) - set(Demarche.values))
    if unknown:
        raise ValidationError(
            "Démarches inconnues : %(unknown)s.", params={"unknown": ", ".join(unknown)}
        )
