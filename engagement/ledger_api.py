"""The public ledger over HTTP: receipts with their proofs, day files, the per-campaign summary and
the key that checks every signed root. Anyone may read them; nothing here names who acted."""

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from engagement import receipts
from engagement.services import publication

DAY_FILE_CACHE = "public, max-age=3600"  # a published day never changes


class ReceiptView(APIView):
    """GET /api/engagement/receipts/<code>/: kind, amount, day, campaign and the inclusion proof."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(responses=inline_serializer("Receipt", {"receipt": serializers.CharField()}))
    def get(self, request, code):
        answer = publication.receipt(receipts.parse(code))
        if answer["proof"]:
            answer["proof"]["day_file"] = request.build_absolute_uri(day_file_url(answer["day"]))
        return Response(answer)


class LedgerSummaryView(APIView):
    """GET /api/engagement/ledger/: per campaign, the published days' total, what came after the
    last published day and the counter; where the public key and the verifier are."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(responses=inline_serializer("LedgerSummary", {"campaigns": serializers.ListField()}))
    def get(self, request):
        summary = publication.ledger_summary()
        summary["public_key"] = request.build_absolute_uri("/.well-known/ledger-key.pem")
        summary["verifier"] = request.build_absolute_uri("/transparency/verify_ledger.py")
        return Response(summary)


class DayFileView(APIView):
    """GET /api/engagement/days/<YYYY-MM-DD>.jsonl: a published day's public lines, streamed."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(responses={(200, "application/x-ndjson"): bytes})
    def get(self, request, day):
        published = publication.published_day(day)
        response = StreamingHttpResponse(publication.day_file(published.day), content_type="application/x-ndjson")
        response["Content-Disposition"] = f'attachment; filename="ledger-{published.day.isoformat()}.jsonl"'
        response["Cache-Control"] = DAY_FILE_CACHE
        return response


def day_file_url(day):
    return f"/api/engagement/days/{day}.jsonl"


def ledger_public_key(request):
    """/.well-known/ledger-key.pem: the Ed25519 public key (PEM, SubjectPublicKeyInfo)."""
    return HttpResponse(
        publication.public_key_pem(),
        content_type="application/x-pem-file",
        headers={"Cache-Control": "public, max-age=3600"},
    )
