"""Create the portal's standing CMS pages (notices section, methodology) if missing.

A fresh database has only the home page; the demo and a new installation run this
once so the header links lead somewhere. Pages editors have changed are left alone.
"""

from django.core.management.base import BaseCommand, CommandError

from cms.services import NoticeError, site_pages_ensure


class Command(BaseCommand):
    help = "Create the notices section and the methodology page when missing."

    def handle(self, *args, **options):
        try:
            created = site_pages_ensure()
        except NoticeError as error:
            raise CommandError(str(error)) from error
        for page in created:
            self.stdout.write(f"created {page.title} at {page.url}")
        if not created and options["verbosity"] > 1:
            self.stdout.write("all standing pages exist")
