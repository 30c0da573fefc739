"""Role checks shared by REST views.

Non-members get 404 for anything in a project (ids of other projects reveal nothing);
members whose role lacks the action get 403."""
from rest_framework.exceptions import NotFound, PermissionDenied

from webapp.projects.models import Project, can


def require_role(user, project: Project | None, action: str, not_found: str) -> str:
    """The user's role in `project`, or NotFound (not a member, or no project) /
    PermissionDenied (the role lacks `action`)."""
    role = project.role_of(user) if project is not None else None
    if role is None:
        raise NotFound(not_found)
    if not can(role, action):
        raise PermissionDenied(f"your role ({role}) may not {action} in this project")
    return role


def project_for(user, project_id: int, action: str = "view") -> tuple[Project, str]:
    project = Project.objects.filter(pk=project_id).first()
    return project, require_role(user, project, action, "project not found")


def video_for(user, video_id: int, action: str = "view"):
    from webapp.videos.models import Video

    video = Video.objects.select_related("project").filter(pk=video_id).first()
    role = require_role(user, video.project if video else None, action, "video not found")
    return video, role
