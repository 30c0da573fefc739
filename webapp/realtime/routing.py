"""WebSocket URL routes."""
from django.urls import path

from webapp.realtime.consumers import VideoConsumer

websocket_urlpatterns = [
    path("ws/videos/<int:video_id>/", VideoConsumer.as_asgi()),
]
