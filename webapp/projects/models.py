"""Projects, who belongs to them with which role, and their label classes."""
from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OWNER = "owner"
    ADMIN = "admin"
    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"
    VIEWER = "viewer"


# What each role may do. Views and the websocket consumer both ask `can(role, action)`.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset({"view"}),
    Role.REVIEWER: frozenset({"view", "review"}),
    Role.ANNOTATOR: frozenset({"view", "annotate", "export"}),
    Role.ADMIN: frozenset({"view", "annotate", "review", "export", "manage"}),
    Role.OWNER: frozenset({"view", "annotate", "review", "export", "manage", "own"}),
}


def can(role: str | None, action: str) -> bool:
    return role is not None and action in ROLE_ACTIONS.get(role, frozenset())


# The colours new objects and label classes take, in turn (the UI's copy is generated from this:
# webapp/projects/contract.py). Not the DAVIS export's palette: DAVIS PNGs use the VOC colormap.
PALETTE = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
    "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#fffac8", "#800000",
    "#aaffc3", "#808000", "#ffd8b1", "#000075", "#a9a9a9",
]


class Project(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def role_of(self, user) -> str | None:
        if not user or not user.is_authenticated:
            return None
        return role_in(self.pk, user.pk, user.is_superuser)


def role_in(project_id: int, user_id: int, is_superuser: bool | None = None) -> str | None:
    """The one role rule: the membership's role; a superuser who is not a member acts as owner
    (`is_superuser` None: looked up). webapp/realtime/sql.py computes the same in its
    per-message statement (tested against this in tests/realtime/test_sql.py)."""
    m = Membership.objects.filter(project_id=project_id, user_id=user_id).values("role").first()
    if m:
        return m["role"]
    if is_superuser is None:
        from django.contrib.auth import get_user_model

        is_superuser = get_user_model().objects.filter(pk=user_id, is_superuser=True).exists()
    return Role.OWNER if is_superuser else None


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANNOTATOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="uniq_membership"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "project"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.project}: {self.role}"


class LabelClass(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, default="#e6194b")
    # Export order (YOLO class index, MOTS class id) follows `order`, then id.
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="uniq_label_name"),
        ]

    def __str__(self) -> str:
        return self.name
