from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from learning.vk_id.provider import VKIDProvider

urlpatterns = default_urlpatterns(VKIDProvider)
