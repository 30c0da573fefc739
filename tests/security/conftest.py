"""Security tests: every test starts with an empty cache (sign-in failure counters) and
leaves the embedded inference thread idle."""
import pytest
from django.core.cache import cache

# Websocket tests here use the embedded inference thread too: leave it idle between tests.
from tests.realtime.conftest import _drain_inference_thread  # noqa: F401


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
