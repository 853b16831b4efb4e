"""Every refusal reaches API clients in one JSON shape with a stable code."""

from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from config.errors import ServiceError


class RefusingView(APIView):
    authentication_classes = []
    permission_classes = []

    def post(self, request):
        raise ServiceError("Приём работ закрыт 1 мая.", code="deadline_passed", field="assignment", status=409)


def test_a_service_refusal_reaches_the_client_with_its_code_field_and_status():
    response = RefusingView.as_view()(APIRequestFactory().post("/x/"))
    response.render()

    assert response.status_code == 409
    assert response.data == {"code": "deadline_passed", "detail": "Приём работ закрыт 1 мая.", "field": "assignment"}
