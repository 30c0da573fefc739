"""Security tests: every test starts with an empty cache (sign-in failure counters)."""
import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
