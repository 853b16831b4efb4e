"""Admin: issued certificates (read-only list with revoke), the season designs editors draw them
in (with a PDF preview), and the season batch screen."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.menus import MenuItem as ListingMenuItem
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet, SnippetViewSetGroup

from certificates import admin_views
from certificates.models import Certificate, CertificateDesign


@hooks.register("register_admin_urls")
def certificates_admin_urls():
    return [
        path("certificates/batches/", admin_views.batches, name="certificates_batches"),
        path("certificates/batches/progress/", admin_views.batch_progress, name="certificates_batch_progress"),
        path("certificates/<int:pk>/revoke/", admin_views.revoke, name="certificates_revoke"),
    ]


class IssuedOnlyPolicy(ModelPermissionPolicy):
    """Certificates are issued by the platform, never typed in: nobody adds, edits or deletes them
    in the admin (revoking has its own screen and permission)."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)


register_permission_policy(Certificate, IssuedOnlyPolicy(Certificate), exact_class=True)


class CertificateIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        buttons.append(
            ListingMenuItem("Страница проверки", instance.verify_path, icon_name="link-external", priority=40)
        )
        buttons.append(
            ListingMenuItem(
                "Скачать PDF", reverse("certificates:pdf", args=[instance.code]), icon_name="download", priority=41
            )
        )
        if instance.is_valid and self.request.user.has_perm(admin_views.REVOKE_PERMISSION):
            buttons.append(
                ListingMenuItem(
                    "Отозвать", reverse("certificates_revoke", args=[instance.pk]), icon_name="warning", priority=50
                )
            )
        return buttons


class CertificateViewSet(SnippetViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = "Выданные"
    index_view_class = CertificateIndexView
    list_display = ["display_number", "kind", "holder_name", "direction_name", "season", "issued_at", "validity"]
    list_filter = ["season", "kind", "direction"]
    search_fields = ["code", "first_name", "surname", "title"]
    search_backend_name = None
    inspect_view_enabled = True
    inspect_view_fields = [
        "code",
        "kind",
        "first_name",
        "surname",
        "season",
        "direction_name",
        "title",
        "mentor_name",
        "issued_at",
        "reissued_at",
        "revoked_at",
        "revoked_reason",
    ]
    ordering = ["-issued_at"]


class CertificateDesignViewSet(SnippetViewSet):
    model = CertificateDesign
    icon = "image"
    menu_label = "Оформление"
    list_display = ["__str__", "season", "direction", "updated_at"]
    list_filter = ["season"]


class BatchMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.ISSUE_PERMISSION)


class CertificatesViewSetGroup(SnippetViewSetGroup):
    menu_label = "Сертификаты"
    menu_icon = "doc-full"
    menu_order = 265
    items = (CertificateViewSet, CertificateDesignViewSet)
    submenu_hook = "register_certificates_menu_item"


register_snippet(CertificatesViewSetGroup)


@hooks.register("register_certificates_menu_item")
def batch_menu_item():
    return BatchMenuItem("Выпуск за сезон", reverse("certificates_batches"), icon_name="doc-full-inverse", order=30)
