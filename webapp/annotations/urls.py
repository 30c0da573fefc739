from django.urls import path

from webapp.annotations import views

urlpatterns = [
    path("videos/<int:video_id>/objects/", views.ObjectsView.as_view(), name="objects"),
    path("videos/<int:video_id>/masks/", views.MasksView.as_view(), name="masks"),
    path("videos/<int:video_id>/prompts/", views.PromptsView.as_view(), name="prompts"),
    path("videos/<int:video_id>/timeline/", views.TimelineView.as_view(), name="timeline"),
]
