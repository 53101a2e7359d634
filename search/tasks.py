"""Background work of the search app, through Django's tasks framework (the
``django-tasks`` backport): the same outbox drain as ``manage.py search_sync``, for a
project that runs a task worker instead of a cron job or a long-lived command."""

from django_tasks import task

from .services import search_sync


@task()
def search_sync_task(batch_size: int = 1000) -> int:
    """Drain the search outbox; returns how many organizations were indexed."""
    return search_sync(batch_size=batch_size).indexed
