"""Engagement API: the donation counter, "what my actions raised", transparency, digests and the
VKontakte Callback API endpoint. Views parse input, call one service and shape the answer."""

import hashlib
import json
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ServiceError
from engagement import selectors
from engagement.models import Campaign, DailyDigest
from engagement.services import publication
from engagement.services.vk import VkPayloadError, accept_vk_event


class DonationCounterView(View):
    """GET /api/engagement/counter/[?campaign=ID]: the live figures, read from the counter slots,
    with ETag and Cache-Control for a CDN.

    Each process keeps the answer for ENGAGEMENT_COUNTER_CACHE_SECONDS: at most one slot query per
    process per period, and no cache round trip on the hottest public endpoint (it is answered
    before the site's other middleware and its page cache: config.middleware.EarlyRoutesMiddleware)."""

    _answers = {}  # campaign param -> (expires at, body, etag)

    def get(self, request):
        param = request.META.get("QUERY_STRING", "") and request.GET.get("campaign", "")
        answer = self._answers.get(param)
        if answer is None or answer[0] < time.monotonic():
            answer = self._compute(param)
            if isinstance(answer, HttpResponse):
                return answer
            self._answers[param] = answer
        _, body, etag = answer
        headers = {
            "ETag": etag,
            "Cache-Control": f"public, max-age={settings.ENGAGEMENT_COUNTER_CACHE_SECONDS}",
            "X-Content-Type-Options": "nosniff",  # the site's SecurityMiddleware does not run for it
        }
        if request.META.get("HTTP_IF_NONE_MATCH") == etag:
            return HttpResponse(status=304, headers=headers)
        return HttpResponse(body, content_type="application/json", headers=headers)

    @staticmethod
    def _compute(param):
        campaign = None
        if param:
            if not param.isdigit():
                return ServiceError(
                    "Параметр campaign должен быть номером кампании, например ?campaign=1.",
                    code="invalid_campaign",
                    field="campaign",
                ).as_response()
            campaign = Campaign.objects.filter(pk=int(param)).first()
            if campaign is None:
                return ServiceError(
                    f"Кампании с номером {param} нет.", code="campaign_not_found", field="campaign", status=404
                ).as_response()
        figures = selectors.counter(campaign)
        stable = {key: value for key, value in figures.items() if key != "updated_at"}
        etag = 'W/"' + hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:32] + '"'
        expires = time.monotonic() + settings.ENGAGEMENT_COUNTER_CACHE_SECONDS
        return expires, json.dumps(figures, ensure_ascii=False).encode(), etag


class MyImpactView(APIView):
    """What the signed-in account's own actions raised."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "MyImpact", {"raised_kopecks": serializers.IntegerField(), "raised_roubles": serializers.IntegerField()}
        )
    )
    def get(self, request):
        raised = selectors.raised_by(request.user)
        return Response({"raised_kopecks": raised, "raised_roubles": raised // 100})


class TransparencyView(APIView):
    """Per season: raised, transferred, children helped and the public beneficiaries."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=inline_serializer("Transparency", {"seasons": serializers.ListField()}))
    def get(self, request):
        return Response({"seasons": selectors.transparency(), "transfers": publication.public_transfers()})


class DailyDigestSerializer(serializers.ModelSerializer):
    class Meta:
        model = DailyDigest
        fields = [
            "day",
            "entries_count",
            "amount",
            "previous",
            "digest",
            "created_at",
            "version",
            "root",
            "transfers_root",
            "signature",
            "day_file",
        ]

    day_file = serializers.SerializerMethodField()

    def get_day_file(self, digest) -> str:
        return self.context["request"].build_absolute_uri(f"/api/engagement/days/{digest.day}.jsonl")


class DailyDigestListView(generics.ListAPIView):
    """The published chain of daily ledger digests, newest first: anyone can check that history
    was not rewritten."""

    permission_classes = [permissions.AllowAny]
    serializer_class = DailyDigestSerializer
    queryset = selectors.published_digests()


@csrf_exempt
@require_POST
def vk_callback(request):
    """POST /api/vk/callback/: VKontakte's Callback API. Answers "ok" only once the event is stored
    in the inbox (accept_vk_event; a drain turns it into ledger entries a second later), so
    VKontakte delivers again after any failure. Every like on the communities' posts comes through
    here: it is answered before the site's other middleware (config.middleware.EarlyRoutesMiddleware),
    which it does not need."""
    try:
        event = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return ServiceError(
            "Тело запроса должно быть JSON-объектом события ВКонтакте.", code="invalid_json"
        ).as_response()
    if not isinstance(event, dict) or "type" not in event:
        return ServiceError(
            "Событие ВКонтакте должно быть объектом с полями type и group_id.", code="invalid_vk_event"
        ).as_response()
    try:
        group_id = int(event.get("group_id"))
    except (TypeError, ValueError):
        return ServiceError(
            "В событии нет числового group_id.", code="invalid_vk_event", field="group_id"
        ).as_response()
    group = settings.VK_CALLBACK_GROUPS.get(group_id)
    if group is None:
        return ServiceError(
            f"Сообщество {group_id} не подключено к платформе (VK_CALLBACK_GROUPS).",
            code="vk_group_not_connected",
            field="group_id",
            status=403,
        ).as_response()
    if event["type"] == "confirmation":
        return HttpResponse(group["confirmation"], content_type="text/plain")
    if not constant_time_compare(str(event.get("secret", "")), group["secret"]):
        return ServiceError(
            "Неверный секретный ключ Callback API.", code="wrong_vk_secret", field="secret", status=403
        ).as_response()
    # No health check (a SELECT 1 round trip before the one statement a callback costs): on a
    # connection the database dropped the call fails, the answer is 503 so VKontakte delivers
    # again, and the connection, having seen an error, is closed when the request ends.
    connection.health_check_done = True
    try:
        accept_vk_event(event)
    except VkPayloadError as refusal:
        return refusal.as_response()
    except DatabaseError:
        return ServiceError(
            "База данных недоступна; ВКонтакте повторит доставку.", code="database_unavailable", status=503
        ).as_response()
    return HttpResponse("ok", content_type="text/plain")
