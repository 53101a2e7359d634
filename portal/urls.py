from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from orgs import api as orgs_api
from orgs.views import compare_view
from portal.signin import SignInView
from portal.signup import signup
from portal.twofactor import second_factor

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", include("credit.api")),
    path("api/v1/", include(orgs_api.urlpatterns)),
    path("api/v1/", include("orgs.submissions.urls_api")),
    path("account/login/", SignInView.as_view(), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/2fa/", second_factor, name="second-factor"),
    path("account/signup/", signup, name="signup"),
    path("account/following/", include("orgs.follow_urls")),
    path("account/api-keys/", include("orgs.apikeys.urls")),
    path("account/", include("orgs.submissions.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("orgs/", include("orgs.urls")),
    path("compare/", compare_view, name="compare"),
    path("regulator/", include("credit.urls")),
    path("lists/", include("credit.urls_public")),
    path("report/", include("credit.urls_report")),
    path("data/", include("orgs.opendata.urls")),
    path("", include("search.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns.append(path("", include(wagtail_urls)))
