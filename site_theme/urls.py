"""Routes of the bundled site (mounted at the root, before Wagtail's page serving)."""

from django.urls import path

from site_theme import guardian_views, ledger_views, pwa, results_views, views

app_name = "site_theme"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("gallery/", views.gallery, name="gallery"),
    path("gallery/<int:pk>/", views.work_detail, name="work"),
    path("gallery/<int:pk>/like/", views.like_work, name="like"),
    path("transparency/", views.transparency, name="transparency"),
    path("transparency/verify_ledger.py", ledger_views.verifier_download, name="verifier"),
    path("receipt/", ledger_views.receipt_lookup, name="receipt_lookup"),
    path("receipt/<str:code>/", ledger_views.receipt, name="receipt"),
    path("how-to-check/", ledger_views.how_to_check, name="how_to_check"),
    path("results/", results_views.results_index, name="results_index"),
    path("results/<int:pk>/", results_views.results_page, name="results"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("cabinet/works/<int:pk>/", results_views.my_work_results, name="my_work_results"),
    path("cabinet/actions/", ledger_views.my_actions, name="my_actions"),
    path("cabinet/login/", views.login_view, name="login"),
    path("cabinet/login/code/", views.email_code, name="email_code"),
    path("cabinet/welcome/", views.welcome, name="welcome"),
    path("cabinet/profile/", views.complete_profile, name="complete_profile"),
    path("cabinet/vk/unlink/", views.unlink_vk, name="unlink_vk"),
    path("cabinet/login/resend-consent/", views.resend_consent, name="resend_consent"),
    path("cabinet/logout/", views.logout_view, name="logout"),
    path("cabinet/register/", views.register, name="register"),
    path("cabinet/submit/", views.submit_work, name="submit_work"),
    path("cabinet/my-data/", views.download_data, name="download_data"),
    path("cabinet/delete/", views.delete_account, name="delete_account"),
    path("cabinet/children/add/", guardian_views.add_child, name="add_child"),
    path("cabinet/children/<int:pk>/", guardian_views.child_detail, name="child"),
    path("cabinet/children/<int:pk>/consent/withdraw/", guardian_views.withdraw_consent, name="child_withdraw"),
    path("cabinet/children/<int:pk>/consent/give/", guardian_views.give_consent, name="child_give_consent"),
    path("cabinet/children/<int:pk>/data/", guardian_views.child_data, name="child_data"),
    path("cabinet/children/<int:pk>/delete/", guardian_views.delete_child, name="child_delete"),
    path("widget/", views.widget_snippet, name="widget_snippet"),
    path("widget/counter/", views.widget_counter, name="widget_counter"),
    path("preview/", views.preview, name="preview"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("offline/", pwa.offline, name="offline"),
]
