from django.urls import path

from sandbox.partner import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("connexion/", views.login_view, name="login"),
    path("retour/", views.callback_view, name="callback"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("deconnecte/", views.logged_out_view, name="logged_out"),
]
