from celery import shared_task

from mandats.reminders import send_expiry_reminders as _send_expiry_reminders


@shared_task(name="mandats.tasks.send_expiry_reminders")
def send_expiry_reminders() -> int:
    return _send_expiry_reminders()
