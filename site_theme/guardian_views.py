"""The guardian's cabinet: a page per child (lessons, works with the moderator's reasons and the jury's
comments, what the child's actions raised), the consent given or withdrawn, the child's data
downloaded or deleted, and a second child added under the same account. Another family's child is
a 404. The rules live in learning.services.guardians and learning.services.erasure."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from config.errors import ServiceError
from config.http import client_ip
from engagement import selectors as engagement
from learning import selectors as learning_selectors
from learning import services as learning
from learning.models import GUARDIAN_CONSENT_BELOW_AGE
from site_theme.forms import ChildForm, DeleteAccountForm, GiveConsentForm

login = login_required(login_url="site_theme:login")


def child_or_404(request, pk):
    child = learning_selectors.child_of_guardian(request.user, pk)
    if child is None:
        raise Http404("Ребёнок не найден.")
    return child


@login
def child_detail(request, pk):
    child = child_or_404(request, pk)
    context = {
        "child": child,
        "lessons": learning_selectors.lessons_in_progress(child),
        "works": learning_selectors.works_of(child, with_hidden_by_consent=True),
        "raised": engagement.raised_by(child.user),
        "consents": learning_selectors.consents_of(child),
        "consent_form": GiveConsentForm(),
        "under_consent_age": child.age is not None and child.age < GUARDIAN_CONSENT_BELOW_AGE,
    }
    return render(request, "site_theme/child.html", context)


@login
def withdraw_consent(request, pk):
    """A confirmation page that says what withdrawing does; the POST withdraws."""
    child = child_or_404(request, pk)
    if request.method == "POST":
        try:
            learning.withdraw_guardian_consent(request.user, child)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"Согласие отозвано. Аккаунт {child.first_name} отключён, работы скрыты с сайта. "
                "Вернуть всё можно здесь же, снова дав согласие.",
            )
        return redirect("site_theme:child", pk=child.pk)
    shown = learning_selectors.works_of(child).count()
    return render(request, "site_theme/child_withdraw.html", {"child": child, "works": shown})


@login
@require_POST
def give_consent(request, pk):
    child = child_or_404(request, pk)
    form = GiveConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["agree"][0])
        return redirect("site_theme:child", pk=child.pk)
    try:
        learning.give_guardian_consent(request.user, child, ip=client_ip(request))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Согласие дано. Аккаунт {child.first_name} снова работает, работы вернулись.")
    return redirect("site_theme:child", pk=child.pk)


@login
def child_data(request, pk):
    """Everything the platform keeps about the child, as a JSON file (the child's own download)."""
    child = child_or_404(request, pk)
    body = json.dumps(learning.export_student_data(child), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pokolenie-m-rebenok-{child.pk}.json"'
    return response


@login
def delete_child(request, pk):
    child = child_or_404(request, pk)
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        learning.delete_student_account(child, by=request.user)
        messages.success(request, "Данные ребёнка удалены. Рубли, которые принесли его действия, остались в счётчике.")
        return redirect("site_theme:cabinet")
    return render(
        request, "site_theme/child_delete.html", {"form": form, "child": child}, status=400 if form.errors else 200
    )


@login
def add_child(request):
    """A guardian adds a child: the child's registration rules, the guardian's consent at once."""
    if learning.student_of(request.user) is not None:
        raise PermissionDenied("Добавлять детей могут взрослые: это аккаунт ученика.")
    form = ChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        profile = {name: value for name, value in form.cleaned_data.items() if name != "guardian_consent"}
        try:
            child = learning.add_child(request.user, **profile, ip=client_ip(request))
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                f"{child.first_name} в вашем кабинете. Ребёнок входит с email {child.user.email} "
                "и паролем, который вы задали.",
            )
            return redirect("site_theme:child", pk=child.pk)
    return render(request, "site_theme/child_add.html", {"form": form}, status=400 if form.errors else 200)
