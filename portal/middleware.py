"""Middleware of the whole site."""

from django.utils.translation import gettext as _
from django.views.defaults import bad_request as page_bad_request

from .api import is_api, json_error

# A NUL can never be part of an identifier, a name or a parameter here, and
# PostgreSQL refuses it in any text it is asked to compare, which would turn the
# request into a server error deep inside a query.
NUL_ENCODINGS = ("\x00", "%00")


class RejectNullCharactersMiddleware:
    """A path or query string with a NUL character is a 400, before any view runs
    (in the API's error shape under /api/, the error page elsewhere)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or any(nul in query for nul in NUL_ENCODINGS):
            if is_api(request):
                return json_error(
                    request,
                    400,
                    "null_character",
                    _("The path or query string contains a NUL character."),
                )
            return page_bad_request(request, None)
        return self.get_response(request)
