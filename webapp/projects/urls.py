from django.urls import path

from webapp.projects import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="projects"),
    path("projects/<int:project_id>/", views.ProjectDetailView.as_view(), name="project"),
    path("projects/<int:project_id>/members/", views.MemberListView.as_view(), name="members"),
    path("projects/<int:project_id>/invitations/", views.InvitationView.as_view(),
         name="invitations"),
    path(
        "projects/<int:project_id>/members/<str:username>/",
        views.MemberDetailView.as_view(),
        name="member",
    ),
    path("projects/<int:project_id>/labels/", views.LabelListView.as_view(), name="labels"),
    path(
        "projects/<int:project_id>/labels/<int:label_id>/",
        views.LabelDetailView.as_view(),
        name="label",
    ),
]
