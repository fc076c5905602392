"""OIDC provider benchmark: real HTTP against gunicorn (2 workers) on PostgreSQL.

10,000 usagers hold active mandates in the aidants' organisation. One complete flow is
authorize -> search the usager -> démarche page -> choose the démarche -> token -> userinfo
(6 requests). Runs at concurrency 1 and 8, then measures the ceiling: a trivial view doing one
INSERT under the same gunicorn settings. Bounded in count and time; 127.0.0.1 only.

Usage: DATABASE_URL=postgres://.../relais_oidc_bench python bench/oidc.py
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.environment import production_like  # noqa: E402

USAGERS = 10_000
AIDANTS = 8
FLOWS_C1 = 100
FLOWS_PER_WORKER_C8 = 40
PHASE_SECONDS = 60
CEILING_SECONDS = 8
PASSWORD = "bench-mot-de-passe-solide-2026"
REDIRECT_URI = "https://partenaire.bench/callback"
STEPS = ["authorize", "search", "demarche_page", "demarche_post", "token", "userinfo"]
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RADIO_RE = re.compile(r'name="autorisation" value="(\d+)"')


SYLLABLES = [
    "ber",
    "lan",
    "mo",
    "rou",
    "gen",
    "tin",
    "da",
    "vi",
    "ler",
    "che",
    "pa",
    "no",
    "fau",
    "ri",
    "sel",
    "bo",
    "mar",
    "qui",
    "ton",
    "lu",
    "de",
    "gra",
    "vel",
    "cou",
    "san",
    "pe",
    "rin",
    "jo",
    "bla",
    "nier",
]
GIVEN_NAMES = [
    "Camille",
    "Louise",
    "Jean",
    "Marie",
    "Nathalie",
    "Pierre",
    "Sophie",
    "Michel",
    "Isabelle",
    "Philippe",
    "Catherine",
    "Alain",
    "Sylvie",
    "Nicolas",
    "Martine",
    "Patrick",
    "Christine",
    "Thomas",
    "Nadia",
    "Karim",
    "Fatima",
    "Mohamed",
    "Julie",
    "Lucas",
    "Emma",
    "Hugo",
    "Chloé",
    "Léa",
    "Paul",
    "Inès",
]


def _family_name(n: int) -> str:
    """Distinct, realistic-looking names, so that a search is as selective as in real life
    (every "NOM00042" would share most trigrams)."""
    k = (n * 7919) % len(SYLLABLES) ** 3
    a, b, c = k // len(SYLLABLES) ** 2, (k // len(SYLLABLES)) % len(SYLLABLES), k % len(SYLLABLES)
    return (SYLLABLES[a] + SYLLABLES[b] + SYLLABLES[c]).upper()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


PORT = _free_port()
BASE = f"http://127.0.0.1:{PORT}"
ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    **production_like(BASE),
    "DATABASE_CONN_MAX_AGE": "60",
    # As in production: Redis for the cache and Celery, whose beat seals the journal
    # (rather than sealing after each commit, as `make run` does without Redis).
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    "AXES_FAILURE_LIMIT": "1000",
}
os.environ.update(ENV)


def _recreate_database() -> None:
    import dj_database_url
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = dj_database_url.parse(url)["NAME"]
    if not re.fullmatch(r"[a-z0-9_]+", name) or "bench" not in name:
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def _seed() -> tuple[str, str, list[tuple[str, str, int]], list[tuple[str, str]]]:
    """Returns client_id, secret, (family_name, email, usager_pk) samples, aidant logins."""
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aidants.models import Aidant, Membership, Organisation
    from mandats.models import Autorisation, Mandat, Usager
    from oidc.services import create_client

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, created_at timestamptz)"
        )
    organisation = Organisation.objects.create(
        name="Mairie du banc d'essai", siret="21356000000019", type="mairie"
    )
    aidants = []
    for n in range(AIDANTS):
        aidant = Aidant.objects.create_user(
            email=f"bench{n}@relais.test",
            password=PASSWORD,
            first_name="Banc",
            last_name=f"Essai{n}",
            current_organisation=organisation,
        )
        Membership.objects.create(aidant=aidant, organisation=organisation)
        device = TOTPDevice.objects.create(
            user=aidant, name="bench", step=30, tolerance=1, confirmed=True
        )
        aidants.append((aidant.email, device.key))
    now = timezone.now()
    creator = Aidant.objects.get(email="bench0@relais.test")
    usagers = Usager.objects.bulk_create(
        Usager(
            sub=f"{n:064x}v1",
            given_name=GIVEN_NAMES[n % len(GIVEN_NAMES)],
            family_name=_family_name(n),
            birthdate="1970-01-01",
            gender="female",
            birthplace="75107",
            birthcountry="99100",
            email=f"usager{n}@example.fr",
        )
        for n in range(USAGERS)
    )
    mandats = Mandat.objects.bulk_create(
        Mandat(
            organisation=organisation,
            usager=usager,
            created_by=creator,
            created_at=now,
            duration=365,
            expires_at=now + timedelta(days=365),
            signature_kind="typed",
            signature_data="x",
            signature_sha256="0" * 64,
            document_hash=f"{n:064x}",
            signed_at=now,
        )
        for n, usager in enumerate(usagers)
    )
    Autorisation.objects.bulk_create(
        Autorisation(mandat=m, organisation=organisation, usager_id=m.usager_id, demarche=d)
        for m in mandats
        for d in ("papiers", "social")
    )
    client, secret = create_client(
        name="Partenaire du banc d'essai",
        redirect_uris=[REDIRECT_URI],
        allowed_demarches=["papiers", "social"],
        auth_method="client_secret_basic",
        id_token_alg="ES256",
        userinfo_alg="ES256",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    samples = [(u.family_name, u.email, u.pk) for u in usagers[:: max(1, USAGERS // 500)]]
    return client.client_id, secret, samples, aidants


def _start_gunicorn() -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(BASE + "/.well-known/openid-configuration", timeout=2).raise_for_status()
            httpx.get(BASE + "/oidc/jwks", timeout=5).raise_for_status()  # creates the keys
            return process
        except httpx.HTTPError:
            time.sleep(0.3)
    _stop(process)
    raise SystemExit("gunicorn did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=15)


def _find(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    if match is None:
        raise AssertionError(f"{pattern.pattern} not found")
    return match[1]


def _totp(key_hex: str) -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(bytes.fromhex(key_hex), step=30, digits=6).token():06d}"


def _login(email: str, key_hex: str) -> httpx.Client:
    http = httpx.Client(base_url=BASE, timeout=10)
    page = http.get("/connexion/")
    token = _find(CSRF_RE, page.text)
    http.post(
        "/connexion/", data={"email": email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    page = http.get("/connexion/code/")
    token = _find(CSRF_RE, page.text)
    done = http.post(
        "/connexion/code/", data={"code": _totp(key_hex), "csrfmiddlewaretoken": token}
    )
    if done.headers.get("location") != "/espace/":
        raise SystemExit(f"login failed for {email}")
    return http


class Recorder:
    def __init__(self) -> None:
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors = 0
        self.lock = threading.Lock()

    def add(self, step: str, seconds: float) -> None:
        with self.lock:
            self.timings[step].append(seconds)


def _timed(recorder: Recorder, step: str, call: Callable[[], httpx.Response]) -> httpx.Response:
    start = time.perf_counter()
    response = call()
    recorder.add(step, time.perf_counter() - start)
    return response


def _authorization_request(client_id: str) -> tuple[str, dict[str, str]]:
    """A PKCE verifier and the parameters of an authorization request using it."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email birth",
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "acr_values": "eidas1",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }


def _flow(
    http: httpx.Client,
    api: httpx.Client,
    client_id: str,
    secret: str,
    sample: tuple[str, str, int],
    recorder: Recorder,
) -> None:
    family_name, _, usager_pk = sample
    verifier, params = _authorization_request(client_id)
    r = _timed(recorder, "authorize", lambda: http.get("/oidc/authorize?" + urlencode(params)))
    assert r.status_code == 303, r.status_code
    choose = r.headers["location"]
    r = _timed(recorder, "search", lambda: http.get(choose, params={"q": family_name}))
    demarche_url = f"{choose}{usager_pk}/"
    assert r.status_code == 200 and demarche_url in r.text
    r = _timed(recorder, "demarche_page", lambda: http.get(demarche_url))
    form = {
        "csrfmiddlewaretoken": _find(CSRF_RE, r.text),
        "autorisation": _find(RADIO_RE, r.text),
    }
    r = _timed(recorder, "demarche_post", lambda: http.post(demarche_url, data=form))
    assert r.status_code == 303, r.status_code
    code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    r = _timed(
        recorder, "token", lambda: api.post("/oidc/token", data=data, auth=(client_id, secret))
    )
    assert r.status_code == 200, r.text
    access_token = r.json()["access_token"]
    headers = {"Authorization": f"Bearer {access_token}"}
    r = _timed(recorder, "userinfo", lambda: api.get("/oidc/userinfo", headers=headers))
    assert r.status_code == 200


def _run_phase(
    sessions: list[httpx.Client],
    flows_each: int,
    client_id: str,
    secret: str,
    samples: list[tuple[str, str, int]],
) -> tuple[Recorder, int, float]:
    recorder = Recorder()
    done = [0] * len(sessions)
    deadline = time.monotonic() + PHASE_SECONDS

    def worker(index: int) -> None:
        api = httpx.Client(base_url=BASE, timeout=10)
        for n in range(flows_each):
            if time.monotonic() > deadline:
                break
            sample = samples[(index * 997 + n * 31) % len(samples)]
            try:
                _flow(sessions[index], api, client_id, secret, sample, recorder)
                done[index] += 1
            except (AssertionError, httpx.HTTPError, TypeError):
                with recorder.lock:
                    recorder.errors += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return recorder, sum(done), time.perf_counter() - start


def _ceiling(concurrency: int) -> tuple[float, int]:
    count = [0] * concurrency
    deadline = time.monotonic() + CEILING_SECONDS

    def worker(index: int) -> None:
        with httpx.Client(base_url=BASE, timeout=10) as http:
            while time.monotonic() < deadline:
                http.get("/bench/ceiling").raise_for_status()
                count[index] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(count) / (time.perf_counter() - start), sum(count)


def _cpu_seconds(gunicorn_pgid: int) -> dict[str, float]:
    """CPU seconds used so far by each part of the machine (user + system, from /proc), so that
    a phase's cost per flow or per request can be split between Relais, PostgreSQL, Redis and
    this load generator, which shares the same two cores."""
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = defaultdict(float)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == gunicorn_pgid:
            part = "gunicorn (Relais)"
        elif command.startswith("postgres"):
            part = "PostgreSQL"
        elif int(entry) == os.getpid():
            part = "load generator"
        elif command.startswith("redis"):
            part = "Redis"
        else:
            part = "other"
        totals[part] += (int(fields[11]) + int(fields[12])) / tick
    return totals


def _cpu_report(before: dict[str, float], after: dict[str, float], count: int, unit: str) -> None:
    parts = sorted(after, key=lambda part: after[part] - before.get(part, 0), reverse=True)
    used = {part: (after[part] - before.get(part, 0)) * 1000 / count for part in parts}
    detail = ", ".join(f"{part} {ms:.1f}" for part, ms in used.items() if ms >= 0.05)
    print(f"  CPU per {unit}: {sum(used.values()):.1f} ms ({detail})")


def _in_process_steps(
    client_id: str, secret: str, samples: list[tuple[str, str, int]], email: str, flows: int
) -> None:
    """Relais's own CPU per step and its queries, in this process through Django's test
    client (no HTTP server, no other load): where a flow's server time goes."""
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aidants.models import Aidant

    aidant = Aidant.objects.get(email=email)
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(aidant, backend="aidants.backends.AidantBackend")
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=aidant).persistent_id
    session.save()
    api = Client(HTTP_HOST="127.0.0.1")
    basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    cpu: dict[str, float] = defaultdict(float)
    queries: dict[str, int] = defaultdict(int)
    current = [""]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[current[0]] += 1
        return execute(sql, params, many, context)

    def step(name: str, call: Callable[[], Any]) -> Any:
        current[0] = name
        start = time.process_time()
        response = call()
        cpu[name] += time.process_time() - start
        return response

    def flow(n: int) -> None:
        family_name, _, usager_pk = samples[n % len(samples)]
        verifier, params = _authorization_request(client_id)
        r = step("authorize", lambda: browser.get("/oidc/authorize?" + urlencode(params)))
        choose = r["Location"]
        step("search", lambda: browser.get(choose, {"q": family_name}))
        url = f"{choose}{usager_pk}/"
        page = step("demarche_page", lambda: browser.get(url)).content.decode()
        form = {"autorisation": _find(RADIO_RE, page)}
        r = step("demarche_post", lambda: browser.post(url, form))
        code = parse_qs(urlsplit(r["Location"]).query)["code"][0]
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        }
        r = step("token", lambda: api.post("/oidc/token", data, HTTP_AUTHORIZATION=basic))
        bearer = "Bearer " + r.json()["access_token"]
        r = step("userinfo", lambda: api.get("/oidc/userinfo", HTTP_AUTHORIZATION=bearer))
        assert r.status_code == 200

    for n in range(5):  # warm-up: prepared statements, caches
        flow(n)
    cpu.clear()
    queries.clear()
    with connection.execute_wrapper(count):
        for n in range(flows):
            flow(n)
    print(f"\nRelais's CPU per step, in process ({flows} flows, Django's test client):")
    print(f"  {'step':<14}{'CPU ms':>8}{'queries':>9}")
    for name in STEPS:
        print(f"  {name:<14}{cpu[name] * 1000 / flows:>8.2f}{queries[name] / flows:>9.1f}")
    total = sum(cpu.values()) * 1000 / flows
    print(f"  {'flow':<14}{total:>8.2f}{sum(queries.values()) / flows:>9.1f}")
    # What any request costs before Relais does anything: the ceiling view without and
    # with the aidant's session, and the aidant's home page (session and the base layout).
    anonymous = Client(HTTP_HOST="127.0.0.1")
    for label, http, path in [
        ("ceiling view, no session", anonymous, "/bench/ceiling"),
        ("ceiling view, aidant's session", browser, "/bench/ceiling"),
        ("aidant's home page (/espace/)", browser, "/espace/"),
    ]:
        for _ in range(20):
            http.get(path)
        start = time.process_time()
        for _ in range(flows * 3):
            http.get(path)
        print(f"  {label:<34}{(time.process_time() - start) * 1000 / (flows * 3):>6.2f} ms")


def _ms(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] * 1000 if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _report(label: str, recorder: Recorder, flows: int, seconds: float) -> dict[str, float]:
    rate = flows / seconds
    print(
        f"\n{label}: {flows} complete flows in {seconds:.1f} s = {rate:.1f} flows/s, "
        f"{recorder.errors} errors"
    )
    print(f"  {'step':<14}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    p95 = {}
    for step in STEPS:
        values = recorder.timings[step]
        p95[step] = _ms(values, 95)
        p50, p99 = _ms(values, 50), _ms(values, 99)
        print(f"  {step:<14}{len(values):>6}{p50:>9.1f}{p95[step]:>9.1f}{p99:>9.1f}")
    return p95 | {"rate": rate}


def main() -> None:
    print(f"Relais OIDC benchmark: gunicorn 2 workers on {BASE}, {USAGERS} usagers")
    _recreate_database()
    client_id, secret, samples, aidants = _seed()
    process = _start_gunicorn()
    try:
        sessions = [_login(email, key) for email, key in aidants]
        # Warm-up: a few flows so both workers have loaded keys and connections.
        _run_phase(sessions[:2], 3, client_id, secret, samples)
        c1 = _report(
            "Concurrency 1", *_run_phase(sessions[:1], FLOWS_C1, client_id, secret, samples)
        )
        cpu_before = _cpu_seconds(process.pid)
        recorder, flows, seconds = _run_phase(
            sessions, FLOWS_PER_WORKER_C8, client_id, secret, samples
        )
        cpu_after = _cpu_seconds(process.pid)
        c8 = _report("Concurrency 8", recorder, flows, seconds)
        _cpu_report(cpu_before, cpu_after, flows, "flow")
        cpu_before = _cpu_seconds(process.pid)
        ceiling, requests = _ceiling(8)
        cpu_after = _cpu_seconds(process.pid)
    finally:
        _stop(process)
    _in_process_steps(client_id, secret, samples, aidants[0][0], flows=FLOWS_C1)
    per_flow = len(STEPS)
    print(
        f"\nCeiling (one INSERT, concurrency 8): {ceiling:.0f} requests/s "
        f"= {ceiling / per_flow:.1f} flows/s at {per_flow} requests per flow"
    )
    _cpu_report(cpu_before, cpu_after, requests, "request")
    checks = [
        ("every step p95 < 50 ms at concurrency 1", max(c1[s] for s in STEPS) < 50),
        (">= 20 complete flows/s at concurrency 8", c8["rate"] >= 20),
        ("token p95 < 20 ms (concurrency 1)", c1["token"] < 20),
        ("flows/s >= 50% of ceiling/requests per flow", c8["rate"] >= 0.5 * ceiling / per_flow),
    ]
    print("\nTargets:")
    for label, ok in checks:
        print(f"  [{'OK' if ok else 'MISSED'}] {label}")


if __name__ == "__main__":
    main()
