"""One error shape for the REST API: `{"detail": "readable message"}` with a precise status."""
from rest_framework.views import exception_handler as drf_exception_handler


def _first_message(data) -> str:
    if isinstance(data, dict):
        for key, value in data.items():
            msg = _first_message(value)
            if key in ("detail", "non_field_errors"):
                return msg
            return f"{key}: {msg}"
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, (dict, list)):
        data = response.data
        if not (isinstance(data, dict) and set(data) == {"detail"}):
            response.data = {"detail": _first_message(data), "errors": data}
    return response
