"""The content API (Wagtail API v2): one router, endpoints defined next to the models they expose
(cms/api.py). The order matters: a model's detail URLs point at the first endpoint serving it."""

from wagtail.api.v2.router import WagtailAPIRouter

from cms.api import (
    ContentDocumentsAPIViewSet,
    ContentImagesAPIViewSet,
    ContentPagesAPIViewSet,
    PagePreviewAPIViewSet,
    RegionsAPIViewSet,
    SeasonsAPIViewSet,
)

api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", ContentPagesAPIViewSet)
api_router.register_endpoint("images", ContentImagesAPIViewSet)
api_router.register_endpoint("documents", ContentDocumentsAPIViewSet)
api_router.register_endpoint("seasons", SeasonsAPIViewSet)
api_router.register_endpoint("regions", RegionsAPIViewSet)
api_router.register_endpoint("page_preview", PagePreviewAPIViewSet)
