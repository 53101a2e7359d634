"""Apply the public lists' timed rules; run daily (after score_orgs).

MCA Order 60: two years on the abnormal-activity list moves an organization to the
serious list; an abnormal entry with nothing outstanding ends automatically after
the set months (credit/lists.py). Each change is audited, the organization told
and rescored.
"""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from credit import review


class Command(BaseCommand):
    help = _("Apply the timed exits and escalations of the public lists.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help=_("the date to apply the rules for (YYYY-MM-DD; default today)"),
        )

    def handle(self, *args, today, verbosity, **options):
        counts = review.lists_update(today=today)
        if verbosity > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "%(escalated)s moved from the abnormal to the serious list, "
                        "%(expired)s left the abnormal list automatically."
                    )
                    % counts
                )
            )
