"""Foundations' transfers: money of a campaign paid through a foundation for one of its children."""

from django.db import transaction
from django.db.models import Sum

from config.errors import ServiceError
from config.text import quoted
from engagement.forms import roubles_label
from engagement.models import Campaign, Transfer
from engagement.selectors import campaign_totals
from engagement.services import publication


def transfer_problem(transfer, campaign=None):
    """Why this transfer may not be saved (a ServiceError to raise), or None. Checks the
    beneficiary's foundation and that the campaign's transfers stay within what it raised."""
    if (
        transfer.beneficiary_id
        and transfer.foundation_id
        and transfer.beneficiary.foundation_id != transfer.foundation_id
    ):
        return ServiceError(
            "Подопечный относится к другому фонду: выберите подопечного своего фонда.",
            code="beneficiary_of_other_foundation",
            field="beneficiary",
        )
    if not transfer.amount or transfer.amount <= 0:
        return ServiceError("Сумма перевода должна быть больше нуля.", code="amount_not_positive", field="amount")
    if problem := publication.chained_transfer_problem(transfer):
        return ServiceError(problem, code="transfer_in_published_chain", status=409)
    campaign = campaign or transfer.campaign
    raised, _ = campaign_totals(campaign)
    others = (
        Transfer.objects.filter(campaign=campaign).exclude(pk=transfer.pk).aggregate(total=Sum("amount"))["total"] or 0
    )
    if others + transfer.amount > raised:
        return ServiceError(
            f"Перевод больше, чем осталось в кампании {quoted(campaign)}: собрано {roubles_label(raised)}, "
            f"уже переведено {roubles_label(others)}, доступно {roubles_label(max(raised - others, 0))}.",
            code="transfer_exceeds_raised",
            field="amount",
            status=409,
        )
    return None


def save_transfer(transfer):
    """Save a new or edited transfer unless transfer_problem() objects. The campaign row is locked
    meanwhile, so two coordinators cannot overdraw the campaign together."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=transfer.campaign_id)
        problem = transfer_problem(transfer, campaign)
        if problem:
            raise problem
        publication.seal_transfer(transfer)  # the report's public SHA-256
        transfer.save()
    return transfer
