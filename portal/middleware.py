"""Middleware of the whole site."""

from django.utils.translation import gettext as _
from django.views.defaults import bad_request as page_bad_request

from .api import is_api, json_error


class RejectNullCharactersMiddleware:
    """A path with a NUL character is a 400, before any view runs (in the API's error
    shape under /api/, the error page elsewhere).

    A NUL is never part of an identifier or a slug here, and PostgreSQL refuses it
    in any text it is asked to compare, which turned such a path into a server
    error deep inside a query. Query strings are each view's to check: search, for
    one, drops control characters from what it is asked.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            if is_api(request):
                return json_error(
                    request,
                    400,
                    "null_character",
                    _("The path contains a NUL character."),
                )
            return page_bad_request(request, None)
        return self.get_response(request)
