"""WebSocket URL routes."""
from django.urls import path

from webapp.realtime.consumers import ProjectConsumer, VideoConsumer

websocket_urlpatterns = [
    path("ws/videos/<int:video_id>/", VideoConsumer.as_asgi()),
    path("ws/projects/<int:project_id>/", ProjectConsumer.as_asgi()),
]
