"""Projects, members and label classes."""
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from webapp.projects.access import project_for
from webapp.projects.models import PALETTE, LabelClass, Membership, Project, Role
from webapp.projects.serializers import (
    LabelSerializer,
    MemberCreateSerializer,
    MemberSerializer,
    ProjectCreateSerializer,
    ProjectSerializer,
    RoleSerializer,
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

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def post(self, request, project_id):
        project, role = project_for(request.user, project_id, "manage")
        ser = MemberCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        new_role = ser.validated_data["role"]
        if new_role == Role.OWNER and role != Role.OWNER:
            raise PermissionDenied("only an owner may add another owner")
        member, created = Membership.objects.update_or_create(
            project=project, user=ser.validated_data["username"], defaults={"role": new_role}
        )
        return Response(
            MemberSerializer(member).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def _owners_left(project, excluding: Membership) -> int:
    return project.memberships.filter(role=Role.OWNER).exclude(pk=excluding.pk).count()


class MemberDetailView(APIView):
    def _member(self, request, project_id, username):
        project, role = project_for(request.user, project_id, "manage")
        member = project.memberships.select_related("user").filter(user__username=username).first()
        if member is None:
            raise NotFound(f"{username!r} is not a member of this project")
        if member.role == Role.OWNER and role != Role.OWNER:
            raise PermissionDenied("only an owner may change an owner")
        return project, role, member

    @extend_schema(request=RoleSerializer, responses={200: MemberSerializer})
    def patch(self, request, project_id, username):
        project, role, member = self._member(request, project_id, username)
        ser = RoleSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        new_role = ser.validated_data["role"]
        if new_role == Role.OWNER and role != Role.OWNER:
            raise PermissionDenied("only an owner may make someone an owner")
        if member.role == Role.OWNER and new_role != Role.OWNER and not _owners_left(project, member):
            raise ValidationError("a project needs at least one owner")
        member.role = new_role
        member.save(update_fields=["role"])
        return Response(MemberSerializer(member).data)

    @extend_schema(responses={204: None})
    def delete(self, request, project_id, username):
        project, _, member = self._member(request, project_id, username)
        if member.role == Role.OWNER and not _owners_left(project, member):
            raise ValidationError("a project needs at least one owner")
        member.delete()
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
