"""Show the state of organization search: which backend and index answer, how many
documents it holds against the organizations in the database, and the outbox backlog
(changes not yet indexed). A difference with an empty outbox calls for
``search_index --rebuild``.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from orgs.models import Organization
from search.backends import get_backend
from search.services import outbox_backlog


class Command(BaseCommand):
    help = "Show the search backend, index, document count and outbox backlog."

    def handle(self, *args, **options):
        status = get_backend().status()
        organizations = Organization.objects.count()
        backlog = outbox_backlog()
        documents = "unknown" if status.documents is None else f"{status.documents:,}"
        self.stdout.write(f"backend        {status.backend}")
        self.stdout.write(f"index          {status.index}")
        if status.detail:
            self.stdout.write(f"engine         {status.detail}")
        self.stdout.write(f"documents      {documents}")
        self.stdout.write(f"organizations  {organizations:,}")
        line = f"outbox         {backlog.entries:,} waiting"
        if backlog.oldest:
            age = (timezone.now() - backlog.oldest).total_seconds()
            line += f", oldest {age:,.0f} s ago"
        self.stdout.write(line)
        if status.documents is None:
            self.stdout.write(self.style.ERROR("the index cannot be read"))
        elif status.documents != organizations and not backlog.entries:
            self.stdout.write(
                self.style.WARNING(
                    "index and database differ with nothing waiting: "
                    "run search_index --rebuild"
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("ok"))
