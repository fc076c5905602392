from django.db import migrations


def create_auditors_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="journal", model="entry")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="audit_journal",
        defaults={"name": "Peut consulter et exporter tout le journal"},
    )
    group, _ = Group.objects.get_or_create(name="Auditeurs")
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_auditors_group, migrations.RunPython.noop)]
