"""verify_journal recomputes everything and names the first bad entry."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

import journal
from journal import verification
from journal.hashing import chain_step
from journal.models import Action, Checkpoint, Entry, Seal, VerificationRun
from journal.sealing import make_checkpoint, seal_pending
from tests.journal.conftest import triggers_disabled


def _run() -> verification.Result:
    return verification.verify()


def _seal_of(entry: Entry) -> Seal:
    return Seal.objects.get(entry=entry)


def test_verify_journal_prints_the_count_and_stores_the_run(sealed_entries, capsys):
    sealed_entries(5)
    call_command("verify_journal")
    assert "5 entrées vérifiées, 1 points de contrôle" in capsys.readouterr().out
    call_command("verify_journal", "--independent")
    assert "5 entrées vérifiées, 1 points de contrôle" in capsys.readouterr().out
    run = VerificationRun.objects.order_by("started_at").first()
    assert run is not None and run.ok and run.entries_verified == 5


def test_an_empty_journal_verifies(db):
    result = _run()
    assert result.ok and result.entries == 0


def test_altered_row_is_named_as_content_changed(sealed_entries):
    entries = sealed_entries(6)
    target = entries[3]
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE journal_entry SET action = 'logout' WHERE id = %s", [target.pk])
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_journal")
    sequence = _seal_of(target).sequence
    assert f"séquence {sequence}, entrée n° {target.pk} : contenu modifié" in str(excinfo.value)
    run = VerificationRun.objects.get()
    assert not run.ok and run.failed_sequence == sequence and run.failed_entry_id == target.pk


@pytest.mark.parametrize(
    "forged_details",
    [{"n": 99}, {"avant": {"role": "responsable"}}],
    ids=["flat", "nested"],  # nested details are hashed by Python in the fast pass
)
def test_altered_row_with_recomputed_hash_breaks_the_chain_there(sealed_entries, forged_details):
    entries = sealed_entries(6)
    target = entries[2]
    target.details = forged_details
    from journal.hashing import content_hash, entry_fields

    forged = content_hash(**entry_fields(target))
    with triggers_disabled() as cursor:
        cursor.execute(
            "UPDATE journal_entry SET details = %s, content_hash = %s WHERE id = %s",
            [json.dumps(target.details), forged, target.pk],
        )
    problem = _run().problem
    assert problem is not None
    assert (problem.sequence, problem.entry_id) == (_seal_of(target).sequence, target.pk)


def test_deleted_row_is_named_as_missing(sealed_entries):
    entries = sealed_entries(6)
    target = entries[4]
    sequence = _seal_of(target).sequence
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM journal_seal WHERE entry_id = %s", [target.pk])
        cursor.execute("DELETE FROM journal_entry WHERE id = %s", [target.pk])
    problem = _run().problem
    assert problem is not None
    assert problem.sequence == sequence and problem.kind == verification.ENTRY_MISSING


def test_deleted_entry_row_under_its_seal_is_named(sealed_entries):
    entries = sealed_entries(4)
    target = entries[1]
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM journal_entry WHERE id = %s", [target.pk])
    problem = _run().problem
    assert problem is not None
    assert problem.entry_id == target.pk and problem.kind == verification.ENTRY_MISSING
    with triggers_disabled() as cursor:
        # Leave no dangling key for the test teardown's constraint check.
        cursor.execute("DELETE FROM journal_seal WHERE entry_id = %s", [target.pk])


def test_deleted_tail_is_caught_by_the_checkpoint(sealed_entries):
    entries = sealed_entries(5)
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM journal_seal WHERE entry_id = %s", [entries[-1].pk])
        cursor.execute("DELETE FROM journal_entry WHERE id = %s", [entries[-1].pk])
    problem = _run().problem
    assert problem is not None
    assert problem.sequence == 5 and problem.kind == verification.ENTRY_MISSING


def test_deleted_row_with_renumbered_seals_is_named(sealed_entries):
    sealed_entries(6)
    with triggers_disabled() as cursor:
        cursor.execute("DELETE FROM journal_seal WHERE sequence = 3 RETURNING entry_id")
        (entry_id,) = cursor.fetchone()
        cursor.execute("DELETE FROM journal_entry WHERE id = %s", [entry_id])
        cursor.execute("UPDATE journal_seal SET sequence = sequence - 1 WHERE sequence > 3")
    problem = _run().problem
    assert problem is not None
    assert problem.sequence == 3 and problem.kind == verification.ENTRY_MISSING


def _insert_forged_at(sequence: int, *, correct_chain: bool) -> int:
    """Insert a back-dated entry in the middle of the chain, shifting the later seals."""
    previous = Seal.objects.get(sequence=sequence - 1)
    forged = Entry(
        action=Action.AIDANT_ADDED,
        created_at=previous.entry.created_at + timedelta(microseconds=1),
        details={},
    )
    from journal.hashing import content_hash, entry_fields

    forged.content_hash = content_hash(**entry_fields(forged))
    chain = (
        chain_step(bytes.fromhex(previous.chain_hash), 10**9, forged.content_hash).hex()
        if correct_chain
        else hashlib.sha256(b"forged").hexdigest()
    )
    with triggers_disabled() as cursor:
        cursor.execute(
            "INSERT INTO journal_entry (id, action, created_at, details, hash_version, "
            "content_hash) VALUES (%s, %s, %s, '{}', 1, %s)",
            [10**9, forged.action, forged.created_at, forged.content_hash],
        )
        cursor.execute(
            "UPDATE journal_seal SET sequence = sequence + 1000 WHERE sequence >= %s", [sequence]
        )
        cursor.execute(
            "UPDATE journal_seal SET sequence = sequence - 999 WHERE sequence >= %s",
            [sequence + 1000],
        )
        cursor.execute(
            "INSERT INTO journal_seal (sequence, entry_id, chain_hash, sealed_at) "
            "VALUES (%s, %s, %s, now())",
            [sequence, 10**9, chain],
        )
    return 10**9


@pytest.mark.parametrize("correct_chain", [True, False])
def test_inserted_row_is_named_as_inserted(sealed_entries, correct_chain):
    sealed_entries(6)
    forged_id = _insert_forged_at(3, correct_chain=correct_chain)
    problem = _run().problem
    assert problem is not None
    assert (problem.sequence, problem.entry_id, problem.kind) == (
        3,
        forged_id,
        verification.ENTRY_INSERTED,
    )


def test_swapped_rows_are_named_as_order_changed(sealed_entries):
    entries = sealed_entries(6)
    first, second = entries[1], entries[2]
    columns = "action, created_at, details, content_hash"
    with triggers_disabled() as cursor:
        cursor.execute(
            f"UPDATE journal_entry AS e SET ({columns}) = "
            f"(SELECT {columns} FROM journal_entry o WHERE o.id = "
            "CASE WHEN e.id = %s THEN %s ELSE %s END) WHERE e.id IN (%s, %s)",
            [first.pk, second.pk, first.pk, first.pk, second.pk],
        )
    problem = _run().problem
    assert problem is not None
    assert (problem.sequence, problem.entry_id, problem.kind) == (
        _seal_of(first).sequence,
        first.pk,
        verification.ORDER_CHANGED,
    )


def test_swapped_seals_are_named_as_order_changed(sealed_entries):
    sealed_entries(6)
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE journal_seal SET sequence = -sequence WHERE sequence IN (4, 5)")
        cursor.execute("UPDATE journal_seal SET sequence = 9 + sequence WHERE sequence = -4")
        cursor.execute("UPDATE journal_seal SET sequence = 4 WHERE sequence = -5")
    problem = _run().problem
    assert problem is not None
    assert problem.sequence == 4 and problem.kind == verification.ORDER_CHANGED


def test_rewritten_chain_is_caught_by_the_signed_checkpoint(sealed_entries):
    entries = sealed_entries(5)
    # The attacker recomputes every hash after changing entry 2: only the signature holds.
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE journal_entry SET details = '{}' WHERE id = %s", [entries[1].pk])
        previous = bytes(32)
        for entry in Entry.objects.order_by("seal__sequence"):
            from journal.hashing import content_hash, entry_fields

            forged = content_hash(**entry_fields(entry))
            previous = chain_step(previous, entry.pk, forged)
            cursor.execute(
                "UPDATE journal_entry SET content_hash = %s WHERE id = %s", [forged, entry.pk]
            )
            cursor.execute(
                "UPDATE journal_seal SET chain_hash = %s WHERE entry_id = %s",
                [previous.hex(), entry.pk],
            )
    problem = _run().problem
    assert problem is not None
    assert problem.sequence == 5 and problem.kind == verification.CHECKPOINT_MISMATCH


def test_forged_checkpoint_signature_is_caught(sealed_entries):
    sealed_entries(3)
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE journal_checkpoint SET signed_at = signed_at - interval '1 hour'")
    problem = _run().problem
    assert problem is not None
    assert problem.kind == verification.CHECKPOINT_MISMATCH and "signature" in problem.detail


def test_unsealed_entry_older_than_the_bound_is_reported(aidant, settings):
    entry = journal.record(Action.LOGOUT, aidant=aidant)
    assert _run().ok  # young enough
    with triggers_disabled() as cursor:
        cursor.execute(
            "UPDATE journal_entry SET created_at = %s WHERE id = %s",
            [timezone.now() - timedelta(seconds=settings.JOURNAL_SEAL_BOUND_SECONDS + 1), entry.pk],
        )
        cursor.execute("DELETE FROM journal_pendingentry")
    problem = _run().problem
    assert problem is not None
    assert problem.entry_id == entry.pk and problem.kind == verification.UNSEALED


def test_checkpoints_are_counted_across_the_chain(sealed_entries):
    sealed_entries(3)
    sealed_entries(2)
    assert Checkpoint.objects.count() == 2
    result = _run()
    assert result.ok and (result.entries, result.checkpoints) == (5, 2)


def test_verify_reads_in_chunks(sealed_entries, monkeypatch):
    monkeypatch.setattr(verification, "CHUNK", 2)
    sealed_entries(5)
    assert _run().ok
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM journal_seal")
        assert cursor.fetchone()[0] == 5


def test_server_side_serialisation_matches_journal_hashing(aidant, organisation, oidc_client):
    """verify formats time and ids in SQL: it must agree with record() byte for byte."""
    from datetime import UTC, datetime

    from journal.hashing import content_hash, entry_fields
    from journal.sealing import seal_pending
    from tests.factories import MandatFactory

    mandat = MandatFactory(organisation=organisation, demarches=["papiers"])
    tricky = {
        "é": 'ü "q" \\ \n\t\u0001',
        "list": [1, None, True, -(10**15), "2.5"],
        "nested": {"b": {}, "a": []},
    }
    for moment in (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), timezone.now()):
        entry = Entry(
            action=Action.AIDANT_ADDED,
            created_at=moment,
            aidant=aidant,
            organisation=organisation,
            target_aidant=aidant,
            usager=mandat.usager,
            mandat=mandat,
            autorisation=mandat.autorisations.first(),  # type: ignore[attr-defined]
            client=oidc_client,
            details=tricky,
        )
        entry.content_hash = content_hash(**entry_fields(entry))
        entry.save()
    journal.record(Action.LOGOUT)
    seal_pending()
    assert connection.vendor == "postgresql"
    # The server's hashing flags nothing: no row needs the Python re-check.
    assert verification._fast_scan(3, parallel=False) is None
    result = _run()
    assert result.ok and result.entries == 3


def test_the_server_hashes_flat_details_itself_byte_for_byte(aidant):
    """Flat details are canonicalised in SQL, not sent back to Python: keys in code point
    order (jsonb keeps them by length first), escapes and non-ASCII text as json.dumps
    writes them. A hash that differed would come back as a suspicious row."""
    flat = {
        "zz": 1,
        "a": 'é "q" \\ \n\t\u0001 ✓',
        "ab": True,
        "b": None,
        "é": -(10**15),
        "B": "",
    }
    for details in (flat, {"seul": "x"}):
        journal.record(Action.LOGOUT, aidant=aidant, details=details)
    seal_pending()
    with connection.cursor() as cursor:
        cursor.execute(
            verification._FAST_SCAN,
            {"start": 0, "stop": 2, "first_id": 0, "last_id": 2**62},
        )
        assert cursor.fetchall() == []
    # And a changed value in one of them is caught by the server alone.
    first = Entry.objects.order_by("id").values_list("id", flat=True)[0]
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE journal_entry SET details = jsonb_set(details, '{zz}', '2') WHERE id = %s",
            [first],
        )
    assert verification._fast_scan(2, parallel=False) == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_fast_pass_and_independent_mode_name_the_same_entry(aidant, monkeypatch):
    monkeypatch.setattr(verification, "FAST_CHUNK", 2)
    entries = [journal.record(Action.LOGOUT, aidant=aidant, details={"i": i}) for i in range(7)]
    seal_pending()
    make_checkpoint(force=True)
    assert verification.verify().ok  # committed data: two worker connections, one snapshot
    with triggers_disabled() as cursor:
        cursor.execute("UPDATE journal_entry SET details = '{}' WHERE id = %s", [entries[5].pk])
    for independent in (False, True):
        problem = verification.verify(independent=independent).problem
        assert problem is not None
        assert (problem.sequence, problem.kind) == (6, verification.CONTENT_CHANGED)


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_fails_fails_the_verification(aidant, monkeypatch):
    """A range nobody scanned must not pass for a verified one."""
    monkeypatch.setattr(verification, "FAST_CHUNK", 2)
    for _ in range(5):
        journal.record(Action.LOGOUT, aidant=aidant)
    seal_pending()

    def broken(snapshot: str) -> None:
        raise ConnectionError("le serveur a fermé la connexion")

    monkeypatch.setattr(verification, "_worker_connection", broken)
    with pytest.raises(ConnectionError):
        verification.verify()


def test_a_null_slipped_into_a_sealed_row_is_flagged_not_skipped(sealed_entries):
    """A superuser who also drops a NOT NULL could blank a hash: SQL's NULL must not turn
    the comparisons that should flag the row into ones that skip it."""
    entries = sealed_entries(4)
    target = entries[1]
    with triggers_disabled() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before the ALTER
        cursor.execute("ALTER TABLE journal_entry ALTER COLUMN content_hash DROP NOT NULL")
        cursor.execute("UPDATE journal_entry SET content_hash = NULL WHERE id = %s", [target.pk])
    assert verification._fast_scan(4, parallel=False) == _seal_of(target).sequence
