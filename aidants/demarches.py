"""The catalogue of démarches a mandate can cover.

It lives at the bottom of the dependency chain (aidants ← mandats ← oidc) because
organisations already restrict which démarches they may handle.
"""

from django.db import models


class Demarche(models.TextChoices):
    PAPIERS = "papiers", "Papiers - Citoyenneté - Élections"
    FAMILLE = "famille", "Famille - Scolarité"
    SOCIAL = "social", "Social - Santé"
    TRAVAIL = "travail", "Travail - Formation"
    LOGEMENT = "logement", "Logement"
    TRANSPORTS = "transports", "Transports - Mobilité"
    ARGENT = "argent", "Argent - Impôts - Consommation"
    JUSTICE = "justice", "Justice"
    ETRANGER = "etranger", "Étranger - Europe"
    LOISIRS = "loisirs", "Loisirs - Sports - Culture"


DEMARCHE_EXAMPLES: dict[str, str] = {
    Demarche.PAPIERS: "Carte d'identité, passeport, inscription sur les listes électorales",
    Demarche.FAMILLE: "Allocations familiales, inscription à l'école, naissance",
    Demarche.SOCIAL: "Carte Vitale, complémentaire santé solidaire, RSA, handicap",
    Demarche.TRAVAIL: "Inscription à France Travail, formation, arrêt de travail",
    Demarche.LOGEMENT: "Aide au logement, demande de logement social, déménagement",
    Demarche.TRANSPORTS: "Permis de conduire, carte grise, amendes",
    Demarche.ARGENT: "Déclaration de revenus, impôts, surendettement",
    Demarche.JUSTICE: "Casier judiciaire, aide juridictionnelle, plainte",
    Demarche.ETRANGER: "Titre de séjour, naturalisation, démarches à l'étranger",
    Demarche.LOISIRS: "Chasse, pêche, associations, activités culturelles",
}


def all_demarches() -> list[str]:
    return [d.value for d in Demarche]
