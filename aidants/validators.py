from django.core.exceptions import ValidationError

from aidants.demarches import Demarche

# La Poste's establishments share one SIREN and use a different checksum rule.
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
    if len(value) != 14 or not value.isdigit():
        raise ValidationError("Le SIRET doit comporter exactement 14 chiffres.", code="format")
    if value.startswith(_LA_POSTE_SIREN):
        valid = sum(int(c) for c in value) % 5 == 0
    else:
        valid = _luhn_ok(value)
    if not valid:
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
