import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from journal.models import Action, Entry
from mandats.models import Mandat
from mandats.reminders import send_expiry_reminders
from mandats.tasks import send_expiry_reminders as reminders_task
from tests.factories import AidantFactory, MandatFactory, MembershipFactory, OrganisationFactory
from tests.sandbox.process import ROOT


def _expiring(organisation, days_left, **kwargs):
    now = timezone.now()
    return MandatFactory(
        organisation=organisation,
        created_at=now - timedelta(days=365 - days_left),
        duration=365,
        demarches=["papiers"],
        **kwargs,
    )


def test_reminders_email_each_organisation_once_per_mandate(
    organisation, responsable, aidant, mailoutbox
):
    soon = _expiring(organisation, 10)
    later = _expiring(organisation, 60)
    other_org = OrganisationFactory()
    other_resp = AidantFactory()
    MembershipFactory(aidant=other_resp, organisation=other_org, role="responsable")
    theirs = _expiring(other_org, 3)
    assert send_expiry_reminders() == 2
    assert len(mailoutbox) == 2
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {responsable.email, other_resp.email}
    assert soon.usager.full_name in by_recipient[responsable.email].body
    assert later.usager.full_name not in by_recipient[responsable.email].body
    assert theirs.usager.full_name not in by_recipient[responsable.email].body
    # Once per mandate: a second run sends nothing.
    assert send_expiry_reminders() == 0
    assert len(mailoutbox) == 2
    assert Entry.objects.filter(action=Action.EXPIRY_REMINDER_SENT).count() == 2
    later.refresh_from_db()
    assert later.reminder_sent_at is None


def test_cancelled_or_expired_mandates_are_not_reminded(organisation, responsable, mailoutbox):
    cancelled = _expiring(organisation, 5)
    cancelled.cancelled_at, cancelled.cancelled_by = timezone.now(), responsable
    cancelled.save()
    _expiring(organisation, -2)
    assert send_expiry_reminders() == 0
    assert mailoutbox == []


def test_without_responsable_the_aidants_are_told(organisation, aidant, mailoutbox):
    _expiring(organisation, 5)
    send_expiry_reminders()
    assert mailoutbox[0].to == [aidant.email]


def test_task_runs_eagerly(organisation, responsable, mailoutbox):
    _expiring(organisation, 5)
    assert reminders_task.apply().get() == 1
    assert len(mailoutbox) == 1


def test_beat_schedule_runs_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["mandats-expiry-reminders"]
    assert entry["task"] == reminders_task.name


@pytest.mark.django_db(transaction=True)
def test_reminders_through_a_real_redis_broker_and_worker(organisation, responsable):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    mandat = _expiring(organisation, 7)
    queue = f"mandats-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        reminders_task.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            mandat.refresh_from_db()
            if mandat.reminder_sent_at is not None:
                break
            assert worker.poll() is None, worker.stdout.read() if worker.stdout else ""
            time.sleep(0.5)
        assert mandat.reminder_sent_at is not None
        assert Entry.objects.filter(action=Action.EXPIRY_REMINDER_SENT).count() == 1
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=20)
    # The console email backend of the worker printed the email.
    assert "Subject: Relais : 1 mandat(s) arrivent" in output, output[-3000:]
    assert mandat.usager.family_name in output
    assert Mandat.objects.filter(reminder_sent_at__isnull=False).count() == 1


def _test_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
