"""The check-in API the door page syncs its queue through."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ServiceError
from events import selectors, services
from events.models import Event

MAX_BATCH = 500


class CheckInItemSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="Сгенерирован устройством: повторная отправка не создаёт вторую отметку.")
    code = serializers.CharField(required=False, help_text="Код билета из QR-кода.")
    walk_in = serializers.BooleanField(required=False, default=False)
    people = serializers.IntegerField(required=False, default=1)
    at = serializers.DateTimeField(required=False, help_text="Когда отмечено на устройстве.")


class CheckInBatchSerializer(serializers.Serializer):
    items = CheckInItemSerializer(many=True)


class CheckInSyncView(APIView):
    """GET: the roster and the counts. POST {"items": [...]}: the device's queued check-ins; each item
    is answered (ok, repeated, walk_in, unknown, not_confirmed, invalid) and a resend is harmless."""

    permission_classes = [IsAuthenticated]

    def _event(self, request, event_id):
        event = get_object_or_404(Event.objects.select_related("page"), pk=event_id)
        if not services.is_door_staff(request.user, event):
            raise ServiceError(
                "Отмечать билеты могут сотрудники и координаторы этого мероприятия.", code="not_event_staff", status=403
            )
        return event

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, event_id):
        event = self._event(request, event_id)
        return Response({"roster": selectors.roster(event), "counts": selectors.attendance(event)})

    @extend_schema(request=CheckInBatchSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, event_id):
        event = self._event(request, event_id)
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if not isinstance(items, list):
            raise ServiceError("Передайте список отметок в поле items.", code="items_required", field="items")
        if len(items) > MAX_BATCH:
            raise ServiceError(
                f"Не больше {MAX_BATCH} отметок за раз: устройство отправит остальные следующим запросом.",
                code="batch_too_large",
                field="items",
            )
        results = services.sync_check_ins(event, items, by=request.user)
        return Response({"results": results, "counts": selectors.attendance(event)})
