"""The VK ID adapter: allauth's VK ID exchange (code + code_verifier + device_id at /oauth2/auth,
then /oauth2/user_info) with its three endpoints under settings.VK_ID_URL."""

import functools

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.vk.views import VKOAuth2Adapter
from django.conf import settings
from django.shortcuts import render


class VKIDOAuth2Adapter(VKOAuth2Adapter):
    @property
    def authorize_url(self):
        return f"{settings.VK_ID_URL}/authorize"

    @property
    def access_token_url(self):
        return f"{settings.VK_ID_URL}/oauth2/auth"

    @property
    def profile_url(self):
        return f"{settings.VK_ID_URL}/oauth2/user_info"


def configured_only(view):
    """Without the application's ID and key VK ID is switched off: its routes say so (404), not 500."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (settings.VK_ID_CLIENT_ID and settings.VK_ID_CLIENT_SECRET):
            message = "Вход через VK ID на этом сайте не настроен. Войдите по коду из письма или паролем."
            return render(request, "site_theme/vk_id_error.html", {"message": message}, status=404)
        return view(request, *args, **kwargs)

    return wrapped


oauth2_login = configured_only(OAuth2LoginView.adapter_view(VKIDOAuth2Adapter))
oauth2_callback = configured_only(OAuth2CallbackView.adapter_view(VKIDOAuth2Adapter))
