# Data migration: the built-in 课程实践课时比例 (C01) already loaded into colleges does not apply to A-type
# (pure theory) courses, whose practice hours are 0 by definition — as the library now says. The next
# recompute then resolves the false alarms it raised. A point a college has already restricted is left alone.

from django.db import migrations


def c01_not_for_a_type(apps, schema_editor):
    QCPoint = apps.get_model("standards", "QCPoint")
    for point in QCPoint.objects.filter(builtin=True, code="C01", level="course"):
        if not point.excluded_course_types:
            point.excluded_course_types = ["A"]
            point.save(update_fields=["excluded_course_types"])


class Migration(migrations.Migration):

    dependencies = [
        ('standards', '0003_qcpoint_excluded_course_types'),
    ]

    operations = [
        migrations.RunPython(c01_not_for_a_type, migrations.RunPython.noop),
    ]
