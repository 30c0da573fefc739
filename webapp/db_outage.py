"""A database that is down (restarting, unreachable) answers 503 `{"detail": "database
unavailable"}` with Retry-After, not a 500 with a traceback: the request can be retried as is.
The connection that failed is closed, so the next request opens a fresh one."""
from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError, connections
from django.http import JsonResponse

log = logging.getLogger(__name__)

RETRY_AFTER_S = 2


def unavailable() -> JsonResponse:
    response = JsonResponse({"detail": "database unavailable"}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class DatabaseUnavailableMiddleware:
    """Maps django.db OperationalError / InterfaceError from a view to 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.warning("database unavailable during %s %s: %s", request.method, request.path,
                    str(exception).strip().splitlines()[0] if str(exception).strip() else
                    type(exception).__name__)
        for conn in connections.all(initialized_only=True):
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - it is broken already
                pass
        return unavailable()
