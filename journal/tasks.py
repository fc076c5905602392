from celery import shared_task

from journal.sealing import run_sealer
from journal.verification import verify_and_store


@shared_task(ignore_result=True)
def seal_journal() -> int:
    """Run by Celery beat every few seconds (CELERY_BEAT_SCHEDULE["journal-seal"])."""
    return run_sealer()


@shared_task(ignore_result=True)
def verify_journal() -> bool:
    return verify_and_store().ok
