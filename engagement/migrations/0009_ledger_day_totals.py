"""Totals of digested ledger days (LedgerDayTotal), append-only like the ledger, and filled for
the days digested before this migration; publish_digests() writes them for every later day."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate, TruncMonth

MOSCOW = ZoneInfo("Europe/Moscow")


def roll_up_digested_days(apps, schema_editor):
    DailyDigest = apps.get_model("engagement", "DailyDigest")
    LedgerEntry = apps.get_model("engagement", "LedgerEntry")
    LedgerDayTotal = apps.get_model("engagement", "LedgerDayTotal")
    last = DailyDigest.objects.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return
    totals = (
        LedgerEntry.objects.filter(
            campaign__isnull=False, created_at__lt=datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
        )
        .annotate(
            day=TruncDate("created_at", tzinfo=UTC),
            month=TruncMonth("created_at", tzinfo=MOSCOW, output_field=models.DateField()),
        )
        .values("day", "campaign_id", "month", "kind")
        .annotate(amount=Sum("amount"), entries=Count("pk"), compensations=Count("reverses"))
        .order_by()
    )
    LedgerDayTotal.objects.bulk_create([LedgerDayTotal(**row) for row in totals], batch_size=1000)


def append_only(apps, schema_editor):
    """The same trigger as the ledger's (migration 0002): PostgreSQL refuses UPDATE and DELETE."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER engagement_ledgerdaytotal_append_only BEFORE UPDATE OR DELETE ON "
            "engagement_ledgerdaytotal FOR EACH ROW EXECUTE FUNCTION engagement_refuse_change()"
        )



class Migration(migrations.Migration):

    dependencies = [
        ('engagement', '0008_campaign_and_count_function'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerDayTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='день (UTC)')),
                ('month', models.DateField(verbose_name='месяц (по Москве)')),
                ('kind', models.CharField(choices=[('work_approved', 'работа принята'), ('like', 'лайк'), ('repost', 'репост ВКонтакте')], max_length=20, verbose_name='действие')),
                ('amount', models.BigIntegerField(verbose_name='сумма, коп.')),
                ('entries', models.PositiveIntegerField(verbose_name='записей')),
                ('compensations', models.PositiveIntegerField(verbose_name='из них компенсаций')),
                ('campaign', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='engagement.campaign', verbose_name='кампания')),
            ],
            options={
                'verbose_name': 'итог дня журнала',
                'verbose_name_plural': 'итоги дней журнала',
                'ordering': ['day', 'campaign', 'month', 'kind'],
                'constraints': [models.UniqueConstraint(fields=('campaign', 'day', 'month', 'kind'), name='ledger_day_total_unique')],
            },
        ),
        migrations.RunPython(append_only, migrations.RunPython.noop),
        migrations.RunPython(roll_up_digested_days, migrations.RunPython.noop),
    ]
