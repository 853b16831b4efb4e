"""VK ID accounts (django-allauth's SocialAccount): what VK returned pre-fills a child's profile and
is never published; a VK ID user who is a child completes the profile under the registration rules of
learning.services.accounts; VK ID is linked or unlinked in the cabinet."""

import datetime

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from config.errors import ServiceError
from learning.models import Student
from learning.services import accounts

VK_PROVIDER = "vk"


def vk_id_configured():
    """VK ID sign-in needs the application's ID and key from id.vk.ru (settings VK_ID_CLIENT_ID, …)."""
    return bool(settings.VK_ID_CLIENT_ID and settings.VK_ID_CLIENT_SECRET)


def vk_account_of(user):
    if not user or not user.is_authenticated:
        return None
    return SocialAccount.objects.filter(user=user, provider=VK_PROVIDER).first()


def parse_vk_birthday(value):
    """VK ID's `birthday` is DD.MM.YYYY (the year may be hidden: DD.MM); None when unusable."""
    try:
        return datetime.datetime.strptime(value or "", "%d.%m.%Y").date()
    except ValueError:
        return None


def vk_prefill(user):
    """Initial values for the child's profile form from what VK ID returned (name, birth date,
    email). They stay in the form and in the private profile: nothing here is ever published."""
    account = vk_account_of(user)
    data = account.extra_data if account is not None else {}
    initial = {
        "first_name": (data.get("first_name") or user.first_name or "").strip(),
        "surname": (data.get("last_name") or user.last_name or "").strip(),
        "email": (user.email or data.get("email") or "").strip().lower(),
    }
    if birth_date := parse_vk_birthday(data.get("birthday")):
        initial["birth_date"] = birth_date
    return {key: value for key, value in initial.items() if value}


def complete_student_profile(
    user,
    *,
    email,
    first_name,
    surname,
    birth_date,
    region,
    town,
    guardian_email="",
    consent=False,
    ip=None,
    today=None,
):
    """A signed-in account (VK ID) becomes a student under the same rules as the registration form:
    from 14 with the child's own consent, active at once; under 14 the account is switched off until
    the guardian confirms by the emailed link. Returns the student."""
    if getattr(user, "student", None) is not None:
        raise ServiceError("Профиль ученика уже заполнен.", code="already_student", status=409)
    if Student.objects.filter(guardian=user).exists():
        raise ServiceError(
            "Этот аккаунт — аккаунт родителя. Ребёнку нужен свой аккаунт: пусть он войдёт через свой VK ID.",
            code="guardian_account",
            status=409,
        )
    email = (email or user.email or "").strip().lower()
    if not email:
        raise ServiceError("Укажите email: на него придут новости конкурса.", code="email_required", field="email")
    User = get_user_model()
    taken = User.objects.exclude(pk=user.pk).filter(email__iexact=email).exists()
    if taken or User.objects.exclude(pk=user.pk).filter(username__iexact=email).exists():
        raise ServiceError("Этот email уже занят другим аккаунтом. Укажите другой.", code="email_taken", field="email")
    needs_guardian = accounts.check_student_rules(
        email=email,
        first_name=first_name,
        surname=surname,
        birth_date=birth_date,
        guardian_email=guardian_email,
        consent=consent,
        today=today,
    )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.email = email
        user.first_name = first_name.strip()
        user.last_name = ""
        user.is_active = not needs_guardian
        user.save(update_fields=["email", "first_name", "last_name", "is_active"])
        EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
        student = accounts.create_student_profile(
            user,
            first_name=first_name,
            surname=surname,
            birth_date=birth_date,
            region=region,
            town=town,
            guardian_email=guardian_email,
            needs_guardian=needs_guardian,
            ip=ip,
        )
    if needs_guardian:
        accounts.send_guardian_consent_email(student)
    return student


def can_unlink_vk(user):
    """Unlinking must leave a way in: a password or a confirmed email for the emailed codes."""
    return user.has_usable_password() or EmailAddress.objects.filter(user=user, verified=True).exists()


def unlink_vk(user):
    account = vk_account_of(user)
    if account is None:
        raise ServiceError("VK ID не привязан к этому аккаунту.", code="vk_not_linked", status=404)
    if not can_unlink_vk(user):
        raise ServiceError(
            "Без VK ID в аккаунт будет не войти: сначала подтвердите email (войдите по коду из письма).",
            code="vk_last_sign_in",
            status=409,
        )
    account.delete()


SIGN_IN = "sign_in"
SIGN_UP = "sign_up"


def email_sign_in_route(email):
    """Whether an emailed code signs an existing account in or signs a new adult up. A child still
    waiting for the guardian's consent hears that (ConsentPending), as at the password form. An
    account from before allauth gets its (unconfirmed) EmailAddress, which the code confirms."""
    email = (email or "").strip().lower()
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first() or User.objects.filter(username__iexact=email).first()
    if user is None:
        if EmailAddress.objects.filter(email__iexact=email).exists():
            return SIGN_IN
        return SIGN_UP
    if not user.is_active:
        student = getattr(user, "student", None)
        if student is not None and not student.is_deleted:
            raise accounts.ConsentPending(student)
        raise ServiceError("Аккаунт отключён.", code="account_disabled", status=403)
    if user.email:
        # Accounts made before allauth have no EmailAddress row: the code that signs them in is what
        # confirms the address (allauth confirms only an address it knows).
        EmailAddress.objects.get_or_create(
            user=user, email__iexact=user.email, defaults={"email": user.email.lower(), "primary": True}
        )
    return SIGN_IN


def sign_in_data(user):
    """What allauth keeps about an account, for the data download: addresses and VK ID records."""
    return {
        "emails": [
            {"email": address.email, "verified": address.verified}
            for address in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "vk_id": [
            {"uid": account.uid, "linked_at": account.date_joined.isoformat(), "data": account.extra_data}
            for account in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
    }


def forget_sign_ins(user):
    """The account's erasure: its addresses and VK ID records (name, birth date) go too."""
    SocialAccount.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
