"""The VK ID adapter: allauth's VK ID exchange (code + code_verifier + device_id at /oauth2/auth,
then /oauth2/user_info) with its three endpoints under settings.VK_ID_URL."""

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.vk.views import VKOAuth2Adapter
from django.conf import settings


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


oauth2_login = OAuth2LoginView.adapter_view(VKIDOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(VKIDOAuth2Adapter)
