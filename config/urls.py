from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.account import LoginView as WagtailLoginView
from wagtail.documents import urls as wagtaildocs_urls

from config.api import api_router
from config.health import healthz
from config.throttling import throttle_sign_in
from engagement.admin_views import SiteHistoryView
from engagement.api import DonationCounterView, vk_callback
from engagement.ledger_api import ledger_public_key

urlpatterns = [
    # The hottest endpoints: the donation counter, and VKontakte's callback that every like and
    # repost on the communities' posts comes through. config.middleware.EarlyRoutesMiddleware finds
    # them by name and answers them before the rest of the middleware and this list's resolution.
    path("api/engagement/counter/", DonationCounterView.as_view(), name="engagement-counter"),
    path("api/vk/callback/", vk_callback, name="vk-callback"),
    path("healthz", healthz, name="healthz"),
    path(".well-known/ledger-key.pem", ledger_public_key, name="ledger-public-key"),
    # The admins' sign-in forms, throttled like every sign-in (config/throttling.py).
    path("django-admin/login/", throttle_sign_in(admin.site.login)),
    path("django-admin/", admin.site.urls),
    path("admin/login/", throttle_sign_in(WagtailLoginView.as_view()), name="wagtailadmin_login"),
    # Wagtail's site history with the foundations' log as a third model (engagement.admin_views).
    path("admin/reports/site-history/", require_admin_access(SiteHistoryView.as_view())),
    path("admin/reports/site-history/results/", require_admin_access(SiteHistoryView.as_view(results_only=True))),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("config.api_urls")),
]

if settings.DEBUG and settings.STORAGE_BACKEND == "local":
    from django.conf.urls.static import static

    from media_pipeline.storage import serve_local_media

    urlpatterns += static(settings.MEDIA_URL, serve_local_media, document_root=settings.MEDIA_ROOT)

# Russian error pages (site_theme/templates/400.html … 500.html, 403_csrf.html), JSON under /api/;
# a body over the limit gets a 400 that says so.
handler400 = "config.error_pages.bad_request"
handler404 = "config.error_pages.page_not_found"

urlpatterns += [
    # django-allauth: emailed codes and VK ID. Its password sign-in page is the site's own
    # /cabinet/login/, which offers every way in.
    path("accounts/login/", RedirectView.as_view(pattern_name="site_theme:login", query_string=True)),
    path("accounts/", include("allauth.urls")),
    path("", include("config.dev_mailbox")),  # 404 unless DEBUG and the mailbox backend
    path("certificates/", include("certificates.page_urls")),
    path("", include("events.page_urls")),
    path("", include("notifications.page_urls")),
    path("", include("site_theme.urls")),
    path("", include(wagtail_urls)),
]
