"""Serve the built single-page app's index.html for the browser routes."""
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie

_MISSING = """<!doctype html><title>Maskflow</title>
<p>The frontend is not built. Run <code>make setup</code> (it runs <code>npm ci && npm run build</code> in frontend/).</p>"""


@ensure_csrf_cookie
def spa_index(request, *args, **kwargs):
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(_MISSING, status=503)
    resp = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    resp["Cache-Control"] = "no-cache"
    return resp
