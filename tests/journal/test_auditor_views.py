import csv
import hashlib
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

import journal
from journal import queries
from journal.hashing import chain_step
from journal.models import Action, Entry
from journal.sealing import make_checkpoint, seal_pending
from journal.signing import SignedHead, signature_is_valid, trusted_keys
from journal.verification import verify_and_store
from tests.helpers import login_verified


def _ids(response) -> list[int]:
    return [entry.pk for entry in response.context["entries"]]


def test_auditor_sees_every_structure(client, auditor, aidant, other_organisation_entry):
    own = journal.record(Action.LOGOUT, aidant=aidant, organisation=aidant.current_organisation)
    response = login_verified(client, auditor).get(reverse("journal:entries"))
    assert response.status_code == 200
    assert set(_ids(response)) >= {own.pk, other_organisation_entry.pk}
    assert "organisation" in response.context["form"].fields


def test_responsable_sees_only_their_structure(client, responsable, other_organisation_entry):
    own = journal.record(
        Action.LOGOUT, aidant=responsable, organisation=responsable.current_organisation
    )
    login_verified(client, responsable)
    response = client.get(reverse("journal:entries"))
    assert _ids(response) == [own.pk]
    assert "organisation" not in response.context["form"].fields
    # Asking for another structure does not widen the scope.
    response = client.get(
        reverse("journal:entries"), {"organisation": other_organisation_entry.organisation_id}
    )
    assert _ids(response) == [own.pk]


def test_responsable_gets_404_for_another_structures_entry(
    client, responsable, other_organisation_entry
):
    login_verified(client, responsable)
    for name in ("journal:entry", "journal:proof"):
        response = client.get(reverse(name, args=[other_organisation_entry.pk]))
        assert response.status_code == 404


@pytest.mark.parametrize("name", ["journal:entries", "journal:export", "journal:verification"])
def test_plain_aidant_is_refused(client, aidant, name):
    response = login_verified(client, aidant).get(reverse(name))
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("journal:entries"))
    assert response.status_code == 302 and reverse("aidants:login") in response["Location"]


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_journal_pages_are_read_only(client, auditor, aidant, method):
    entry = journal.record(Action.LOGOUT, aidant=aidant)
    login_verified(client, auditor)
    for url in (reverse("journal:entries"), reverse("journal:entry", args=[entry.pk])):
        assert getattr(client, method)(url).status_code == 405
    assert Entry.objects.count() == 1


def test_filters_by_action_aidant_usager_organisation_and_dates(client, auditor, aidant):
    from tests.factories import UsagerFactory

    usager = UsagerFactory()
    organisation = aidant.current_organisation
    logout = journal.record(Action.LOGOUT, aidant=aidant, organisation=organisation)
    with_usager = journal.record(Action.AIDANT_ADDED, aidant=aidant, usager=usager)
    anonymous = journal.record(Action.LOCKOUT)
    login_verified(client, auditor)
    url = reverse("journal:entries")
    assert _ids(client.get(url, {"action": "logout"})) == [logout.pk]
    assert _ids(client.get(url, {"usager": with_usager.usager_id})) == [with_usager.pk]
    assert _ids(client.get(url, {"organisation": organisation.pk})) == [logout.pk]
    assert set(_ids(client.get(url, {"aidant": aidant.email.upper()}))) == {
        logout.pk,
        with_usager.pk,
    }
    today = timezone.localdate()
    assert anonymous.pk in _ids(client.get(url, {"date_from": today, "date_to": today}))
    assert _ids(client.get(url, {"date_to": today - timedelta(days=1)})) == []


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-02-01", "date_to": "2026-01-01"},
        {"aidant": "personne@relais.test"},
        {"usager": "abc"},
        {"action": "not_an_action"},
    ],
)
def test_bad_filters_are_explained(client, auditor, params):
    response = login_verified(client, auditor).get(reverse("journal:entries"), params)
    assert response.status_code == 400
    assert response.context["form"].errors


def test_keyset_pagination_walks_every_entry_once(client, auditor, aidant, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    created = [journal.record(Action.LOGOUT, aidant=aidant) for _ in range(7)]
    login_verified(client, auditor)
    seen: list[int] = []
    url: str | None = reverse("journal:entries")
    pages = 0
    while url:
        response = client.get(url)
        seen += _ids(response)
        next_query = response.context["next_query"]
        url = f"{reverse('journal:entries')}?{next_query}" if next_query else None
        pages += 1
    assert pages == 3
    assert seen == sorted((e.pk for e in created), reverse=True)


def test_keyset_breaks_timestamp_ties_by_id(db):
    moment = timezone.now()
    # Inserted directly: the pages only read the rows.
    entries = [
        Entry.objects.create(action=Action.LOGOUT, created_at=moment, content_hash="0" * 64)
        for _ in range(5)
    ]
    rows, cursor = queries.page(Entry.objects.all(), None, size=2)
    assert cursor is not None
    middle, cursor = queries.page(Entry.objects.all(), queries.Cursor.decode(cursor.encode()), 2)
    rest, end = queries.page(Entry.objects.all(), cursor, 2)
    assert end is None
    assert [r.pk for r in rows + middle + rest] == sorted((e.pk for e in entries), reverse=True)
    assert queries.Cursor.decode("garbage") is None
    assert queries.Cursor.decode("") is None
    assert queries.Cursor.decode("99999999999999999999999_1") is None


def test_bad_cursor_shows_the_first_page(client, auditor, aidant):
    entry = journal.record(Action.LOGOUT, aidant=aidant)
    response = login_verified(client, auditor).get(reverse("journal:entries"), {"apres": "x_y"})
    assert _ids(response) == [entry.pk]


def test_entry_page_shows_the_seal_and_a_proof_that_verifies(client, auditor, aidant):
    entries = [journal.record(Action.LOGOUT, aidant=aidant, details={"i": i}) for i in range(4)]
    seal_pending()
    make_checkpoint(force=True)
    target = entries[1]
    login_verified(client, auditor)
    page = client.get(reverse("journal:entry", args=[target.pk]))
    assert page.status_code == 200
    assert target.content_hash in page.content.decode()
    assert reverse("journal:proof", args=[target.pk]) in page.content.decode()

    response = client.get(reverse("journal:proof", args=[target.pk]))
    text = b"".join(response.streaming_content).decode()
    lines = text.splitlines()
    previous = bytes.fromhex(
        next(line for line in lines if line.startswith("chaînage précédent: ")).split(": ")[1]
    )
    rows = [line.split() for line in lines if line[:1].isdigit()]
    assert rows[0] == [str(target.seal.sequence), str(target.pk), target.content_hash]
    for _sequence, entry_id, content in rows:
        previous = chain_step(previous, int(entry_id), content)
    note = dict(
        line.split(": ", 1)
        for line in lines
        if ": " in line and line.split(": ")[0] in {"taille", "racine", "date", "signature"}
    )
    assert note["racine"] == previous.hex() and int(note["taille"]) == 4
    # The note's signature checks with the public key alone.
    head = SignedHead(4, note["racine"], parse_datetime(note["date"]))
    key, signature = note["signature"].split()
    assert signature_is_valid(head, key, signature, trusted_keys())


def test_proof_of_an_unsealed_entry_is_404(client, auditor, aidant):
    entry = journal.record(Action.LOGOUT, aidant=aidant)
    login_verified(client, auditor)
    assert client.get(reverse("journal:proof", args=[entry.pk])).status_code == 404
    assert (
        "En attente de scellement"
        in client.get(reverse("journal:entry", args=[entry.pk])).content.decode()
    )


def test_csv_export_streams_french_columns_a_checksum_and_is_journaled(
    client, auditor, aidant, monkeypatch
):
    from journal import export

    monkeypatch.setattr(export, "BATCH", 2)
    for i in range(5):
        journal.record(Action.LOGOUT, aidant=aidant, details={"i": i, "texte": 'é,"x"'})
    login_verified(client, auditor)
    response = client.get(reverse("journal:export"), {"action": "logout"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    *data, last = body.splitlines(keepends=True)
    rows = list(csv.reader(io.StringIO("".join(data))))
    assert rows[0][:3] == ["Numéro", "Date (UTC)", "Action"]
    assert len(rows) == 6 and {r[2] for r in rows[1:]} == {"logout"}
    assert json_ok(rows[1][11])
    checksum = hashlib.sha256("".join(data).encode()).hexdigest()
    assert checksum in last and "5 entrées" in last
    exported = Entry.objects.get(action=Action.JOURNAL_EXPORTED)
    assert exported.aidant == auditor
    assert exported.details["filters"]["action"] == "logout"


def json_ok(value: str) -> bool:
    import json

    return json.loads(value)["texte"] == 'é,"x"'


def test_responsable_export_is_limited_to_their_structure(
    client, responsable, other_organisation_entry
):
    journal.record(Action.LOGOUT, aidant=responsable, organisation=responsable.current_organisation)
    response = login_verified(client, responsable).get(reverse("journal:export"))
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))[1:-1]
    assert str(other_organisation_entry.pk) not in {r[0] for r in rows}
    assert {r[5] for r in rows} == {responsable.current_organisation.name}


def test_verification_page_shows_the_checkpoint_and_last_run(client, auditor, aidant):
    journal.record(Action.LOGOUT, aidant=aidant)
    seal_pending()
    checkpoint = make_checkpoint(force=True)
    assert checkpoint is not None
    login_verified(client, auditor)
    page = client.get(reverse("journal:verification")).content.decode()
    assert checkpoint.root_hash in page and "pas encore été vérifié" in page
    verify_and_store()
    page = client.get(reverse("journal:verification")).content.decode()
    assert "Conforme" in page
    text = client.get(reverse("journal:checkpoint_text", args=[checkpoint.pk])).content.decode()
    assert text == checkpoint.as_text()
    head = SignedHead(checkpoint.tree_size, checkpoint.root_hash, checkpoint.signed_at)
    assert head.message().decode() in text


def test_nav_links_to_the_journal_for_auditors_and_responsables_only(
    client, auditor, responsable, aidant
):
    link = f'href="{reverse("journal:entries")}"'
    assert (
        link in login_verified(client, responsable).get(reverse("aidants:espace")).content.decode()
    )
    client.logout()
    assert (
        link not in login_verified(client, aidant).get(reverse("aidants:espace")).content.decode()
    )


def test_admin_lists_entries_read_only(client, aidant):
    from tests.factories import AidantFactory, add_totp_device

    admin_user = AidantFactory(is_staff=True, is_superuser=True)
    add_totp_device(admin_user)
    entry = journal.record(Action.LOGOUT, aidant=aidant)
    login_verified(client, admin_user)
    assert client.get(reverse("admin:journal_entry_changelist")).status_code == 200
    assert client.get(reverse("admin:journal_entry_change", args=[entry.pk])).status_code == 200
    assert client.post(reverse("admin:journal_entry_delete", args=[entry.pk])).status_code == 403


def test_client_is_recorded_hashed_filtered_and_exported(client, auditor, aidant, oidc_client):
    from journal.hashing import content_hash, entry_fields

    with_client = journal.record(Action.LOGOUT, aidant=aidant, client=oidc_client)
    journal.record(Action.LOGOUT, aidant=aidant)
    with_client.refresh_from_db()
    assert with_client.client == oidc_client
    assert with_client.content_hash == content_hash(**entry_fields(with_client))
    seal_pending()
    assert verify_and_store().ok
    login_verified(client, auditor)
    response = client.get(reverse("journal:entries"), {"client": oidc_client.pk})
    assert _ids(response) == [with_client.pk]
    page = client.get(reverse("journal:entry", args=[with_client.pk])).content.decode()
    assert oidc_client.client_id in page
    body = b"".join(
        client.get(reverse("journal:export"), {"client": oidc_client.pk}).streaming_content
    ).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][10] == "Client OIDC" and rows[1][10] == oidc_client.client_id
    assert len(rows) == 3  # header, one entry, checksum
