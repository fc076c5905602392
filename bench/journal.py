"""Journal benchmark, on PostgreSQL: `make bench-journal` (options: BENCH_ARGS="--seed 200000").

It creates (and drops) its own database, relais_bench, then measures:
1. appends/s with 1 and 8 concurrent writers (processes, one entry per transaction) through
   journal.record(), with the sealer running as Celery beat would, against plain inserts
   (the same single INSERT statement) into an unchained table of the same shape (same
   columns, indexes and foreign keys); each entry standalone (its INSERT is its own
   transaction), then each inside BEGIN ... COMMIT as when written with a business change;
2. after seeding N entries with COPY (sealed, with signed checkpoints every 100,000):
   the verify_journal rate, the p50/p95 of the auditor queries (first and deep page), and
   the time and memory of exporting 1 million rows as CSV.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ would come first on the path and shadow the journal app.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

ORGANISATIONS = 1000
AIDANTS = 5000
USAGERS = 100_000
CHECKPOINT_EVERY = 100_000
NULL = "\\N"
ACTIONS = ["login_succeeded", "logout", "organisation_switched", "aidant_added", "login_failed"]


def _admin_url(url: str) -> str:
    base, _, _name = url.rpartition("/")
    return f"{base}/postgres"


def create_database(url: str) -> None:
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(_admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    name = url.rpartition("/")[2]
    with psycopg.connect(_admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str) -> None:
    from bench.environment import use_production_like

    use_production_like()
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ["JOURNAL_SEAL_ON_COMMIT"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def create_fixtures() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO aidants_organisation (name, siret, type, address, allowed_demarches,"
            " is_active, created_at) SELECT 'Structure ' || i, lpad(i::text, 14, '0'), 'mairie',"
            " '', '[]', true, now() FROM generate_series(1, %s) i",
            [ORGANISATIONS],
        )
        cursor.execute(
            "INSERT INTO aidants_aidant (password, email, first_name, last_name, is_active,"
            " is_staff, is_superuser, date_joined, current_organisation_id)"
            " SELECT '!', 'aidant' || i || '@bench.test', 'Camille', 'Martin' || i, true,"
            " false, false, now(), 1 + i %% %s FROM generate_series(1, %s) i",
            [ORGANISATIONS, AIDANTS],
        )
        cursor.execute(
            "INSERT INTO mandats_usager (sub, given_name, family_name, birthdate, gender,"
            " birthplace, birthcountry, email, preferred_username, contact_email,"
            " contact_phone, created_at) SELECT md5(i::text) || 'v1', 'Angela', 'DUBOIS' || i,"
            " '1962-08-24', 'female', '75107', '99100', 'u' || i || '@example.fr', '', '',"
            " '', now() FROM generate_series(1, %s) i",
            [USAGERS],
        )
        cursor.execute(
            "CREATE TABLE bench_plain (LIKE journal_entry INCLUDING DEFAULTS"
            " INCLUDING INDEXES INCLUDING IDENTITY)"
        )
        for column, table in [
            ("aidant_id", "aidants_aidant"),
            ("organisation_id", "aidants_organisation"),
            ("target_aidant_id", "aidants_aidant"),
            ("usager_id", "mandats_usager"),
            ("mandat_id", "mandats_mandat"),
            ("autorisation_id", "mandats_autorisation"),
        ]:
            cursor.execute(
                f"ALTER TABLE bench_plain ADD FOREIGN KEY ({column}) REFERENCES {table} (id)"
                " DEFERRABLE INITIALLY DEFERRED"
            )


def plain_model() -> Any:
    from django.db import models

    class PlainEntry(models.Model):
        action = models.CharField(max_length=64)
        created_at = models.DateTimeField()
        aidant_id = models.BigIntegerField(null=True)
        organisation_id = models.BigIntegerField(null=True)
        usager_id = models.BigIntegerField(null=True)
        details = models.JSONField(default=dict)
        hash_version = models.PositiveSmallIntegerField(default=1)
        content_hash = models.CharField(max_length=64, default="")

        class Meta:
            app_label = "journal"
            db_table = "bench_plain"
            managed = False

        def __str__(self) -> str:
            return f"{self.pk}"

    return PlainEntry


# -- 1. appends -------------------------------------------------------------------------


def _writer(kind: str, seconds: float, seed: int, counter: Any, in_atomic: bool) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    import journal
    from aidants.models import Aidant, Organisation
    from journal.models import Action
    from journal.recording import insert_row

    rng = random.Random(seed)
    plain = plain_model() if kind == "plain" else None
    # Callers hold their aidant and organisation already: build them outside the clock.
    aidants = [Aidant(pk=pk) for pk in range(1, AIDANTS + 1)]
    organisations = [Organisation(pk=pk) for pk in range(1, ORGANISATIONS + 1)]
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        aidant = rng.choice(aidants)
        organisation = rng.choice(organisations)
        details = {"demarche": "papiers", "n": done}
        # Standalone (autocommit), the INSERT is its own transaction, like a login failure
        # journaled outside any business change; in_atomic wraps it in BEGIN ... COMMIT,
        # like an entry written with a business change.
        with transaction.atomic() if in_atomic else nullcontext():
            if plain is not None:
                # The same INSERT ... RETURNING that journal.record() sends, so that the
                # difference is the chaining alone (hash, queue trigger, sealer).
                insert_row(
                    plain(
                        action="logout",
                        created_at=timezone.now(),
                        aidant_id=aidant.pk,
                        organisation_id=organisation.pk,
                        details=details,
                    )
                )
            else:
                journal.record(
                    Action.LOGOUT, aidant=aidant, organisation=organisation, details=details
                )
        done += 1
    connection.close()
    with counter.get_lock():
        counter.value += done


def _sealer(stop: Any, interval: float) -> None:
    from django.db import connection

    from journal.models import PendingEntry
    from journal.sealing import run_sealer

    while not stop.is_set():
        run_sealer()
        stop.wait(interval)
    while PendingEntry.objects.exists():
        run_sealer()
    connection.close()


def measure_appends(
    kind: str, writers: int, seconds: float, in_atomic: bool = False
) -> dict[str, float]:
    from django.db import connection, connections

    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    stop = context.Event()
    connections.close_all()
    sealer = None
    if kind == "chained":
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM journal_entry")
            first_id = cursor.fetchone()[0]
        connections.close_all()
        sealer = context.Process(target=_sealer, args=(stop, 2.0))
        sealer.start()
    processes = [
        context.Process(target=_writer, args=(kind, seconds, index, counter, in_atomic))
        for index in range(writers)
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.monotonic() - started
    result = {"appends_per_s": counter.value / elapsed, "entries": counter.value}
    if sealer is not None:
        stop.set()
        sealer.join()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d),"
                " percentile_cont(0.99) WITHIN GROUP (ORDER BY d), max(d), count(*) FROM ("
                " SELECT extract(epoch FROM s.sealed_at - e.created_at) AS d"
                " FROM journal_entry e JOIN journal_seal s ON s.entry_id = e.id"
                " WHERE e.id > %s) t",
                [first_id],
            )
            p50, p99, worst, sealed = cursor.fetchone()
        result |= {"seal_lag_p50_s": p50, "seal_lag_p99_s": p99, "seal_lag_max_s": worst}
        result["sealed"] = sealed
    return result


# -- 2. seed ----------------------------------------------------------------------------


def seed(count: int, url: str) -> dict[str, Any]:
    import psycopg
    from django.db import connection

    from journal.hashing import GENESIS, chain_step, content_hash
    from journal.models import Checkpoint
    from journal.signing import SignedHead, sign

    started = time.monotonic()
    rng = random.Random(42)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM journal_entry")
        first_id = cursor.fetchone()[0] + 1
        cursor.execute(
            "SELECT sequence, chain_hash FROM journal_seal ORDER BY sequence DESC LIMIT 1"
        )
        last = cursor.fetchone()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'journal_entry'"
            " AND indexname NOT LIKE '%%pkey'"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
    sequence, previous = (last[0], bytes.fromhex(last[1])) if last else (0, GENESIS)
    end = datetime.now(UTC) - timedelta(minutes=5)
    start = end - timedelta(days=365)
    step = timedelta(days=365) / count
    pg = connection.connection
    checkpoints = []
    block = 50_000
    # Entries and seals stream at once, on two connections, so nothing piles up in memory.
    with psycopg.connect(url, autocommit=True) as seals_connection:
        seals_connection.execute("SET session_replication_role = replica")
        seals_connection.execute("SET synchronous_commit = off")
        with (
            pg.cursor() as raw,
            raw.copy(
                "COPY journal_entry (id, action, created_at, aidant_id, organisation_id,"
                " usager_id, details, hash_version, content_hash) FROM STDIN"
            ) as entries_copy,
            seals_connection.cursor() as raw_seals,
            raw_seals.copy(
                "COPY journal_seal (sequence, entry_id, chain_hash, sealed_at) FROM STDIN"
            ) as seals_copy,
        ):
            for offset in range(0, count, block):
                entry_lines = []
                seal_lines = []
                for index in range(offset, min(offset + block, count)):
                    ident = first_id + index
                    created = start + step * index
                    aidant = rng.randint(1, AIDANTS)
                    organisation = rng.randint(1, ORGANISATIONS)
                    usager = rng.randint(1, USAGERS) if rng.random() < 0.5 else None
                    action = ACTIONS[index % len(ACTIONS)]
                    details = {"demarche": "papiers"} if index % 3 == 0 else {}
                    digest = content_hash(
                        version=1,
                        action=action,
                        created_at=created,
                        aidant_id=aidant,
                        organisation_id=organisation,
                        target_aidant_id=None,
                        usager_id=usager,
                        mandat_id=None,
                        autorisation_id=None,
                        client_id=None,
                        details=details,
                    )
                    stamp = created.isoformat()
                    entry_lines.append(
                        f"{ident}\t{action}\t{stamp}\t{aidant}\t{organisation}\t"
                        f"{usager or NULL}\t{json.dumps(details)}\t1\t{digest}\n"
                    )
                    sequence += 1
                    previous = chain_step(previous, ident, digest)
                    seal_lines.append(f"{sequence}\t{ident}\t{previous.hex()}\t{stamp}\n")
                    if sequence % CHECKPOINT_EVERY == 0:
                        checkpoints.append((sequence, previous.hex(), created))
                entries_copy.write("".join(entry_lines))
                seals_copy.write("".join(seal_lines))
    copied = time.monotonic() - started
    if sequence % CHECKPOINT_EVERY:
        checkpoints.append((sequence, previous.hex(), end))
    signed = []
    for size, root, moment in checkpoints:
        head = SignedHead(size, root, moment)
        key, signature = sign(head)
        signed.append(
            Checkpoint(tree_size=size, root_hash=root, signed_at=moment, key_id=key,
                       signature=signature)
        )  # fmt: skip
    Checkpoint.objects.bulk_create(signed)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('journal_entry', 'id'),"
            " (SELECT max(id) FROM journal_entry))"
        )
        cursor.execute("SET session_replication_role = DEFAULT")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) journal_entry")
        cursor.execute("VACUUM (ANALYZE) journal_seal")
    return {
        "entries": count,
        "copy_s": copied,
        "total_s": time.monotonic() - started,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


# -- 3. verify, queries, export -----------------------------------------------------------


def measure_verify() -> dict[str, float]:
    from journal.verification import verify

    result = verify()
    if not result.ok:
        raise SystemExit(f"verify failed: {result.problem}")
    return {
        "entries": result.entries,
        "seconds": result.seconds,
        "entries_per_s": result.entries / result.seconds,
        "checkpoints": result.checkpoints,
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p95_ms": samples[max(0, int(len(samples) * 0.95) - 1)] * 1000,
        "runs": len(samples),
    }


def _deep_cursor(queryset: Any, depth: int) -> Any:
    from journal.queries import Cursor, after

    row = after(queryset, None).values_list("created_at", "id")[depth : depth + 1].first()
    return Cursor(row[0], row[1]) if row else None


def measure_queries(runs: int, period: tuple[datetime, datetime]) -> dict[str, Any]:
    from aidants.models import Organisation
    from journal.models import Entry
    from journal.queries import Filters, apply_filters, page

    rng = random.Random(7)
    start, end = period
    span_days = max(1, (end - start).days)

    def organisation_filter() -> Filters:
        return Filters(organisation=Organisation(pk=rng.randint(1, ORGANISATIONS)))

    def usager_filter() -> Filters:
        return Filters(usager_id=rng.randint(1, USAGERS))

    def date_filter() -> Filters:
        first = (start + timedelta(days=rng.randint(0, max(0, span_days - 31)))).date()
        return Filters(date_from=first, date_to=first + timedelta(days=30))

    def organisation_action_filter() -> Filters:
        return Filters(organisation=Organisation(pk=rng.randint(1, ORGANISATIONS)), action="logout")

    # name: (filters, rows skipped before the deep page). A 30-day range holds ~820,000 of
    # 10 million entries: 400,000 rows deep is page 8,000 of 50 rows.
    kinds = {
        "organisation": (organisation_filter, 5_000),
        "usager": (usager_filter, 20),
        "date_range_30_days": (date_filter, 400_000),
        "organisation_and_action": (organisation_action_filter, 1_000),
    }
    results: dict[str, Any] = {}
    for name, (make, depth) in kinds.items():
        first, deep, depths = [], [], []
        for _ in range(runs):
            queryset = apply_filters(Entry.objects.all(), make())
            began = time.perf_counter()
            page(queryset, None)
            first.append(time.perf_counter() - began)
            cursor = _deep_cursor(queryset, depth)  # untimed: OFFSET only to find the key
            if cursor is None:
                continue
            depths.append(depth)
            began = time.perf_counter()
            page(queryset, cursor)
            deep.append(time.perf_counter() - began)
        results[name] = {
            "first_page": _percentiles(first),
            "deep_page": _percentiles(deep) | {"rows_skipped": statistics.median(depths)}
            if deep
            else None,
        }
    return results


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure_export(rows: int, period: tuple[datetime, datetime], total: int) -> dict[str, Any]:
    from journal.export import csv_lines
    from journal.models import Entry
    from journal.queries import Filters, apply_filters

    start, end = period
    days = max(1, round((end - start).days * min(1.0, rows / max(1, total))))
    last = end.date() - timedelta(days=1)
    filters = Filters(date_from=last - timedelta(days=days - 1), date_to=last)
    queryset = apply_filters(Entry.objects.all(), filters)
    baseline = _rss_kib()
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_kib())
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    began = time.monotonic()
    size = lines = 0
    for chunk in csv_lines(queryset):
        size += len(chunk.encode())
        lines += chunk.count("\n")
    elapsed = time.monotonic() - began
    done.set()
    sampler.join()
    return {
        "rows": lines - 2,
        "seconds": elapsed,
        "rows_per_s": (lines - 2) / elapsed,
        "megabytes": size / 1e6,
        "rss_baseline_mib": baseline / 1024,
        "rss_peak_increase_mib": (peak[0] - baseline) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=10_000_000, help="entries to seed")
    parser.add_argument("--seconds", type=float, default=10.0, help="per append measurement")
    parser.add_argument("--writers", default="1,8", help="concurrent writers to measure")
    parser.add_argument("--runs", type=int, default=40, help="runs per query kind")
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relais_bench"
        ),
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    create_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    create_fixtures()
    figures: dict[str, Any] = {"seed": args.seed, "cpus": os.cpu_count()}

    def report(name: str, value: Any) -> None:
        figures[name] = value
        print(f"{name}: {json.dumps(value, default=str)}", flush=True)

    for suffix, in_atomic in (("", False), ("_in_atomic", True)):
        for writers in [int(w) for w in args.writers.split(",")]:
            for kind in ("plain", "chained"):
                report(
                    f"appends_{kind}_{writers}_writers{suffix}",
                    measure_appends(kind, writers, args.seconds, in_atomic),
                )
            ratio = (
                figures[f"appends_chained_{writers}_writers{suffix}"]["appends_per_s"]
                / figures[f"appends_plain_{writers}_writers{suffix}"]["appends_per_s"]
            )
            report(f"chained_over_plain_{writers}_writers{suffix}", round(ratio, 3))

    seeded = seed(args.seed, args.database_url)
    report("seed", seeded)
    report("verify", measure_verify())
    period = (datetime.fromisoformat(seeded["start"]), datetime.fromisoformat(seeded["end"]))
    report("queries", measure_queries(args.runs, period))
    report("export", measure_export(args.export_rows, period, args.seed))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
    from django.db import connections

    connections.close_all()
    if not args.keep:
        drop_database(args.database_url)


if __name__ == "__main__":
    main()
