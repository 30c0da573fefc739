"""User search for the Team card's autocomplete (`GET /api/users/?q=`): staff, and owners and
admins of some project, see up to SEARCH_LIMIT active usernames (never emails)."""
from django.contrib.auth import get_user_model
from rest_framework.exceptions import PermissionDenied, ValidationError

from webapp.projects.models import Membership, Role

SEARCH_LIMIT = 20


def search_users(user, q: str | None) -> list[dict]:
    if not (user.is_staff or user.is_superuser or Membership.objects.filter(
            user=user, role__in=[Role.OWNER, Role.ADMIN]).exists()):
        raise PermissionDenied("only staff and project owners or admins may search users")
    q = (q or "").strip()
    if not q:
        raise ValidationError({"q": ["the query parameter q (part of a username) is required"]})
    if len(q) > 150:
        raise ValidationError({"q": ["q is longer than a username can be (150)"]})
    users = get_user_model().objects.filter(is_active=True, username__icontains=q)
    # Names that start with q first, then the others, each alphabetically.
    rows = list(users.order_by("username").values("id", "username")[:500])
    rows.sort(key=lambda r: (not r["username"].lower().startswith(q.lower()), r["username"]))
    return rows[:SEARCH_LIMIT]
