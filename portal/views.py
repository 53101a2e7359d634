"""Public views of the portal that are not CMS pages or registry pages, and the error
handlers: JSON in the API's one error shape under /api/, pages everywhere else."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import bad_request as page_bad_request
from django.views.defaults import permission_denied as page_permission_denied
from django.views.defaults import server_error as page_server_error

from .api import is_api, json_error


def not_found(request, exception=None):
    if is_api(request):
        return json_error(request, 404, "not_found", _("Not found."))
    return render(request, "404.html", status=404)


def server_error(request):
    if is_api(request):
        return json_error(
            request, 500, "server_error", _("Server error; please try again later.")
        )
    return page_server_error(request)


def bad_request(request, exception=None):
    if is_api(request):
        return json_error(request, 400, "bad_request", _("Bad request."))
    return page_bad_request(request, exception)


def permission_denied(request, exception=None):
    if is_api(request):
        return json_error(request, 403, "permission_denied", _("You may not do this."))
    return page_permission_denied(request, exception)
