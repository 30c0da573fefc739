"""Strict string fields: DRF's CharField turns 0 or 1.5 into "0"/"1.5"; ours refuse non-strings
with 400 "Not a valid string." (multipart and form values are always strings, so they pass)."""
from django.db import models
from django.http import QueryDict
from rest_framework import serializers


class StrictStringMixin:
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictRegexField(StrictStringMixin, serializers.RegexField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


class StrictSlugField(StrictStringMixin, serializers.SlugField):
    pass


class StrictBooleanField(serializers.BooleanField):
    """JSON booleans only: DRF's BooleanField takes 0, 1 and "yes" too. Form and multipart
    bodies (a QueryDict, every value a string) keep DRF's "true"/"false" spellings."""

    def to_internal_value(self, data):
        if not isinstance(data, bool) and not isinstance(self.root.initial_data, QueryDict):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class StrictFloatField(serializers.FloatField):
    """Numbers only: DRF's FloatField takes true/false as 1.0/0.0."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose generated text fields are strict."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.SlugField: StrictSlugField,
    }
