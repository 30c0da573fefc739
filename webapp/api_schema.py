"""The OpenAPI schema lists the refusals every operation can answer, in the API's one error shape
(`{"detail", "errors"?}`), so that clients and schemathesis (`--checks all`) can rely on it."""
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.JSONField(required=False,
                                   help_text="The field errors, when a body or query failed validation.")


class ErrorsAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the errors that come from outside the view's own code:
    authentication and permissions, parsing, the body-limit middleware, object lookups and
    pagination. Codes a view declares itself with `extend_schema(responses=...)` win."""

    def map_parsers(self):
        # Where a view takes JSON, JSON is its documented body (the web client sends nothing
        # else); form encodings cannot carry the types the schema states (booleans, lists,
        # empty strings), so they stay an undocumented convenience. Upload views take only
        # multipart and keep it.
        media = super().map_parsers()
        return ["application/json"] if "application/json" in media else media

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, why in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ApiErrorSerializer, code,
                                                              direction=direction)
                responses[code]["description"] = why
        return responses

    def _error_codes(self):
        has_body = self.method in ("POST", "PUT", "PATCH")
        query = [p for p in self._get_parameters() if p.get("in") == "query"]
        codes = [
            # Any request may carry a bad or expired token, even to an open route.
            ("401", "Missing, invalid or expired credentials."),
            ("403", "The role does not allow this, or a session request lacks its CSRF token."),
        ]
        if has_body or query:
            codes.append(("400", "The body or the query failed validation."))
        if "{" in self.path or any(p["name"] == "page" for p in query):
            codes.append(("404", "No such object visible to this user, or no such page."))
        if has_body:
            codes.append(("413", "The body is over MAX_UPLOAD_MB (uploads) or "
                                 "DATA_UPLOAD_MAX_MEMORY_SIZE (other bodies)."))
            codes.append(("415", "The body's content type is not accepted here."))
        if self.view is not None and self.view.get_throttles():
            codes.append(("429", "Too many requests; see Retry-After."))
        return codes
