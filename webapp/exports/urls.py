"""REST routes for export, import and evaluation jobs (included under /api/)."""
from django.urls import path

from webapp.exports import views

app_name = "exports"

urlpatterns = [
    path("videos/<int:video_id>/exports/", views.VideoExportsView.as_view(), name="video-exports"),
    path("projects/<int:project_id>/exports/", views.ProjectExportsView.as_view(),
         name="project-exports"),
    path("exports/<int:pk>/", views.ExportDetailView.as_view(), name="export-detail"),
    path("exports/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export-download"),
    path("videos/<int:video_id>/imports/", views.VideoImportsView.as_view(), name="video-imports"),
    path("imports/<int:pk>/", views.ImportDetailView.as_view(), name="import-detail"),
    path("videos/<int:video_id>/evaluations/", views.VideoEvaluationsView.as_view(),
         name="video-evaluations"),
    path("evaluations/<int:pk>/", views.EvaluationDetailView.as_view(), name="evaluation-detail"),
]
