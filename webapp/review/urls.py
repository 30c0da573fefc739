from django.urls import path

from webapp.review import views

urlpatterns = [
    path("me/work/", views.MyWorkView.as_view(), name="my-work"),
    path("auth/password/", views.PasswordView.as_view(), name="auth-password"),
    path("videos/<int:video_id>/comments/", views.VideoCommentsView.as_view(), name="comments"),
    path("comments/<int:comment_id>/", views.CommentDetailView.as_view(), name="comment"),
    path("videos/<int:video_id>/objects/<int:object_id>/review/",
         views.ReviewDecisionView.as_view(), name="object-review"),
    path("videos/<int:video_id>/consensus/", views.ConsensusView.as_view(), name="consensus"),
    path("videos/<int:video_id>/consensus/pick/", views.ConsensusPickView.as_view(),
         name="consensus-pick"),
    path("videos/<int:video_id>/flags/", views.FlagsView.as_view(), name="flags"),
    path("projects/<int:project_id>/analytics/", views.AnalyticsView.as_view(),
         name="analytics"),
]
