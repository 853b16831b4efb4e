"""django-allauth's hooks for this site: usernames are emails (as for children), a child waiting for
the guardian's consent hears that when signing in with VK ID, a new VK ID account is asked whether it
is a student or an adult, and a failed VK ID sign-in gets a Russian 400 page, not allauth's default."""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from learning.models import Student

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user):
        """An account signed up by email is named by its email, like a child's; without an email
        (VK ID may not share one) allauth picks a free name."""
        email = (user.email or "").strip().lower()
        if email and not get_user_model().objects.filter(username__iexact=email).exists():
            user.username = email
            return
        super().populate_username(request, user)


def email_in_use(email):
    User = get_user_model()
    return (
        User.objects.filter(email__iexact=email).exists()
        or User.objects.filter(username__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


def consent_pending_response(request, user):
    """The page a child under 14 sees until the guardian confirms, else None."""
    student = Student.objects.filter(user=user, deleted_at__isnull=True).first()
    if user.is_active or student is None:
        return None
    return render(request, "site_theme/register_pending.html", {"student": student}, status=403)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        if sociallogin.is_existing and (response := consent_pending_response(request, sociallogin.user)):
            raise ImmediateHttpResponse(response)
        email = (sociallogin.user.email or "").strip()
        if not sociallogin.is_existing and email and email_in_use(email):
            # VK's address belongs to an account here: VK ID is not proof enough to open it, so
            # the new account goes on without that address (link VK ID in that account's cabinet).
            sociallogin.user.email = ""
            sociallogin.email_addresses = []

    def populate_user(self, request, sociallogin, data):
        """Only the first name goes to the account; the surname and birth date VK returned stay in
        the VK ID record (SocialAccount.extra_data) to pre-fill a child's profile form."""
        user = super().populate_user(request, sociallogin, data)
        user.last_name = ""
        user.email = (user.email or "").strip().lower()
        return user

    def save_user(self, request, sociallogin, form=None):
        """A new VK ID account is asked next: «Я ученик» or «Я взрослый» (site_theme:welcome)."""
        user = super().save_user(request, sociallogin, form)
        target = sociallogin.state.get("next") or ""
        welcome = reverse("site_theme:welcome")
        sociallogin.state["next"] = f"{welcome}?{urlencode({'next': target})}" if target else welcome
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        if error == AuthError.CANCELLED:
            message = "Вход через VK ID отменён. Можно попробовать ещё раз или войти по коду из письма."
        else:
            message = (
                "Не получилось войти через VK ID: ответ VK не прошёл проверку или ссылка устарела. "
                "Попробуйте ещё раз с этой страницы или войдите по коду из письма."
            )
        logger.info("VK ID sign-in failed: %s %s", error, exception)
        response = render(request, "site_theme/vk_id_error.html", {"message": message}, status=400)
        raise ImmediateHttpResponse(response)
