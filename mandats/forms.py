from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django_otp import match_token

from aidants.demarches import DEMARCHE_EXAMPLES, Demarche
from aidants.forms import OTPCodeField
from aidants.models import Aidant, Organisation
from mandats.models import Duration, SignatureKind
from mandats.signature import InvalidSignatureError, Signature, drawn_signature, typed_signature


class DemarchesForm(forms.Form):
    demarches = forms.MultipleChoiceField(
        label="Démarches confiées à l'aidant",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins une démarche."},
    )
    duration = forms.TypedChoiceField(
        label="Durée du mandat",
        choices=Duration.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez une durée."},
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = set(organisation.allowed_demarches)
        self.fields["demarches"].choices = [  # type: ignore[attr-defined]
            (d.value, d.label) for d in Demarche if d.value in allowed
        ]

    def demarche_options(self) -> list[dict[str, Any]]:
        """The checkboxes with their examples, for the template."""
        return [
            {
                "widget": widget,
                "example": DEMARCHE_EXAMPLES[widget.data["value"]],
                "is_argent": widget.data["value"] == Demarche.ARGENT,
            }
            for widget in self["demarches"]
        ]


class SignatureForm(forms.Form):
    """The usager's signature (drawn, or typed name + consent) and the aidant's OTP."""

    wizard_id = forms.UUIDField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(
        label="Façon de signer",
        choices=[
            (SignatureKind.DRAWN.value, "Signer avec le doigt ou un stylet"),
            (SignatureKind.TYPED.value, "Saisir son nom et cocher la case (sans dessin)"),
        ],
        widget=forms.RadioSelect,
        initial=SignatureKind.DRAWN.value,
    )
    signature_json = forms.CharField(required=False, widget=forms.HiddenInput, max_length=400_000)
    typed_name = forms.CharField(label="Nom et prénom de l'usager", required=False, max_length=300)
    consent = forms.BooleanField(
        label="J'accepte ce mandat et je le signe en saisissant mon nom.", required=False
    )
    code = OTPCodeField(label="Code à 6 chiffres de l'aidant")

    def __init__(self, *args: Any, aidant: Aidant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aidant = aidant
        self.fields["typed_name"].widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        mode = data.get("mode")
        try:
            if mode == SignatureKind.DRAWN:
                data["signature"] = drawn_signature(data.get("signature_json") or "")
            elif mode == SignatureKind.TYPED:
                if not data.get("consent"):
                    raise ValidationError({"consent": "L'usager doit cocher la case pour signer."})
                data["signature"] = typed_signature(data.get("typed_name") or "")
        except InvalidSignatureError as error:
            field = "typed_name" if mode == SignatureKind.TYPED else None
            self.add_error(field, str(error))
            return data
        # Checked last, so that a signature error does not burn the aidant's code.
        ready = "signature" in data and "code" in data and not self.errors
        if ready and match_token(self.aidant, data["code"]) is None:
            self.add_error("code", "Code incorrect ou déjà utilisé.")
        return data

    @property
    def signature(self) -> Signature:
        signature: Signature = self.cleaned_data["signature"]
        return signature


class SendAttestationForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique de l'usager")


class UsagerSearchForm(forms.Form):
    q = forms.CharField(
        label="Rechercher par nom ou date de naissance",
        required=False,
        max_length=100,
        help_text="Par exemple : Dubois, ou 24/08/1962, ou 1962-08-24",
    )


class TransferForm(forms.Form):
    target = forms.ModelChoiceField(
        label="Structure choisie par l'usager", queryset=Organisation.objects.none()
    )
    confirm = forms.BooleanField(
        label="L'usager a lui-même choisi cette structure et accepte le transfert."
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (  # type: ignore[attr-defined]
            Organisation.objects.active().exclude(pk=organisation.pk).order_by("name")
        )
