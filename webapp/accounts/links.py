"""One-time set-password links: there is no email here, so staff (password resets) or a project's
owner or admin (invitations, webapp.projects.views.InvitationView) copy the link and hand it over.

A link is /reset/<uidb64>/<token> with Django's default_token_generator: it expires after
PASSWORD_RESET_TIMEOUT, and stops working once the password is set or the user signs in (both
change what the token signs), so it works once. Bad links count as failed sign-ins
(webapp.accounts.throttle): 429 + Retry-After past the rate. Setting the password deletes the
user's API token, and every session of theirs ends (Django's session hash covers the password)."""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.accounts.fields import StrictCharField
from webapp.api_schema import ApiErrorSerializer
from webapp.accounts.throttle import check_login_allowed, clear_login_failures, record_login_failure

User = get_user_model()


def expires_hours() -> int:
    return settings.PASSWORD_RESET_TIMEOUT // 3600


def set_password_link(request, user) -> dict:
    """`{url, expires_hours}`: the absolute URL of the SPA page that sets `user`'s password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return {"url": request.build_absolute_uri(f"/reset/{uid}/{token}"),
            "expires_hours": expires_hours()}


def _signed_but_expired(user, token: str) -> bool:
    """True when `token` was made for `user` as they are now, so only its age made it fail
    (check_token answers one bool; this tells "expired" apart from "used or mangled")."""
    gen = default_token_generator
    try:
        ts_b36, _hash = token.split("-")
        ts = base36_to_int(ts_b36)
    except ValueError:
        return False
    return any(constant_time_compare(gen._make_token_with_timestamp(user, ts, secret), token)
               for secret in [gen.secret, *gen.secret_fallbacks])


BAD_LINK = ("this link is not valid: it was already used, the password was changed or the user "
            "signed in since it was made, or it was not copied whole; ask for a new link")


def linked_user(request, uid: str, token: str):
    """The active user a link is for, or 400 with the reason (429 after too many bad links)."""
    bucket = f"reset:{uid}"
    check_login_allowed(request, bucket, what="set-password links")
    user = None
    try:
        pk = int(urlsafe_base64_decode(uid).decode())
        user = User.objects.filter(pk=pk, is_active=True).first()
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        pass
    if user is not None and default_token_generator.check_token(user, token):
        clear_login_failures(request, bucket)
        return user
    record_login_failure(request, bucket)
    if user is not None and _signed_but_expired(user, token):
        raise ValidationError(f"this link has expired (links last {expires_hours()} hours); "
                              "ask for a new link")
    raise ValidationError(BAD_LINK)


class SetPasswordLinkSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="/reset/<uidb64>/<token> on this site, absolute")
    expires_hours = serializers.IntegerField()


class LinkQuerySerializer(serializers.Serializer):
    uid = StrictCharField(max_length=64)
    token = StrictCharField(max_length=128)


class SetPasswordSerializer(LinkQuerySerializer):
    new_password = StrictCharField(max_length=4096, trim_whitespace=False)


class LinkOwnerSerializer(serializers.Serializer):
    username = serializers.CharField()
    invited = serializers.BooleanField(help_text="true while the user never had a password")


class PasswordResetLinkView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        request=None, responses={200: SetPasswordLinkSerializer},
        description="Staff: a one-time link that sets this user's password (see "
                    "POST /api/auth/password/reset/). Only a superuser may reset a staff "
                    "user's or a superuser's password (403); a deactivated user gets 400.")
    def post(self, request, user_id):
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise NotFound("user not found")
        if (user.is_staff or user.is_superuser) and not request.user.is_superuser:
            raise PermissionDenied("only a superuser may reset the password of a staff user "
                                   "or a superuser")
        if not user.is_active:
            raise ValidationError(f"{user.username} is deactivated: reactivate the account in "
                                  "the Django admin first")
        return Response(set_password_link(request, user))


class PasswordResetView(APIView):
    """Open to anyone holding a link; no session is read or made (so no CSRF either, like
    POST /api/auth/token/). The SPA signs in with the new password afterwards."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(
        parameters=[OpenApiParameter("uid", str, required=True),
                    OpenApiParameter("token", str, required=True)],
        responses={200: LinkOwnerSerializer, 429: ApiErrorSerializer},
        description="Checks a set-password link before the password is asked for: whose it "
                    "is, or 400 with why it does not work (expired, used, mangled).")
    def get(self, request):
        ser = LinkQuerySerializer(data=request.query_params)
        ser.is_valid(raise_exception=True)
        user = linked_user(request, ser.validated_data["uid"], ser.validated_data["token"])
        return Response({"username": user.get_username(),
                         "invited": not user.has_usable_password()})

    @extend_schema(
        request=SetPasswordSerializer, responses={204: None, 429: ApiErrorSerializer},
        description="Sets the password of the link's user: 204, and the link, the user's API "
                    "token and their sessions stop working. 400 for a bad link or "
                    "`new_password` with Django's validators' messages; 429 after too many "
                    "bad links.")
    def post(self, request):
        ser = SetPasswordSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        user = linked_user(request, data["uid"], data["token"])
        try:
            validate_password(data["new_password"], user)
        except DjangoValidationError as exc:
            raise ValidationError({"new_password": list(exc.messages)}) from None
        with transaction.atomic():
            # Two requests with one link: the second waits here, then finds the token spent.
            user = User.objects.select_for_update().get(pk=user.pk)
            if not default_token_generator.check_token(user, data["token"]):
                raise ValidationError(BAD_LINK)
            user.set_password(data["new_password"])
            user.save(update_fields=["password"])
            Token.objects.filter(user=user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
