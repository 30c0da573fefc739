"""REST routes for export, import and evaluation jobs (included under /api/)."""
from django.urls import path

app_name = "exports"

urlpatterns: list = []
