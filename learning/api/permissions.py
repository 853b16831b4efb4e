"""Who may call the learning API, and how often reports may come from one address."""

from rest_framework import permissions
from rest_framework.throttling import SimpleRateThrottle

from learning.services import roles


class IsStudent(permissions.BasePermission):
    message = "Это доступно только ученику с активным аккаунтом."

    def has_permission(self, request, view):
        student = roles.student_of(request.user)
        return bool(student and request.user.is_active)


class IsModerator(permissions.BasePermission):
    message = "Это доступно только модераторам."

    def has_permission(self, request, view):
        return roles.is_moderator(request.user)


class IsJuror(permissions.BasePermission):
    message = "Это доступно только членам жюри."

    def has_permission(self, request, view):
        return roles.is_juror(request.user)


class ReportThrottle(SimpleRateThrottle):
    """Reports share the per-address like rate: one address cannot flood the moderation queue."""

    scope = "like_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": "report", "ident": self.get_ident(request)}
