import json
from pathlib import Path

from django.db import migrations, models

# The national list as it stood when this migration was written (the file may grow later).
DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "academies.json"


def fill_region_academique(apps, schema_editor):
    Academie = apps.get_model("establishments", "Academie")
    regions = {
        entry["code"]: entry["region_academique"]
        for entry in json.loads(DATA_FILE.read_text(encoding="utf-8"))["academies"]
    }
    for academie in Academie.objects.filter(region_academique=""):
        code = academie.code.zfill(2) if academie.code.isdigit() else academie.code
        if code in regions:
            academie.region_academique = regions[code]
            academie.save(update_fields=["region_academique"])


class Migration(migrations.Migration):
    dependencies = [
        ("establishments", "0002_people_labels_and_cancelled_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="academie",
            name="region_academique",
            field=models.CharField(
                blank=True,
                help_text="Région académique de l’académie (Poitiers : Nouvelle-Aquitaine).",
                max_length=100,
                verbose_name="région académique",
            ),
        ),
        migrations.RunPython(fill_region_academique, migrations.RunPython.noop),
    ]
