"""Public views of the portal that are not CMS pages or registry pages."""

from django.http import JsonResponse
from django.shortcuts import render


def not_found(request, exception=None):
    """404 as JSON for the API, as a page for everyone else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)
