"""Role checks shared by REST views and the websocket consumer.

Non-members get 404 for anything in a project (ids of other projects reveal nothing);
members whose role lacks the action get 403."""
from rest_framework.exceptions import NotFound, PermissionDenied

from webapp.projects.models import Project, can


def project_for(user, project_id: int, action: str = "view") -> tuple[Project, str]:
    project = Project.objects.filter(pk=project_id).first()
    role = project.role_of(user) if project else None
    if project is None or role is None:
        raise NotFound("project not found")
    if not can(role, action):
        raise PermissionDenied(f"your role ({role}) may not {action} in this project")
    return project, role


def video_for(user, video_id: int, action: str = "view"):
    from webapp.videos.models import Video

    video = Video.objects.select_related("project").filter(pk=video_id).first()
    role = video.project.role_of(user) if video else None
    if video is None or role is None:
        raise NotFound("video not found")
    if not can(role, action):
        raise PermissionDenied(f"your role ({role}) may not {action} in this project")
    return video, role
