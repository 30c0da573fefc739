from django.contrib.auth import get_user_model
from rest_framework import serializers

from webapp.accounts.fields import StrictCharField, StrictModelSerializer, StrictRegexField
from webapp.projects.models import PALETTE, LabelClass, Membership, Project, Role


class LabelSerializer(StrictModelSerializer):
    color = StrictRegexField(r"^#[0-9a-fA-F]{6}$", required=False)

    class Meta:
        model = LabelClass
        fields = ["id", "name", "color", "order"]

    def validate_name(self, value):
        value = value.strip()
        if not value:
            raise serializers.ValidationError("label name must not be empty")
        project = self.context["project"]
        clash = LabelClass.objects.filter(project=project, name=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"label {value!r} already exists in this project")
        return value


class ProjectSerializer(StrictModelSerializer):
    labels = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    num_videos = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["id", "name", "description", "labels", "role", "num_videos", "created_at"]

    def get_labels(self, obj) -> list[dict]:
        return LabelSerializer(obj.labels.all(), many=True).data

    def get_role(self, obj) -> str | None:
        return obj.role_of(self.context["request"].user)

    def get_num_videos(self, obj) -> int:
        return obj.videos.count()


class ProjectCreateSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    description = StrictCharField(required=False, allow_blank=True, default="")
    labels = serializers.ListField(
        child=StrictCharField(max_length=100), required=False, default=list, max_length=500
    )

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError("project name must not be empty")
        return value.strip()

    def validate_labels(self, value):
        names = [v.strip() for v in value]
        if any(not n for n in names):
            raise serializers.ValidationError("label names must not be empty")
        if len(set(names)) != len(names):
            raise serializers.ValidationError("label names must be unique")
        return names


class MemberSerializer(StrictModelSerializer):
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["user_id", "username", "role"]


# One answer for every username that cannot be added, so member add does not tell whether an
# account exists (unknown and deactivated accounts alike).
def no_such_user(username: str) -> str:
    return f"no active user named {username!r}"


class MemberCreateSerializer(serializers.Serializer):
    # A name, looked up by the view only after the caller's right to grant `role` is checked,
    # so that a refusal never depends on whether the account exists.
    username = StrictCharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


def active_user_named(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


def next_label_color(project) -> str:
    return PALETTE[project.labels.count() % len(PALETTE)]
