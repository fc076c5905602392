import threading

import pytest
from django.db import connection, transaction

import journal
from journal.hashing import content_hash, entry_fields
from journal.models import Action, Checkpoint, Entry, PendingEntry, Seal
from journal.sealing import make_checkpoint, run_sealer, seal_pending
from journal.signing import current_public_key, key_id, signature_is_valid, trusted_keys


def test_record_hashes_every_field_and_queues_the_entry(aidant, organisation):
    from tests.factories import MandatFactory

    mandat = MandatFactory(organisation=organisation, demarches=["papiers"])
    autorisation = mandat.autorisations.get()  # type: ignore[attr-defined]
    entry = journal.record(
        Action.AIDANT_ADDED,
        aidant=aidant,
        organisation=organisation,
        target_aidant=aidant,
        usager=mandat.usager,
        mandat=mandat,
        autorisation=autorisation,
        details={"b": [1, 2], "a": "é"},
    )
    entry.refresh_from_db()
    assert entry.usager == mandat.usager and entry.autorisation == autorisation
    assert entry.content_hash == content_hash(**entry_fields(entry))
    assert PendingEntry.objects.filter(entry=entry).exists()
    other = Entry(**{f: getattr(entry, f) for f in ("action", "created_at", "details")})
    other.aidant_id, other.organisation_id = aidant.pk, organisation.pk
    assert content_hash(**entry_fields(other)) != entry.content_hash  # usager etc. count


def test_entry_rolls_back_with_the_business_change(aidant):
    with pytest.raises(RuntimeError), transaction.atomic():
        journal.record(Action.LOGOUT, aidant=aidant)
        raise RuntimeError("business change failed")
    assert not Entry.objects.exists() and not PendingEntry.objects.exists()


def test_unknown_action_is_refused(aidant):
    with pytest.raises(ValueError):
        journal.record("not_an_action", aidant=aidant)


def test_sealer_chains_in_order_and_empties_the_queue(aidant):
    entries = [journal.record(Action.LOGOUT, aidant=aidant) for _ in range(3)]
    assert seal_pending() == 3
    seals = list(Seal.objects.order_by("sequence"))
    assert [s.sequence for s in seals] == [1, 2, 3]
    assert [s.entry_id for s in seals] == [e.pk for e in entries]
    assert not PendingEntry.objects.exists()
    assert seal_pending() == 0


def test_sealer_leaves_an_entry_changed_before_sealing_queued(aidant):
    entry = journal.record(Action.LOGOUT, aidant=aidant)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("UPDATE journal_entry SET action = 'lockout' WHERE id = %s", [entry.pk])
        cursor.execute("SET session_replication_role = DEFAULT")
    assert seal_pending() == 0
    assert PendingEntry.objects.filter(entry=entry).exists()


def test_checkpoint_is_signed_and_exported_as_text(aidant):
    journal.record(Action.LOGOUT, aidant=aidant)
    run_sealer()
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.tree_size == 1
    assert checkpoint.root_hash == Seal.objects.get().chain_hash
    assert checkpoint.key_id == key_id(current_public_key())
    assert signature_is_valid(
        checkpoint.head(), checkpoint.key_id, checkpoint.signature, trusted_keys()
    )
    text = checkpoint.as_text()
    assert text.startswith("Relais journal checkpoint v1\ntaille: 1\n")
    assert f"racine: {checkpoint.root_hash}" in text and checkpoint.signature in text


def test_no_new_checkpoint_without_new_entries_or_before_the_interval(aidant):
    journal.record(Action.LOGOUT, aidant=aidant)
    run_sealer()
    assert make_checkpoint(force=True) is None  # same size
    journal.record(Action.LOGOUT, aidant=aidant)
    run_sealer()
    assert Checkpoint.objects.count() == 1  # interval not elapsed
    assert make_checkpoint(force=True) is not None


def test_seal_journal_command_prints_the_signed_checkpoint(aidant, capsys):
    from django.core.management import call_command

    journal.record(Action.LOGOUT, aidant=aidant)
    call_command("seal_journal")
    out = capsys.readouterr().out
    assert "1 entrées scellées." in out and "taille: 1" in out


@pytest.mark.django_db(transaction=True)
def test_open_transaction_neither_blocks_others_nor_gets_sealed_before_commit(aidant):
    recorded = threading.Event()
    release = threading.Event()

    def slow_business_transaction() -> None:
        try:
            with transaction.atomic():
                journal.record(Action.AIDANT_ADDED, aidant=aidant)
                recorded.set()
                assert release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_business_transaction)
    thread.start()
    try:
        assert recorded.wait(10)
        # Another transaction writes and commits while the first one is still open.
        with transaction.atomic():
            quick = journal.record(Action.LOGOUT, aidant=aidant)
        assert seal_pending() == 1
        assert Seal.objects.get().entry_id == quick.pk
    finally:
        release.set()
        thread.join(10)
    assert seal_pending() == 1
    assert Seal.objects.count() == 2


def test_record_seals_on_commit_without_a_celery_worker(
    aidant, settings, django_capture_on_commit_callbacks
):
    settings.JOURNAL_SEAL_ON_COMMIT = True
    with django_capture_on_commit_callbacks(execute=True):
        entry = journal.record(Action.LOGOUT, aidant=aidant)
    assert Seal.objects.get().entry_id == entry.pk
    assert Checkpoint.objects.get().tree_size == 1


def test_floats_in_details_are_refused(aidant):
    with pytest.raises(TypeError, match="no floats"):
        journal.record(Action.LOGOUT, aidant=aidant, details={"ratio": 1e20})
    assert not Entry.objects.exists()
