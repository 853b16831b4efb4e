"""allauth's VK provider with the adapter of views.py (SOCIALACCOUNT_PROVIDERS["vk"]["provider_class"])."""

from allauth.socialaccount.providers.vk.provider import VKProvider

from learning.vk_id.views import VKIDOAuth2Adapter


class VKIDProvider(VKProvider):
    name = "VK ID"
    oauth2_adapter_class = VKIDOAuth2Adapter
    # allauth builds the provider's routes from this package's urls.py.
    package = "learning.vk_id"


provider_classes = [VKIDProvider]
