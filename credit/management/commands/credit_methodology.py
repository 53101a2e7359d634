"""Print the credit methodology page generated from the rule table.

docs/methodology.md is this command's output; regenerate it whenever a rule or a
figure changes (a test fails until you do):

    python manage.py credit_methodology > docs/methodology.md
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from credit.methodology_page import methodology_markdown


class Command(BaseCommand):
    help = _("Print the credit methodology (rules, points, figures) as Markdown.")

    def handle(self, *args, **options):
        self.stdout.write(methodology_markdown(), ending="")
