"""Audit-log actions of the regulator's review (shown in Wagtail's history)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks


@hooks.register("register_log_actions")
def register_review_actions(actions):
    for action, label, done in (
        ("sunshine.flag.confirmed", _("Confirm flag"), _("Flag confirmed")),
        ("sunshine.flag.dismissed", _("Dismiss flag"), _("Flag dismissed")),
        ("sunshine.flag.info_requested", _("Request information"),
         _("Information requested")),
        ("sunshine.list.enter", _("Put on a list"), _("Put on a list")),
        ("sunshine.list.exit", _("Take off a list"), _("Taken off a list")),
        ("sunshine.appeal.submit", _("Appeal"), _("Appeal submitted")),
        ("sunshine.appeal.decide", _("Decide appeal"), _("Appeal decided")),
        ("sunshine.concern.review", _("Start review of a concern"),
         _("Concern under review")),
        ("sunshine.concern.close", _("Close a concern"), _("Concern closed")),
        ("sunshine.concern.watch", _("Watch a reported name"),
         _("Reported name put on the watch list")),
        ("sunshine.concern.flag", _("Raise a flag from a concern"),
         _("Flag raised from a concern")),
    ):  # fmt: skip
        actions.register_action(action, label, done)
