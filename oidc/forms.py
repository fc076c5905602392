from __future__ import annotations

from typing import Any

from django import forms

from mandats.models import Autorisation


class UsagerSearchForm(forms.Form):
    q = forms.CharField(
        label="Nom, prénom ou date de naissance (JJ/MM/AAAA)",
        min_length=2,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "autofocus": True}),
    )


class DemarcheChoiceForm(forms.Form):
    autorisation = forms.TypedChoiceField(
        label="Démarche",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une démarche."},
    )

    def __init__(self, *args: Any, autorisations: list[Autorisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.autorisations = {a.pk: a for a in autorisations}
        field = self.fields["autorisation"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(a.pk, a.get_demarche_display()) for a in autorisations]
        if len(autorisations) == 1:
            field.initial = autorisations[0].pk

    def clean_autorisation(self) -> Autorisation:
        return self.autorisations[self.cleaned_data["autorisation"]]
