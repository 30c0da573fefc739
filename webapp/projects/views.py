"""Projects, members (and invitations of new users) and label classes."""
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.accounts.links import set_password_link
from webapp.accounts.views import InviteeSerializer, create_invitee
from webapp.api_schema import ApiErrorSerializer
from webapp.projects.access import project_for
from webapp.projects.models import PALETTE, LabelClass, Membership, Project, Role
from webapp.projects.serializers import (
    LabelSerializer,
    MemberCreateSerializer,
    MemberSerializer,
    ProjectCreateSerializer,
    ProjectSerializer,
    RoleSerializer,
    active_user_named,
    no_such_user,
    next_label_color,
)


class ProjectListView(generics.ListAPIView):
    serializer_class = ProjectSerializer

    def get_queryset(self):
        user = self.request.user
        qs = Project.objects.all() if user.is_superuser else Project.objects.filter(members=user)
        return qs.prefetch_related("labels").distinct()

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectSerializer})
    def post(self, request):
        ser = ProjectCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        with transaction.atomic():
            project = Project.objects.create(
                name=data["name"], description=data["description"], created_by=request.user
            )
            Membership.objects.create(project=project, user=request.user, role=Role.OWNER)
            LabelClass.objects.bulk_create(
                LabelClass(project=project, name=n, color=PALETTE[i % len(PALETTE)], order=i)
                for i, n in enumerate(data["labels"])
            )
        return Response(
            ProjectSerializer(project, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ProjectDetailView(APIView):
    @extend_schema(responses={200: ProjectSerializer})
    def get(self, request, project_id):
        project, _ = project_for(request.user, project_id)
        return Response(ProjectSerializer(project, context={"request": request}).data)

    @extend_schema(request=ProjectSerializer, responses={200: ProjectSerializer})
    def patch(self, request, project_id):
        project, _ = project_for(request.user, project_id, "manage")
        ser = ProjectSerializer(project, data=request.data, partial=True, context={"request": request})
        ser.is_valid(raise_exception=True)
        ser.save()
        return Response(ser.data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_id):
        project, _ = project_for(request.user, project_id, "own")
        project.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberListView(APIView):
    @extend_schema(responses={200: MemberSerializer(many=True)})
    def get(self, request, project_id):
        project, _ = project_for(request.user, project_id)
        members = project.memberships.select_related("user").order_by("user__username")
        return Response(MemberSerializer(members, many=True).data)

    @extend_schema(
        request=MemberCreateSerializer,
        responses={201: MemberSerializer, 200: MemberSerializer},
        description=(
            "Adds a member, or changes the role of an existing one under the same rules as "
            "PATCH. Unknown and deactivated usernames both get 400 "
            "`username: no active user named '<username>'`."
        ),
    )
    def post(self, request, project_id):
        project, role = project_for(request.user, project_id, "manage")
        ser = MemberCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        new_role = ser.validated_data["role"]
        # Checked before the lookup: the answer must not depend on whether the user exists.
        _check_grant(role, new_role)
        user = active_user_named(ser.validated_data["username"])
        if user is None:
            raise ValidationError({"username": [no_such_user(ser.validated_data["username"])]})
        with transaction.atomic():
            member = project.memberships.select_related("user").filter(user=user).first()
            if member is None:
                member = Membership.objects.create(project=project, user=user, role=new_role)
                return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)
            _change_role(project, role, member, new_role)
        return Response(MemberSerializer(member).data)


class InvitationSerializer(InviteeSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationAnswerSerializer(serializers.Serializer):
    member = MemberSerializer()
    invite_url = serializers.CharField(help_text="the one-time link that sets the password")
    expires_hours = serializers.IntegerField(help_text="how long invite_url works")


class InvitationView(APIView):
    @extend_schema(
        request=InvitationSerializer, responses={201: InvitationAnswerSerializer},
        description="Owners and admins (403 for other roles, 404 for non-members): creates a "
                    "user without a password, adds them with `role` (owner only by an owner), "
                    "and answers the one-time link (`invite_url`, valid `expires_hours`) that lets "
                    "them set their password. 400 when the username is taken.")
    def post(self, request, project_id):
        project, role = project_for(request.user, project_id, "manage")
        ser = InvitationSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        _check_grant(role, ser.validated_data["role"])
        with transaction.atomic():
            user = create_invitee(ser.validated_data)
            member = Membership.objects.create(project=project, user=user,
                                               role=ser.validated_data["role"])
        link = set_password_link(request, user)
        return Response({"member": MemberSerializer(member).data, "invite_url": link["url"],
                         "expires_hours": link["expires_hours"]}, status=status.HTTP_201_CREATED)


def _check_grant(actor_role: str, new_role: str | None) -> None:
    if new_role == Role.OWNER and actor_role != Role.OWNER:
        raise PermissionDenied("only an owner may make someone an owner")


def _change_role(project, actor_role: str, member: Membership, new_role: str | None) -> None:
    """Set `member`'s role (None: remove them) under the ownership rules, inside the caller's
    transaction: only an owner grants, changes or removes the owner role, and a project always
    keeps at least one owner (so a sole owner cannot demote or remove themselves)."""
    _check_grant(actor_role, new_role)
    if member.role == Role.OWNER and actor_role != Role.OWNER:
        raise PermissionDenied("only an owner may change an owner")
    if member.role == Role.OWNER and new_role != Role.OWNER:
        # Lock the owner rows so two owners demoting each other cannot both succeed.
        owners = list(
            project.memberships.select_for_update().filter(role=Role.OWNER).values_list("pk", flat=True)
        )
        if not [pk for pk in owners if pk != member.pk]:
            raise ValidationError("a project needs at least one owner")
    if new_role is None:
        member.delete()
    else:
        member.role = new_role
        member.save(update_fields=["role"])


class MemberDetailView(APIView):
    def _member(self, request, project_id, username):
        project, role = project_for(request.user, project_id, "manage")
        member = project.memberships.select_related("user").filter(user__username=username).first()
        if member is None:
            raise NotFound(f"{username!r} is not a member of this project")
        return project, role, member

    @extend_schema(request=RoleSerializer, responses={200: MemberSerializer})
    def patch(self, request, project_id, username):
        project, role, member = self._member(request, project_id, username)
        ser = RoleSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        with transaction.atomic():
            _change_role(project, role, member, ser.validated_data["role"])
        return Response(MemberSerializer(member).data)

    # 400: the project would be left without an owner.
    @extend_schema(responses={204: None, 400: ApiErrorSerializer})
    def delete(self, request, project_id, username):
        project, role, member = self._member(request, project_id, username)
        with transaction.atomic():
            _change_role(project, role, member, None)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LabelListView(APIView):
    @extend_schema(responses={200: LabelSerializer(many=True)})
    def get(self, request, project_id):
        project, _ = project_for(request.user, project_id)
        return Response(LabelSerializer(project.labels.all(), many=True).data)

    @extend_schema(request=LabelSerializer, responses={201: LabelSerializer})
    def post(self, request, project_id):
        project, _ = project_for(request.user, project_id, "manage")
        ser = LabelSerializer(data=request.data, context={"project": project})
        ser.is_valid(raise_exception=True)
        label = ser.save(
            project=project,
            color=ser.validated_data.get("color") or next_label_color(project),
            order=ser.validated_data.get("order", project.labels.count()),
        )
        return Response(LabelSerializer(label).data, status=status.HTTP_201_CREATED)


class LabelDetailView(APIView):
    def _label(self, request, project_id, label_id):
        project, _ = project_for(request.user, project_id, "manage")
        label = project.labels.filter(pk=label_id).first()
        if label is None:
            raise NotFound("label not found")
        return project, label

    @extend_schema(request=LabelSerializer, responses={200: LabelSerializer})
    def patch(self, request, project_id, label_id):
        project, label = self._label(request, project_id, label_id)
        ser = LabelSerializer(label, data=request.data, partial=True, context={"project": project})
        ser.is_valid(raise_exception=True)
        ser.save()
        return Response(ser.data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_id, label_id):
        _, label = self._label(request, project_id, label_id)
        label.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
