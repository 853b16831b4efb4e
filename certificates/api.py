"""The certificates API under /api/: the signed-in person's certificates (and their children's),
their badges, and the public check of a code."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import selectors
from certificates.models import Certificate
from config.errors import ServiceError


class CertificateSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="display_number")
    kind_display = serializers.CharField(source="get_kind_display")
    holder_name = serializers.CharField(help_text="Имя и фамилия владельца, как напечатаны.")
    season = serializers.CharField(source="season.name")
    direction = serializers.CharField(source="direction_name")
    valid = serializers.BooleanField(source="is_valid")
    pdf_url = serializers.SerializerMethodField(help_text="Скачать PDF (только владелец, родитель, сотрудники).")
    verify_url = serializers.CharField(help_text="Публичная проверка: этой ссылкой можно делиться.")
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, allow_null=True, help_text="Часы волонтёра за сезон (только у этого вида)."
    )

    class Meta:
        model = Certificate
        fields = [
            "code",
            "number",
            "kind",
            "kind_display",
            "holder_name",
            "season",
            "direction",
            "title",
            "issued_at",
            "hours",
            "valid",
            "revoked_reason",
            "pdf_url",
            "verify_url",
        ]

    def get_pdf_url(self, certificate) -> str | None:
        if not certificate.is_valid:
            return None
        return settings.SITE_URL + reverse("certificates:pdf", args=[certificate.code])


class BadgeSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    earned = serializers.BooleanField()
    earned_at = serializers.DateTimeField(allow_null=True)


class CertificateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /api/certificates/`: my certificates and my children's (a guardian's), newest first."""

    serializer_class = CertificateSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        return selectors.certificates_for(self.request.user)

    @extend_schema(responses=BadgeSerializer(many=True))
    @action(detail=False, pagination_class=None)
    def badges(self, request):
        """`GET /api/certificates/badges/`: the five badges, earned or still ahead."""
        return Response(BadgeSerializer(selectors.badges_of(request.user), many=True).data)


class VerifyView(APIView):
    """`GET /api/certificates/verify/<code>/`: what the public page shows, as JSON."""

    authentication_classes = []
    permission_classes = []

    @extend_schema(
        responses=inline_serializer(
            "CertificateCheck",
            {
                "code": serializers.CharField(),
                "holder": serializers.CharField(help_text="Имя и первая буква фамилии."),
                "kind": serializers.CharField(),
                "kind_display": serializers.CharField(),
                "season": serializers.CharField(),
                "direction": serializers.CharField(),
                "valid": serializers.BooleanField(),
                "revoked_reason": serializers.CharField(),
                "hours": serializers.CharField(
                    allow_null=True, help_text="Подтверждённые часы волонтёра за сезон (только у этого вида)."
                ),
            },
        )
    )
    def get(self, request, code):
        certificate = selectors.certificate_by_code(code)
        if certificate is None:
            raise ServiceError(
                "Сертификат с таким кодом не найден: проверьте 10 знаков кода.",
                code="certificate_not_found",
                status=404,
            )
        return Response(public_facts(certificate))


def public_facts(certificate):
    """All anyone may learn from a code: first name and surname initial, kind, season, direction,
    validity, and a volunteer's confirmed hours."""
    return {
        "code": certificate.code,
        "holder": certificate.public_name,
        "kind": certificate.kind,
        "kind_display": certificate.get_kind_display(),
        "season": certificate.season.name,
        "direction": certificate.direction_name,
        "valid": certificate.is_valid,
        "revoked_reason": certificate.revoked_reason,
        "hours": certificate.hours_display or None,
    }
