from django.urls import path

from webapp.accounts import links, views

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/login/", views.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/csrf/", views.CsrfView.as_view(), name="auth-csrf"),
    path("me/", views.MeView.as_view(), name="me"),
    path("users/", views.UsersView.as_view(), name="users"),
    path("users/<int:user_id>/password-reset/", links.PasswordResetLinkView.as_view(),
         name="user-password-reset"),
    path("auth/password/reset/", links.PasswordResetView.as_view(), name="auth-password-reset"),
    path("model/", views.ModelView.as_view(), name="model"),
]
