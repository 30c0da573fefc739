"""Create a demo user, a demo project and a short synthetic video, so `make run` shows
something at once. Idempotent: running it again reuses what exists."""
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import transaction

from webapp.projects.models import PALETTE, LabelClass, Membership, Project, Role
from webapp.videos.ingest import run_ingest
from webapp.videos.models import Video, VideoStatus
from webapp.videos.synthetic import write_video

DEMO_USER, DEMO_PASSWORD = "demo", "demo-maskflow"
DEMO_PROJECT = "Demo: moving shapes"


class Command(BaseCommand):
    help = "Create the demo user, project and video (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--frames", type=int, default=96)

    def handle(self, *args, frames: int, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        with transaction.atomic():
            project, _ = Project.objects.get_or_create(
                name=DEMO_PROJECT,
                defaults={"created_by": user, "description": "A synthetic clip to try clicking and propagating."},
            )
            Membership.objects.get_or_create(project=project, user=user, defaults={"role": Role.OWNER})
            for i, name in enumerate(["disc", "box"]):
                LabelClass.objects.get_or_create(
                    project=project, name=name, defaults={"color": PALETTE[i], "order": i}
                )
        video = project.videos.filter(status=VideoStatus.READY).first()
        if video is None:
            with tempfile.TemporaryDirectory() as tmp:
                path = write_video(Path(tmp) / "shapes.mp4", num_frames=frames, width=640, height=360)
                video = Video.objects.create(
                    project=project, name="shapes.mp4", uploaded_by=user,
                    size_bytes=path.stat().st_size,
                )
                with open(path, "rb") as fh:
                    video.file.save("shapes.mp4", File(fh), save=True)
            run_ingest(video.pk)
            video.refresh_from_db()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: sign in as {DEMO_USER} / {DEMO_PASSWORD}\n"
                f"  project: /projects/{project.pk}   editor: /videos/{video.pk}  "
                f"({video.num_frames} frames, {video.status})"
            )
        )
