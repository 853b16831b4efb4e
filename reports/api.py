"""Town autocomplete for registration forms: GET /api/settlements/?q=&region="""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from cms.models import Region
from reports.models import Settlement
from reports.services import find_settlements

MIN_QUERY = 2
LIMIT = 10


class SettlementSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", default=None)
    region = serializers.CharField(source="region.name", default=None)

    class Meta:
        model = Settlement
        fields = ["id", "name", "region_code", "region", "population"]


@extend_schema(
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, required=True, description="начало названия, от 2 букв"),
        OpenApiParameter("region", OpenApiTypes.STR, description="код субъекта РФ, например 77"),
    ]
)
class SettlementSearchView(ListAPIView):
    """Up to ten settlements whose name starts with (then contains) `q`, biggest first; `region` is
    a federal subject code (as in /api/v2/ regions) to narrow the list. Typed towns that are not
    listed are fine: registration then leaves the population empty."""

    serializer_class = SettlementSerializer
    permission_classes = [AllowAny]
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no query
            return Settlement.objects.none()
        query = self.request.query_params.get("q", "").strip()
        if len(query) < MIN_QUERY:
            raise ValidationError({"q": [f"Введите хотя бы {MIN_QUERY} буквы названия населённого пункта."]})
        region = None
        code = self.request.query_params.get("region", "").strip()
        if code:
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise ValidationError({"region": ["Нет региона с таким кодом; коды — двузначные, например 77."]})
        return find_settlements(query, region=region, limit=LIMIT)
