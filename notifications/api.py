"""The notifications API under /api/ for other front ends (a VK mini app, a mobile app): the
signed-in person's notifications, the unread count, marking read."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import selectors
from notifications.models import Notification
from notifications.services import notify as notifying


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "created_at", "read", "read_at"]

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


UNREAD = inline_serializer("UnreadCount", {"unread": serializers.IntegerField()})


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /api/notifications/`: my notifications, newest first (`?unread=1`: only unread)."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]

    queryset = Notification.objects.none()  # the schema's model; requests read their own below

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        rows = selectors.notifications_for(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            rows = rows.filter(read_at__isnull=True)
        return rows

    @extend_schema(responses=UNREAD)
    @action(detail=False, url_path="unread-count", pagination_class=None)
    def unread_count(self, request):
        """`GET /api/notifications/unread-count/`: the number the header shows."""
        return Response({"unread": selectors.unread_count(request.user)})

    @extend_schema(request=None, responses=UNREAD)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """`POST /api/notifications/<id>/read/`: mark one read (404 for another person's)."""
        try:
            notification_id = int(pk)
        except (TypeError, ValueError):
            notification_id = 0
        if not 0 < notification_id < 2**63:
            notification_id = 0  # out of the column's range: simply not found
        notifying.mark_read(request.user, notification_id)
        return Response({"unread": selectors.unread_count(request.user)})

    @extend_schema(request=None, responses=UNREAD)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """`POST /api/notifications/read-all/`: mark every one read."""
        notifying.mark_all_read(request.user)
        return Response({"unread": 0})
