from django.urls import path

from webapp.videos import views

urlpatterns = [
    path("projects/<int:project_id>/videos/", views.ProjectVideosView.as_view(), name="videos"),
    path("videos/<int:video_id>/", views.VideoDetailView.as_view(), name="video"),
    path("videos/<int:video_id>/frames/<int:n>.jpg", views.FrameView.as_view(), name="frame"),
]
