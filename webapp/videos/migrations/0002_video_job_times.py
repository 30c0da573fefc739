from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("videos", "0001_initial")]

    operations = [
        migrations.AddField(model_name="video", name="queued_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="video", name="started_at",
                            field=models.DateTimeField(blank=True, null=True)),
    ]
