"""ASGI entry point: HTTP goes to Django, /ws/ to the Channels consumers."""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from webapp.body_limits import BodyLimitMiddleware  # noqa: E402
from webapp.realtime.routing import websocket_urlpatterns  # noqa: E402
from webapp.realtime.auth import WebsocketAuthMiddleware  # noqa: E402



async def lifespan(scope, receive, send):
    """The server's start-up (uvicorn sends lifespan events; test clients do not): recover
    what a previous process left unfinished (webapp.recovery), off the event loop."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            from webapp.recovery import recover_in_background

            recover_in_background()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


application = ProtocolTypeRouter(
    {
        "lifespan": lifespan,
        # Bodies are bounded as they arrive, and anonymous uploads refused unread.
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": WebsocketAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
