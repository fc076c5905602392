"""The auditor space: read-only. Auditors see the whole journal, responsables their
structure's entries; anyone else gets 403, and another structure's entry is a 404."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

import journal
from config.errors import Forbidden, NotFound
from journal.export import csv_lines
from journal.forms import FilterForm
from journal.models import Action, Checkpoint, Entry, Seal, VerificationRun
from journal.queries import (
    Cursor,
    Filters,
    apply_filters,
    can_read_journal,
    page,
    reader_scope,
    visible_entries,
)
from journal.signing import current_public_key, public_key_bytes

ViewFunc = Callable[..., HttpResponseBase]


def journal_reader_required(view_func: ViewFunc) -> ViewFunc:
    @wraps(view_func)
    @require_GET
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_read_journal(request):
            raise Forbidden("Réservé aux auditeurs et aux responsables de structure.")
        return view_func(request, *args, **kwargs)

    return wrapper


def _filtered(request: HttpRequest) -> tuple[FilterForm, Filters | None]:
    form = FilterForm(request.GET or None, whole_journal=reader_scope(request) is None)
    if not form.is_bound:
        return form, Filters()
    return form, (form.filters() if form.is_valid() else None)


@journal_reader_required
def entries_view(request: HttpRequest) -> HttpResponse:
    form, filters = _filtered(request)
    entries: list[Entry] = []
    next_cursor = None
    if filters is not None:
        cursor = Cursor.decode(request.GET.get("apres", ""))
        queryset = apply_filters(visible_entries(reader_scope(request)), filters)
        entries, next_cursor = page(queryset, cursor)
    query = request.GET.copy()
    if next_cursor is not None:
        query["apres"] = next_cursor.encode()
    return render(
        request,
        "journal/entries.html",
        {
            "form": form,
            "entries": entries,
            "next_query": query.urlencode() if next_cursor else "",
            "first_query": _without_cursor(request),
            "is_first_page": "apres" not in request.GET,
        },
        status=200 if filters is not None else 400,
    )


def _without_cursor(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("apres", None)
    return query.urlencode()


def _entry(request: HttpRequest, entry_id: int) -> Entry:
    return get_object_or_404(
        visible_entries(reader_scope(request)).select_related(
            "aidant", "organisation", "target_aidant", "usager", "client", "seal"
        ),
        pk=entry_id,
    )


def _seal(entry: Entry) -> Seal | None:
    try:
        return entry.seal
    except Seal.DoesNotExist:
        return None


@journal_reader_required
def entry_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    seal = _seal(entry)
    latest = Checkpoint.objects.order_by("-tree_size").first()
    covered = seal is not None and latest is not None and latest.tree_size >= seal.sequence
    return render(
        request,
        "journal/entry.html",
        {"entry": entry, "seal": seal, "checkpoint": latest, "covered": covered},
    )


def _proof_lines(seal: Seal, checkpoint: Checkpoint) -> Iterator[str]:
    previous = Seal.objects.filter(sequence=seal.sequence - 1).values_list("chain_hash", flat=True)
    yield "Preuve d'inclusion dans le journal Relais (v1)\n"
    yield (
        "chaînage(n) = SHA-256(chaînage(n-1) || numéro d'entrée sur 8 octets, gros-boutiste"
        " || empreinte(n)), chaînage(0) = 32 octets nuls\n"
    )
    yield f"séquence: {seal.sequence}\n"
    yield f"chaînage précédent: {previous.first() or '00' * 32}\n"
    yield "séquence numéro-d'entrée empreinte\n"
    start = seal.sequence - 1
    while start < checkpoint.tree_size:
        stop = min(start + 5000, checkpoint.tree_size)
        rows = (
            Seal.objects.filter(sequence__gt=start, sequence__lte=stop)
            .order_by("sequence")
            .values_list("sequence", "entry_id", "entry__content_hash")
        )
        yield "".join(f"{sequence} {entry_id} {content}\n" for sequence, entry_id, content in rows)
        start = stop
    yield "\n"
    yield checkpoint.as_text()


@journal_reader_required
def proof_view(request: HttpRequest, entry_id: int) -> StreamingHttpResponse:
    entry = _entry(request, entry_id)
    seal = _seal(entry)
    checkpoint = Checkpoint.objects.order_by("-tree_size").first()
    if seal is None or checkpoint is None or checkpoint.tree_size < seal.sequence:
        raise NotFound("Cette entrée n'est pas encore couverte par un point de contrôle.")
    response = StreamingHttpResponse(
        _proof_lines(seal, checkpoint), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="preuve-{entry.pk}.txt"'
    return response


@journal_reader_required
def export_view(request: HttpRequest) -> HttpResponseBase:
    _form, filters = _filtered(request)
    if filters is None:
        return entries_view(request)
    scope = reader_scope(request)
    journal.record(
        Action.JOURNAL_EXPORTED,
        aidant=request.user,  # type: ignore[arg-type]
        organisation=scope,
        details={"filters": filters.as_details()},
    )
    queryset = apply_filters(visible_entries(scope), filters)
    response = StreamingHttpResponse(csv_lines(queryset), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="journal-{stamp}.csv"'
    return response


@journal_reader_required
def verification_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "journal/verification.html",
        {
            "checkpoint": Checkpoint.objects.order_by("-tree_size").first(),
            "run": VerificationRun.objects.order_by("-started_at").first(),
            "public_key": base64.b64encode(public_key_bytes(current_public_key())).decode(),
        },
    )


@journal_reader_required
def checkpoint_text_view(request: HttpRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = get_object_or_404(Checkpoint, pk=checkpoint_id)
    response = HttpResponse(checkpoint.as_text(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'inline; filename="point-de-controle-{checkpoint.tree_size}.txt"'
    )
    return response
