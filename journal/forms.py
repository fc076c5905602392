from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps

from aidants.models import Aidant, Organisation
from journal.models import Action
from journal.queries import Filters


class FilterForm(forms.Form):
    """The auditor filters (GET). Responsables get no structure field: theirs is forced."""

    date_from = forms.DateField(
        label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    organisation = forms.ModelChoiceField(
        label="Structure",
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="Toutes",
    )
    aidant = forms.EmailField(label="Aidant (adresse électronique)", required=False)
    usager = forms.IntegerField(label="Numéro d'usager", required=False, min_value=1)
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Toutes"), *Action.choices]
    )

    def __init__(self, *args: Any, whole_journal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # By name: the journal app imports no other app's models.
        self.fields["client"] = forms.ModelChoiceField(
            label="Client OIDC",
            queryset=apps.get_model("oidc", "Client").objects.order_by("name"),
            required=False,
            empty_label="Tous",
        )
        if not whole_journal:
            del self.fields["organisation"]

    def clean_aidant(self) -> Aidant | None:
        email = self.cleaned_data["aidant"]
        if not email:
            return None
        aidant = Aidant.objects.filter(email__iexact=email).first()
        if aidant is None:
            raise forms.ValidationError("Aucun aidant n'a cette adresse.")
        return aidant

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("La date de début doit précéder la date de fin.")
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            organisation=data.get("organisation"),
            aidant=data.get("aidant"),
            usager_id=data.get("usager"),
            action=data.get("action") or "",
            client=data.get("client"),
        )
