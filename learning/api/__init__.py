"""The learning API under /api/ (routes in learning/urls.py): `permissions`, `serializers`,
`filters`, `views` (accounts, progress, works, gallery, moderation, jury) and `files` (works' files).
This package exposes the views the URLconf routes to."""

from learning.api.files import JuryFileView, JuryVideoView, WorkFileView, WorkThumbnailView, WorkVideoView
from learning.api.views import (
    AssignmentViewSet,
    GalleryViewSet,
    GuardianConsentView,
    JuryAssignmentViewSet,
    JuryWorkViewSet,
    LoginView,
    LogoutView,
    MasterclassProgressView,
    ModerationViewSet,
    ProgressViewSet,
    RegisterView,
    ResendGuardianConsentView,
    StudentViewSet,
    SubmissionViewSet,
    TownConsentView,
)

__all__ = [
    "AssignmentViewSet",
    "GalleryViewSet",
    "GuardianConsentView",
    "JuryAssignmentViewSet",
    "JuryFileView",
    "JuryVideoView",
    "JuryWorkViewSet",
    "LoginView",
    "LogoutView",
    "MasterclassProgressView",
    "ModerationViewSet",
    "ProgressViewSet",
    "RegisterView",
    "ResendGuardianConsentView",
    "StudentViewSet",
    "SubmissionViewSet",
    "TownConsentView",
    "WorkFileView",
    "WorkThumbnailView",
    "WorkVideoView",
]
