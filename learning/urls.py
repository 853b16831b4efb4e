"""learning API routes, mounted under /api/ by config/api_urls.py."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from learning import api, views

app_name = "learning"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("students", api.StudentViewSet, basename="student")
router.register("progress", api.ProgressViewSet, basename="progress")
router.register("assignments", api.AssignmentViewSet, basename="assignment")
router.register("submissions", api.SubmissionViewSet, basename="submission")
router.register("gallery", api.GalleryViewSet, basename="gallery")
router.register("moderation", api.ModerationViewSet, basename="moderation")
router.register("jury/works", api.JuryWorkViewSet, basename="jury-work")
router.register("jury/assignments", api.JuryAssignmentViewSet, basename="jury-assignment")

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="register"),
    path("auth/login/", api.LoginView.as_view(), name="login"),
    path("auth/resend-consent/", api.ResendGuardianConsentView.as_view(), name="resend-consent"),
    path("auth/logout/", api.LogoutView.as_view(), name="logout"),
    path("consent/guardian/", api.GuardianConsentView.as_view(), name="guardian-consent"),
    path("consent/guardian/<str:token>/", views.guardian_consent_page, name="guardian-consent-page"),
    path("consent/town/", api.TownConsentView.as_view(), name="town-consent"),
    path("consent/town/<str:token>/", views.town_consent_page, name="town-consent-page"),
    path("masterclasses/<int:pk>/progress/", api.MasterclassProgressView.as_view(), name="masterclass-progress"),
    path("results/<int:pk>/", views.results_json, name="results"),
    path("works/files/<uuid:uid>/", api.WorkFileView.as_view(), name="work-file"),
    path("works/files/<uuid:uid>/thumbnail/", api.WorkThumbnailView.as_view(), name="work-thumbnail"),
    path("works/files/<uuid:uid>/hls/<path:path>", api.WorkVideoView.as_view(), name="work-video"),
    path("jury/works/<str:code>/files/<int:number>/", api.JuryFileView.as_view(), name="jury-work-file"),
    path(
        "jury/works/<str:code>/files/<int:number>/hls/<path:path>", api.JuryVideoView.as_view(), name="jury-work-video"
    ),
    path("", include(router.urls)),
]
