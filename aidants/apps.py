from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AidantsConfig(AppConfig):
    name = "aidants"
    verbose_name = "Aidants et structures"
    default = True


class RelaisAdminConfig(admin_apps.AdminConfig):
    # The only admin site: django-otp's, which requires a verified OTP device.
    default = False
    default_site = "aidants.admin_site.RelaisAdminSite"
