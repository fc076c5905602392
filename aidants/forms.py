from __future__ import annotations

import csv
import io
import re
from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError

from aidants.models import Organisation, Role

_CODE_RE = re.compile(r"^\d{6}$")
_SERIAL_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HEX_RE = re.compile(r"^[0-9a-fA-F]{32,80}$")


class LoginForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class OTPCodeField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Code à 6 chiffres")
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "pattern": "[0-9]{6}",
                    "maxlength": "6",
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        code = "".join(str(super().clean(value)).split())
        if not _CODE_RE.match(code):
            raise ValidationError("Le code comporte exactement 6 chiffres.", code="format")
        return code


class OTPForm(forms.Form):
    code = OTPCodeField()


class InvitationPasswordForm(SetPasswordForm):
    pass


class PasswordForgottenForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique", max_length=254)


class SwitchOrganisationForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Structure", queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class AddAidantForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(label="Adresse électronique professionnelle")
    role = forms.ChoiceField(label="Rôle", choices=Role.choices, initial=Role.AIDANT)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class AssociateCarteForm(forms.Form):
    serial = forms.CharField(label="Numéro de série de la carte", max_length=64)
    code = OTPCodeField(label="Code affiché par la carte")

    def clean_serial(self) -> str:
        serial = self.cleaned_data["serial"].strip()
        if not _SERIAL_RE.match(serial):
            raise ValidationError("Numéro de série mal formé.")
        return serial


class ImportCartesForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier CSV", help_text="Deux colonnes : numéro de série, graine hexadécimale."
    )

    def clean_fichier(self) -> list[tuple[str, str]]:
        raw = self.cleaned_data["fichier"].read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("Le fichier doit être encodé en UTF-8.") from exc
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if not row or all(not cell.strip() for cell in row):
                continue
            if number == 1 and row[0].strip().lower() in {"serial", "numero", "numéro de série"}:
                continue
            if len(row) != 2:
                raise ValidationError(f"Ligne {number} : deux colonnes attendues.")
            serial, key = row[0].strip(), row[1].strip()
            if not _SERIAL_RE.match(serial):
                raise ValidationError(f"Ligne {number} : numéro de série mal formé.")
            # An odd number of hex digits is not a whole number of bytes: unusable seed.
            if not _HEX_RE.match(key) or len(key) % 2:
                raise ValidationError(f"Ligne {number} : la graine doit être hexadécimale.")
            if serial in seen:
                raise ValidationError(f"Ligne {number} : numéro de série en double.")
            seen.add(serial)
            rows.append((serial, key.lower()))
        if not rows:
            raise ValidationError("Le fichier ne contient aucune carte.")
        return rows
