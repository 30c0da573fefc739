"""Per request: an id (X-Request-ID, kept from the client when it is sane), the video/job ids
for the logs, and the HTTP metrics."""
from __future__ import annotations

import re
import time
import uuid

from webapp.ops import logs, metrics

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_JOB_ROUTES = ("exports", "imports", "evaluations")


class OpsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SANE_ID.match(given) else uuid.uuid4().hex[:16]
        request.request_id = rid
        logs.clear()
        logs.bind(request_id=rid)
        t0 = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        metrics.request_done(request.method, route, response.status_code,
                             time.perf_counter() - t0)
        response["X-Request-ID"] = rid
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "video_id" in view_kwargs:
            logs.bind(video_id=view_kwargs["video_id"])
        route = request.resolver_match.route if request.resolver_match else ""
        kind = next((k for k in _JOB_ROUTES if f"{k}/<int:pk>/" in route), None)
        if kind and "pk" in view_kwargs:
            logs.bind(job_id=f"{kind}:{view_kwargs['pk']}")
        return None
