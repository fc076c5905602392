from django.urls import path

from journal import views

app_name = "journal"

urlpatterns = [
    path("", views.entries_view, name="entries"),
    path("export.csv", views.export_view, name="export"),
    path("entrees/<int:entry_id>/", views.entry_view, name="entry"),
    path("entrees/<int:entry_id>/preuve.txt", views.proof_view, name="proof"),
    path("verification/", views.verification_view, name="verification"),
    path(
        "points-de-controle/<int:checkpoint_id>.txt",
        views.checkpoint_text_view,
        name="checkpoint_text",
    ),
]
