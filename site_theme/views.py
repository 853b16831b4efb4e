"""Views of the bundled site. Each one checks who may do what, parses input, calls one service of
another app and renders the result; the rules themselves live in those apps' services."""

import json
import logging
from urllib.parse import urlencode

from allauth.account import views as allauth_views
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt, xframe_options_sameorigin
from django.views.decorators.http import require_POST
from wagtail.models import Page

from certificates import selectors as certificates
from cms import preview as cms_preview
from cms.age_bands import AgeBand
from cms.models import DirectionPage, Region
from config.errors import STORAGE_RETRY_AFTER, STORAGE_UNAVAILABLE, ServiceError
from config.http import client_ip
from config.pagination import CachedCountPaginator
from config.text import quoted
from config.throttling import throttle_sign_in
from engagement import selectors as engagement
from engagement.services import publication
from learning import selectors as learning_selectors
from learning import services as learning
from learning.models import Assignment, Student
from learning.services import social
from media_pipeline import storage
from site_theme import queries
from site_theme.forms import (
    DeleteAccountForm,
    EmailCodeForm,
    LoginForm,
    RegistrationForm,
    SearchForm,
    StudentProfileForm,
)
from site_theme.templatetags.site_theme_tags import SHARE_MIN_SIZE, work_file_url

logger = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 10
GALLERY_PAGE_SIZE = 24
CONSENT_PENDING_SESSION_KEY = "consent_pending_student"


# --- Search ---------------------------------------------------------------------------------------


def search(request):
    """Wagtail search over the public pages, with Russian word forms (config/search.py)."""
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = Page.objects.none()
    if query:
        results = Page.objects.live().public().filter(depth__gt=2).specific().search(query)
    page_obj = Paginator(results, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "site_theme/search.html", {"form": form, "query": query, "page_obj": page_obj})


# --- Donation counter widget ------------------------------------------------------------------------


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def widget_counter(request):
    """The counter as a small page partners frame on their sites (directly or through widget.js)."""
    theme = "dark" if request.GET.get("theme") == "dark" else "light"
    return render(request, "site_theme/widget_counter.html", {"theme": theme})


def widget_snippet(request):
    """The page that shows partners what to paste."""
    base = request.build_absolute_uri("/").rstrip("/")
    return render(request, "site_theme/widget_snippet.html", {"base": base})


# --- Transparency -----------------------------------------------------------------------------------


def transparency(request):
    """Raised, transferred, children helped and the published daily digests (engagement's figures)."""
    transfers = publication.public_transfers()
    context = {
        "counter": engagement.counter(),
        "seasons": engagement.transparency(),
        "transfers": transfers,
        "updates": publication.helped_children_updates(transfers),
        "digests": engagement.published_digests()[:14],
    }
    return render(request, "site_theme/transparency.html", context)


# --- Gallery and a work's page ------------------------------------------------------------------------


def gallery(request):
    """Approved works with filters by direction, age band, region and kind; newest or most liked first."""
    filters = {key: request.GET.get(key, "").strip() for key in ("direction", "age_band", "region", "kind", "ordering")}
    works = queries.public_works(**{key: value for key, value in filters.items() if value})
    page_obj = CachedCountPaginator(works, GALLERY_PAGE_SIZE).get_page(request.GET.get("page"))
    kept = urlencode({key: value for key, value in filters.items() if value})  # the pager keeps them
    return render(
        request,
        "site_theme/gallery.html",
        {"page_obj": page_obj, "filters": filters, "choices": gallery_choices(), "query": kept},
    )


def gallery_choices():
    return {
        "directions": DirectionPage.objects.live().public().order_by("path").values_list("slug", "title"),
        "age_bands": AgeBand.choices,
        "regions": Region.objects.order_by("name").values_list("code", "name"),
        "kinds": Assignment.Kind.choices,
    }


def public_work_or_404(pk):
    work = queries.public_works().filter(pk=pk).first()
    if work is None:
        raise Http404("Работа не найдена или ещё не прошла модерацию.")
    return work


def work_detail(request, pk):
    work = public_work_or_404(pk)
    liked = request.user.is_authenticated and work.likes.filter(user=request.user).exists()
    context = {
        "work": work,
        "liked": liked,
        "warming_until": learning.like_warmup_until(request.user),
        "share_url": learning.public_work_url(work),
        "vk_share_url": learning.vk_share_url(work),
        "share": work_share_card(work),
        "vk_community_url": vk_community_url(),
    }
    return render(request, "site_theme/work.html", context)


def work_share_card(work):
    """What a link card shows for a public work: its title and task, and its first picture big
    enough for a card. The author is not named while the jury judges blind."""
    card = {
        "title": f"{quoted(work.title)} — работа в галерее Поколения М",
        "description": f"{work.assignment.direction.title}: работа на задание {quoted(work.assignment.title)}. "
        "Каждый лайк на сайте — рубль на лечение тяжелобольных детей.",
        "type": "article",
    }
    for work_file in work.files.all():
        if (
            work_file.kind == "image"
            and (work_file.width or 0) >= SHARE_MIN_SIZE[0]
            and (work_file.height or 0) >= SHARE_MIN_SIZE[1]
        ):
            card.update(image=work_file_url(work_file), width=work_file.width, height=work_file.height)
            break
    return card


def vk_community_url():
    """The project's VKontakte community, whose posts' likes and reposts count (the first group
    the VK callback is configured for), or "" when none is."""
    groups = list(settings.VK_CALLBACK_GROUPS)
    return f"https://vk.com/club{groups[0]}" if groups else ""


@require_POST
def like_work(request, pk):
    """Like or unlike (field `action`); JSON for the page's script, a redirect for a plain form."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not request.user.is_authenticated:
        message = "Войдите, чтобы поддержать работу: лайк засчитывается один раз с одного аккаунта."
        if wants_json:
            return JsonResponse({"detail": message}, status=401)
        messages.info(request, message)
        return redirect(f"{reverse('site_theme:login')}?next={reverse('site_theme:work', args=[pk])}")
    work = public_work_or_404(pk)
    liked = request.POST.get("action", "like") != "unlike"
    try:
        likes = learning.set_like(request.user, work, liked, ip=client_ip(request))
    except ServiceError as error:
        if wants_json:
            return JsonResponse({"detail": error.message}, status=error.status)
        messages.error(request, error.message)
        return redirect("site_theme:work", pk=pk)
    message = learning.like_message(request.user, work, liked)
    if wants_json:
        return JsonResponse(
            {"liked": liked, "likes": likes, "likes_word": ngettext("like", "likes", likes), "message": message}
        )
    messages.success(request, message)
    return redirect("site_theme:work", pk=pk)


# --- Accounts -----------------------------------------------------------------------------------------


def safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@throttle_sign_in
def login_view(request):
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.get_user(), backend="django.contrib.auth.backends.ModelBackend")
        return redirect(safe_next(request, reverse("site_theme:cabinet")))
    if form.pending_student is not None:
        # The password was right: this browser may ask for the guardian's email once more.
        request.session[CONSENT_PENDING_SESSION_KEY] = form.pending_student.pk
    return render_login(request, form=form, consent_pending=form.pending_student is not None)


# Why a visitor was sent to sign in (`?why=` on the login link), said at the top of the page; only
# these fixed texts, never anything typed into the address.
SIGN_IN_REASONS = {
    "like": "Войдите, чтобы поддержать работу — это бесплатно, а каждый лайк — рубль на лечение тяжелобольных детей.",
}


def render_login(request, *, form=None, code_form=None, consent_pending=False, status=200):
    """One sign-in page for everyone: adults by an emailed code, anyone by VK ID, children by
    email and password (and the link to the children's registration)."""
    context = {
        "reason": SIGN_IN_REASONS.get(request.GET.get("why", "")),
        "form": form or LoginForm(request),
        "code_form": code_form or EmailCodeForm(),
        "next": safe_next(request, ""),
        "consent_pending": consent_pending,
        "vk_id_configured": social.vk_id_configured(),
    }
    return render(request, "site_theme/login.html", context, status=status)


@require_POST
@throttle_sign_in
def email_code(request):
    """Sign in or sign up by an emailed code, with one field: a known email gets allauth's sign-in
    code, a new one allauth's sign-up (its confirmation code signs the person in)."""
    code_form = EmailCodeForm(request.POST)
    if not code_form.is_valid():
        return render_login(request, code_form=code_form, status=400)
    try:
        route = social.email_sign_in_route(code_form.cleaned_data["email"])
    except learning.ConsentPending as pending:
        request.session[CONSENT_PENDING_SESSION_KEY] = pending.student.pk
        code_form.add_error("email", pending.message)
        return render_login(request, code_form=code_form, consent_pending=True, status=403)
    except ServiceError as error:
        code_form.add_error("email", error.message)
        return render_login(request, code_form=code_form, status=error.status)
    if route == social.SIGN_UP:
        return allauth_views.signup(request)
    return allauth_views.request_login_code(request)


@require_POST
def resend_consent(request):
    """Send the guardian's consent link again, for the child who just typed the right password here."""
    student = Student.objects.filter(pk=request.session.get(CONSENT_PENDING_SESSION_KEY)).first()
    if student is None:
        messages.error(request, "Сначала войдите с email и паролем ученика — тогда письмо можно отправить снова.")
        return redirect("site_theme:login")
    try:
        learning.resend_guardian_consent(student)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Отправили письмо со ссылкой ещё раз на {student.guardian_email}.")
    return redirect("site_theme:login")


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.info(request, "Вы вышли из аккаунта.")
    return redirect("/")


def register(request):
    """Registration: from 14 with one's own consent; under 14 the account waits for a guardian."""
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            student = learning.register_student(**form.cleaned_data, ip=client_ip(request))
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if student.user.is_active:
                auth_login(request, student.user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Добро пожаловать, {student.first_name}! Выберите первый урок.")
                return redirect("site_theme:cabinet")
            return render(request, "site_theme/register_pending.html", {"student": student})
    return render(request, "site_theme/register.html", {"form": form})


@login_required(login_url="site_theme:login")
def welcome(request):
    """A new VK ID account: «Я ученик» (complete the child's profile) or «Я взрослый» (done)."""
    if student_or_none(request) is not None:
        return redirect(safe_next(request, reverse("site_theme:cabinet")))
    return render(request, "site_theme/welcome.html", {"next": safe_next(request, "")})


@login_required(login_url="site_theme:login")
def complete_profile(request):
    """The child's profile for an account that signed in with VK ID, pre-filled from VK; the
    registration rules apply (under 14 the account waits for the guardian)."""
    if student_or_none(request) is not None:
        return redirect("site_theme:cabinet")
    form = StudentProfileForm(request.POST or None, initial=social.vk_prefill(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            student = social.complete_student_profile(request.user, **form.cleaned_data, ip=client_ip(request))
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if not student.user.is_active:
                auth_logout(request)
                return render(request, "site_theme/register_pending.html", {"student": student})
            messages.success(request, f"Добро пожаловать, {student.first_name}! Выберите первый урок.")
            return redirect(safe_next(request, reverse("site_theme:cabinet")))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": safe_next(request, "")}
    return render(request, "site_theme/complete_profile.html", context, status=status)


@require_POST
@login_required(login_url="site_theme:login")
def unlink_vk(request):
    try:
        social.unlink_vk(request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "VK ID отвязан. Входите по коду из письма или паролем.")
    return redirect("site_theme:cabinet")


# --- Student cabinet ----------------------------------------------------------------------------------


def student_or_none(request):
    return learning.student_of(request.user)


@login_required(login_url="site_theme:login")
def cabinet(request):
    """My lessons with progress, my works with status and feedback, what my actions raised, my
    certificates (and my children's) and badges."""
    student = student_or_none(request)
    context = {
        "student": student,
        "raised": engagement.raised_by(request.user),
        "children": learning_selectors.children_of_guardian(request.user),
        "certificates": list(certificates.certificates_for(request.user)),
        "badges": certificates.badges_of(request.user) if student else None,
        "vk_account": social.vk_account_of(request.user),
        "vk_id_configured": social.vk_id_configured(),
    }
    if student is not None:
        context["lessons"] = learning_selectors.lessons_in_progress(student)
        context["works"] = learning_selectors.works_of(student)
        context["guardian_email"] = learning_selectors.guardian_email_of(student)
    return render(request, "site_theme/cabinet.html", context)


@login_required(login_url="site_theme:login")
def submit_work(request):
    """A contest work; the page's script shows upload progress, large videos go up in chunks."""
    student = student_or_none(request)
    if student is None:
        messages.info(request, "Отправлять работы могут зарегистрированные ученики.")
        return redirect("site_theme:register")
    assignments = learning_selectors.open_assignments_for(student)
    errors = []
    status = 400
    if request.method == "POST":
        assignment = next((a for a in assignments if str(a.pk) == request.POST.get("assignment")), None)
        if assignment is None:
            errors.append("Выберите задание из списка: приём работ по нему должен быть открыт.")
        else:
            try:
                work = learning.submit_work(
                    student,
                    assignment,
                    title=request.POST.get("title", ""),
                    description=request.POST.get("description", ""),
                    text=request.POST.get("text", ""),
                    files=request.FILES.getlist("files"),
                    videos=request.POST.getlist("videos"),
                )
            except ServiceError as error:
                errors.append(error.message)
            except Exception as error:
                if not storage.is_unavailable(error):
                    raise
                logger.error("storage unavailable during a site submission: %r", error)
                errors.append(STORAGE_UNAVAILABLE)
                status = 503
            else:
                if "application/json" in request.headers.get("Accept", ""):
                    return JsonResponse({"uid": str(work.uid), "redirect": reverse("site_theme:cabinet")}, status=201)
                messages.success(request, "Работа отправлена! Модератор проверит её в течение пары дней.")
                return redirect("site_theme:cabinet")
        if "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"detail": " ".join(errors)}, status=status)
        else:
            response = render(
                request,
                "site_theme/submit_work.html",
                {"assignments": assignments, "errors": errors, "data": request.POST},
                status=status,
            )
        if status == 503:
            response["Retry-After"] = str(STORAGE_RETRY_AFTER)
        return response
    return render(request, "site_theme/submit_work.html", {"assignments": assignments, "errors": [], "data": {}})


@login_required(login_url="site_theme:login")
def download_data(request):
    """Everything the platform keeps about the student, as a JSON file."""
    student = student_or_none(request)
    if student is None:
        raise Http404("Профиль ученика не найден.")
    body = json.dumps(learning.export_student_data(student), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pokolenie-m-moi-dannye.json"'
    return response


@login_required(login_url="site_theme:login")
def delete_account(request):
    student = student_or_none(request)
    if student is None:
        raise Http404("Профиль ученика не найден.")
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        learning.delete_student_account(student, by=request.user)
        auth_logout(request)
        messages.success(request, "Аккаунт удалён. Спасибо, что были с нами!")
        return redirect("/")
    return render(request, "site_theme/delete_account.html", {"form": form}, status=400 if form.errors else 200)


# --- Draft preview ------------------------------------------------------------------------------------


@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def preview(request):
    """Render a draft from the CMS preview API with the page type's own template."""
    try:
        page = cms_preview.page_from_token(request.GET.get("token", ""), request.GET.get("content_type", ""))
    except cms_preview.PreviewTokenError as error:
        return render(request, "site_theme/preview_error.html", {"error": error.message}, status=error.status_code)
    # Page's own serve_preview renders the template; HeadlessMixin's would send us back here.
    response = Page.serve_preview(page, request, page.default_preview_mode)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
