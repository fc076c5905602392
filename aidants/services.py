"""State changes on aidants, structures and OTP devices. Each one writes the journal."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

import journal
from aidants.models import Aidant, CarteTOTP, Membership, Organisation, Role
from journal.models import Action


class ServiceError(Exception):
    """A refused action; its message is shown to the user as it is (in French)."""


def invitation_url(aidant: Aidant) -> str:
    from django.conf import settings

    uid = urlsafe_base64_encode(force_bytes(aidant.pk))
    token = default_token_generator.make_token(aidant)
    return settings.SITE_URL + reverse("aidants:invitation", args=[uid, token])


def _send_invitation(aidant: Aidant, organisation: Organisation) -> None:
    context = {"aidant": aidant, "organisation": organisation, "url": invitation_url(aidant)}
    send_mail(
        subject=f"Votre accès à Relais pour {organisation.name}",
        message=render_to_string("aidants/email/invitation.txt", context),
        from_email=None,
        recipient_list=[aidant.email],
    )


ALREADY_MEMBER = "Cette personne fait déjà partie de votre structure."


def add_aidant(
    *,
    responsable: Aidant,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    role: Role = Role.AIDANT,
) -> Membership:
    try:
        # A savepoint: when two responsables add the same person at the same moment, the
        # loser's insert breaks a unique constraint and only its own work is undone.
        with transaction.atomic():
            return _add_aidant(
                responsable=responsable,
                organisation=organisation,
                email=email.strip().lower(),
                first_name=first_name,
                last_name=last_name,
                role=role,
            )
    except IntegrityError as error:
        raise ServiceError(
            "Cette personne vient d'être ajoutée en même temps par quelqu'un d'autre. "
            "Rechargez la liste des aidants pour la voir."
        ) from error


def _find_aidant(email: str) -> Aidant | None:
    return Aidant.objects.filter(email__iexact=email).first()


def _is_member(aidant: Aidant, organisation: Organisation) -> bool:
    return Membership.objects.filter(aidant=aidant, organisation=organisation).exists()


def _add_aidant(
    *,
    responsable: Aidant,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
) -> Membership:
    aidant = _find_aidant(email)
    created = aidant is None
    if aidant is None:
        aidant = Aidant.objects.create_user(
            email=email, first_name=first_name, last_name=last_name, password=None
        )
    elif _is_member(aidant, organisation):
        raise ServiceError(ALREADY_MEMBER)
    membership = Membership.objects.create(aidant=aidant, organisation=organisation, role=role)
    if aidant.current_organisation_id is None:
        aidant.current_organisation = organisation
        aidant.save(update_fields=["current_organisation"])
    journal.record(
        Action.AIDANT_ADDED,
        aidant=responsable,
        organisation=organisation,
        target_aidant=aidant,
        details={"role": role, "new_account": created},
    )
    if created:
        transaction.on_commit(lambda: _send_invitation(aidant, organisation))
    return membership


@transaction.atomic
def resend_invitation(*, responsable: Aidant, membership: Membership) -> None:
    """Sends a fresh invitation link to an aidant who has not chosen a password yet (the
    first link may have expired or been lost)."""
    aidant = membership.aidant
    if not membership.is_active:
        raise ServiceError("Réactivez d'abord l'accès de cette personne.")
    if aidant.has_usable_password():
        raise ServiceError(
            "Cette personne a déjà choisi son mot de passe : elle peut se connecter."
        )
    journal.record(
        Action.INVITATION_RESENT,
        aidant=responsable,
        organisation=membership.organisation,
        target_aidant=aidant,
    )
    organisation = membership.organisation
    transaction.on_commit(lambda: _send_invitation(aidant, organisation))


PASSWORD_LINK_INTERVAL_SECONDS = 5 * 60


@transaction.atomic
def send_password_link(email: str) -> None:
    """Mails a link to choose a new password to the aidant with this address, if one may
    log in. Whoever asks learns nothing either way (the page says the same), and an
    account receives at most one link every five minutes, however often someone asks."""
    aidant = Aidant.objects.filter(email__iexact=email.strip()).first()
    if aidant is None or not aidant.can_log_in():
        return
    if not cache.add(f"relais:password-link:{aidant.pk}", 1, PASSWORD_LINK_INTERVAL_SECONDS):
        return
    journal.record(Action.PASSWORD_LINK_SENT, aidant=aidant)
    context = {"aidant": aidant, "url": invitation_url(aidant)}
    transaction.on_commit(
        lambda: send_mail(
            subject="Choisir un nouveau mot de passe Relais",
            message=render_to_string("aidants/email/password_link.txt", context),
            from_email=None,
            recipient_list=[aidant.email],
        )
    )


@transaction.atomic
def set_membership_active(*, responsable: Aidant, membership: Membership, active: bool) -> None:
    if membership.aidant_id == responsable.pk:
        raise ServiceError("Vous ne pouvez pas modifier votre propre accès.")
    if membership.is_active == active:
        return
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    journal.record(
        Action.AIDANT_REACTIVATED if active else Action.AIDANT_DEACTIVATED,
        aidant=responsable,
        organisation=membership.organisation,
        target_aidant=membership.aidant,
    )


@transaction.atomic
def confirm_app_device(*, aidant: Aidant, device: TOTPDevice, code: str) -> None:
    """Confirms an authenticator-app enrolment with its first valid code."""
    if device.user_id != aidant.pk or device.confirmed:
        raise ServiceError("Cet enrôlement n'est plus valable. Recommencez.")
    if not device.verify_token(code):
        raise ServiceError("Code incorrect. Vérifiez l'heure de votre téléphone et réessayez.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    journal.record(
        Action.OTP_DEVICE_ADDED,
        aidant=aidant,
        organisation=aidant.current_organisation,
        details={"device": "app", "device_id": device.pk},
    )


@transaction.atomic
def associate_carte(
    *, responsable: Aidant, membership: Membership, serial: str, code: str
) -> TOTPDevice:
    carte = CarteTOTP.objects.select_for_update().filter(serial=serial.strip()).first()
    if carte is None or carte.device_id is not None:
        raise ServiceError("Aucune carte disponible ne porte ce numéro de série.")
    device = TOTPDevice.objects.create(
        user=membership.aidant,
        name=f"Carte {carte.serial}",
        key=carte.key,
        step=carte.step,
        tolerance=1,
        confirmed=True,
    )
    if not device.verify_token(code):
        # The exception rolls the new device back: nothing changes.
        raise ServiceError("Le code ne correspond pas à cette carte.")
    carte.device = device
    carte.save(update_fields=["device"])
    journal.record(
        Action.OTP_DEVICE_ASSOCIATED,
        aidant=responsable,
        organisation=membership.organisation,
        target_aidant=membership.aidant,
        details={"device": "carte", "serial": carte.serial},
    )
    return device


@transaction.atomic
def remove_device(*, responsable: Aidant, membership: Membership, device: TOTPDevice) -> None:
    if device.user_id != membership.aidant_id:
        raise ServiceError("Ce dispositif n'appartient pas à cet aidant.")
    details: dict[str, str | int] = {"device_id": device.pk}
    carte = CarteTOTP.objects.filter(device=device).first()
    if carte is not None:
        carte.device = None
        carte.save(update_fields=["device"])
        details["serial"] = carte.serial
    device.delete()
    journal.record(
        Action.OTP_DEVICE_REMOVED,
        aidant=responsable,
        organisation=membership.organisation,
        target_aidant=membership.aidant,
        details=details,
    )


@transaction.atomic
def switch_organisation(*, aidant: Aidant, organisation: Organisation) -> None:
    if not aidant.active_memberships().filter(organisation=organisation).exists():
        raise ServiceError("Vous ne faites pas partie de cette structure.")
    previous = aidant.current_organisation
    aidant.current_organisation = organisation
    aidant.save(update_fields=["current_organisation"])
    journal.record(
        Action.ORGANISATION_SWITCHED,
        aidant=aidant,
        organisation=organisation,
        details={"from_organisation_id": previous.pk if previous else None},
    )


@transaction.atomic
def import_cartes(*, rows: list[tuple[str, str]], step: int = 60) -> int:
    """Adds hardware cards to the stock; a serial already known is refused."""
    serials = [serial for serial, _ in rows]
    known = set(CarteTOTP.objects.filter(serial__in=serials).values_list("serial", flat=True))
    if known:
        raise ServiceError(f"Numéros de série déjà importés : {', '.join(sorted(known))}.")
    CarteTOTP.objects.bulk_create(CarteTOTP(serial=s, key=k, step=step) for s, k in rows)
    return len(rows)
