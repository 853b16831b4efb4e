"""Check, per campaign, that the ledger's entries add up to the counter's slots."""

from django.core.management.base import BaseCommand, CommandError

from engagement.selectors import reconcile


class Command(BaseCommand):
    help = "Сверить журнал с ячейками счётчика по каждой кампании; ненулевой код выхода при расхождении."

    def handle(self, *args, **options):
        balances = reconcile()
        broken = [balance for balance in balances if not balance.balanced]
        for balance in balances:
            line = (
                f"{balance.name}: записи {balance.entries_amount} коп. / действий: {balance.entries_actions}, "
                f"счётчик {balance.slots_amount} коп. / действий: {balance.slots_actions}"
            )
            if balance.balanced:
                self.stdout.write(f"OK  {line}")
            else:
                self.stdout.write(
                    self.style.ERROR(
                        f"РАСХОЖДЕНИЕ  {line}; разница {balance.entries_amount - balance.slots_amount} коп., "
                        f"действий: {balance.entries_actions - balance.slots_actions}"
                    )
                )
        if broken:
            raise CommandError(f"Журнал и счётчик расходятся; кампаний с расхождением: {len(broken)}.")
        self.stdout.write(self.style.SUCCESS(f"Журнал сходится со счётчиком (кампаний: {len(balances)})."))
