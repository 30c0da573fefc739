"""WebSocket auth: session cookie or `Authorization: Token <key>` header."""
from channels.auth import AuthMiddlewareStack


def WebsocketAuthMiddleware(inner):  # placeholder until the realtime issue lands
    return AuthMiddlewareStack(inner)
