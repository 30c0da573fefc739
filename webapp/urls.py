"""URL routes: the REST API under /api/, the admin, and the single-page app."""
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from webapp.ops import views as ops
from webapp.spa import spa_index

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.prometheus, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/", include("webapp.accounts.urls")),
    path("api/", include("webapp.projects.urls")),
    path("api/", include("webapp.videos.urls")),
    path("api/", include("webapp.annotations.urls")),
    path("api/", include("webapp.exports.urls")),
    path("api/", include("webapp.review.urls")),
    # reset/<uidb64>/<token>: a set-password link (webapp.accounts.links).
    re_path(r"^(?:login|me/work|projects/\d+(?:/analytics)?|videos/\d+|reset/[\w-]+/[\w-]+)?/?$",
            spa_index, name="spa"),
]

# Under /api/ an unmatched URL (e.g. /api/videos/abc/) or a crash answers JSON `{"detail"}`.
handler400 = "webapp.accounts.handlers.bad_request"
handler403 = "webapp.accounts.handlers.permission_denied"
handler404 = "webapp.accounts.handlers.not_found"
handler500 = "webapp.accounts.handlers.server_error"
