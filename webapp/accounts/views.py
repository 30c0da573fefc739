"""Sign in (token or session), sign out, who am I, staff-only user creation (or invitation:
no password, a set-password link instead, webapp.accounts.links), model info.

Sign-in answers 429 (Retry-After) after too many failures (webapp.accounts.throttle); session
sign-in checks CSRF like any other session POST (GET /api/auth/csrf/ first); tokens expire
after TOKEN_TTL_HOURS (webapp.accounts.auth)."""
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.views.decorators.csrf import ensure_csrf_cookie
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.accounts.auth import fresh_token
from webapp.accounts.links import set_password_link
from webapp.review.serializers import UserHitSerializer
from webapp.review.team import search_users
from webapp.accounts.fields import StrictCharField, StrictEmailField, StrictRegexField
from webapp.accounts.throttle import (
    check_login_allowed,
    clear_login_failures,
    record_login_failure,
)

User = get_user_model()


class CredentialsSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=512, trim_whitespace=False)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


# Sign-in answers, so that schema checks accept the refusals too.
_SIGN_IN_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer,
                   429: ErrorSerializer}


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "is_staff"]


class NewUserAnswerSerializer(UserSerializer):
    invite_url = serializers.CharField(
        required=False,
        help_text="Only when no password was given: the one-time link that sets it.")
    expires_hours = serializers.IntegerField(required=False,
                                             help_text="How long invite_url works.")

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "invite_url", "expires_hours"]


class InviteeSerializer(serializers.Serializer):
    """A new account's name and optional email (also POST /api/projects/{id}/invitations/)."""
    username = StrictRegexField(r"^[\w.@+-]{1,150}$", max_length=150)
    email = StrictEmailField(required=False, allow_blank=True)

    def validate_username(self, value):
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("a user with that username already exists")
        return value


class NewUserSerializer(InviteeSerializer):
    password = StrictCharField(
        max_length=512, trim_whitespace=False, required=False,
        help_text="Leave out to invite: the account gets no usable password and the answer an "
                  "invite_url that sets one.")

    def validate(self, attrs):
        if "password" not in attrs:
            return attrs
        # The validators see the username and email (UserAttributeSimilarityValidator).
        candidate = User(username=attrs.get("username", ""), email=attrs.get("email", ""))
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as e:
            raise serializers.ValidationError({"password": list(e.messages)}) from None
        return attrs


def _authenticate(request):
    ser = CredentialsSerializer(data=request.data)
    ser.is_valid(raise_exception=True)
    username = ser.validated_data["username"]
    check_login_allowed(request, username)
    user = authenticate(request, **ser.validated_data)
    if user is None or not user.is_active:
        record_login_failure(request, username)
        raise AuthenticationFailed("wrong username or password")
    clear_login_failures(request, username)
    return user


class TokenView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=CredentialsSerializer, responses={200: TokenSerializer, **_SIGN_IN_ERRORS})
    def post(self, request):
        user = _authenticate(request)
        return Response({"token": fresh_token(user).key})


class LoginView(APIView):
    permission_classes = [permissions.AllowAny]
    # No pre-authentication: a sign-in stands alone. CSRF is checked for every session sign-in,
    # anonymous ones included (DRF only checks it for an already signed-in session), so a
    # cross-site form cannot sign the browser into the attacker's account.
    authentication_classes: list = []

    @extend_schema(request=CredentialsSerializer, responses={200: UserSerializer, **_SIGN_IN_ERRORS})
    def post(self, request):
        SessionAuthentication().enforce_csrf(request)
        user = _authenticate(request)
        login(request, user)
        return Response(UserSerializer(user).data)


class LogoutView(APIView):
    """Token auth: the token is deleted (revoked). Session auth: the session ends; the user's
    API token, if any, stays (scripts of the same user keep working)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, Token):
            request.auth.delete()
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(APIView):
    """Sets the `csrftoken` cookie (signed out too), for the sign-in form's X-CSRFToken."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={204: None})
    def get(self, request):
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="dispatch")
class MeView(APIView):
    @extend_schema(responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class UsersView(APIView):
    def get_permissions(self):
        # GET (search) is for staff and project owners/admins, checked in search_users.
        if self.request.method == "GET":
            return [permissions.IsAuthenticated()]
        return [permissions.IsAdminUser()]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="part of a username")],
        responses={200: UserHitSerializer(many=True)},
        description="Autocomplete: up to 20 active users whose username contains q (those "
                    "starting with it first); staff and project owners/admins only; no emails.")
    def get(self, request):
        return Response(search_users(request.user, request.query_params.get("q")))

    @extend_schema(request=NewUserSerializer, responses={201: NewUserAnswerSerializer},
                   description="Staff: creates a user. Without a password this is an "
                               "invitation: the answer adds invite_url and expires_hours.")
    def post(self, request):
        ser = NewUserSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        user = create_invitee(ser.validated_data, ser.validated_data.get("password"))
        body = UserSerializer(user).data
        if not user.has_usable_password():
            link = set_password_link(request, user)
            body.update(invite_url=link["url"], expires_hours=link["expires_hours"])
        return Response(body, status=status.HTTP_201_CREATED)


def create_invitee(data: dict, password: str | None = None):
    """A new user; no password: an unusable one (an invitation). 400 when the name was taken
    meanwhile (the serializer's check and the insert are not one step)."""
    try:
        with transaction.atomic():
            return User.objects.create_user(username=data["username"], password=password,
                                            email=data.get("email", ""))
    except IntegrityError:
        raise ValidationError({"username": ["a user with that username already exists"]}) from None


def model_info() -> dict:
    """What the inference engine will load, from settings (no model is loaded here)."""
    real = settings.SAM2_MODEL != "random-tiny" and bool(settings.SAM2_CHECKPOINT)
    device = settings.SAM2_DEVICE
    if not device:
        try:
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        except Exception:  # pragma: no cover - torch is a hard dependency
            device = "cpu"
    return {
        "model": settings.SAM2_MODEL,
        "random_weights": not real,
        "device": device,
        "checkpoint": settings.SAM2_CHECKPOINT or None,
    }


class ModelView(APIView):
    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(model_info())
