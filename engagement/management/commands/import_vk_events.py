"""Import (backfill) VKontakte callback events from a JSON Lines file: one event per line, as the
Callback API delivers them. The whole file is checked first and written in one transaction, in
batches that go through COPY on PostgreSQL, with the callback's de-duplication: an event already
delivered, a repost already counted or a like that stands is recorded once, so a file can be
imported again, or overlap what the callback already received, without counting anything twice."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from engagement.services.vk import VkPayloadError, check_vk_event, ingest_vk_events


class Command(BaseCommand):
    help = (
        "Загрузить события ВКонтакте (лайки, репосты) из файла JSON Lines: одно событие на строку. "
        "Повторная загрузка ничего не засчитывает дважды; при ошибке в файле не записывается ничего."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="файл JSON Lines с событиями Callback API")
        parser.add_argument("--batch", type=int, default=10_000, help="событий в одной пачке (по умолчанию 10 000)")

    def handle(self, *args, path, batch, **options):
        if batch < 1:
            raise CommandError("Размер пачки должен быть положительным числом.")
        events = []
        try:
            with open(path, encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):
                    if not line.strip():
                        continue
                    try:
                        event = json.loads(line)
                        check_vk_event(event)
                    except json.JSONDecodeError as error:
                        raise CommandError(f"Строка {number}: не JSON ({error.msg}). Ничего не записано.")
                    except VkPayloadError as error:
                        raise CommandError(f"Строка {number}: {error.message} Ничего не записано.")
                    events.append(event)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Не удалось прочитать файл {path}: {error}")
        written = 0
        with transaction.atomic():
            for start in range(0, len(events), batch):
                written += ingest_vk_events(events[start : start + batch])
        self.stdout.write(self.style.SUCCESS(f"Событий в файле: {len(events)}; новых записей журнала: {written}."))
