"""VK ID (id.vk.ru, OAuth 2.1 with PKCE S256) for django-allauth: allauth's own VK provider, whose
endpoints come from settings.VK_ID_URL so that tests can point them at a local OAuth server."""
