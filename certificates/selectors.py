"""Reads: whose certificates a person sees, who may download a PDF, what the public page shows,
the cabinet's badges, the design a certificate is drawn in."""

from dataclasses import dataclass

from django.db.models import Min, Q

from certificates import eligibility
from certificates.models import Certificate, CertificateDesign, Kind, normalise_code

STAFF_PERMISSION = "certificates.view_certificate"


def is_staff(user):
    """Editors and moderators (the groups hold the permission) and superusers."""
    return bool(user and user.is_authenticated and user.has_perm(STAFF_PERMISSION))


def certificates_for(user):
    """The account's own certificates and those of the children it is the guardian of, newest first."""
    if not user or not user.is_authenticated:
        return Certificate.objects.none()
    holders = [user.pk, *eligibility.ward_ids(user)]
    return Certificate.objects.filter(holder_id__in=holders).select_related("season").order_by("-issued_at", "-pk")


def certificate_by_code(code):
    """The certificate a code (typed or scanned, in any case, with dashes) names, or None."""
    code = normalise_code(code)
    if not code:
        return None
    return Certificate.objects.select_related("season").filter(code=code).first()


def can_download(user, certificate):
    """The holder and the holder's guardian while the certificate is valid; staff always."""
    if is_staff(user):
        return True
    return certificate.is_valid and can_download_when_valid(user, certificate)


def can_download_when_valid(user, certificate):
    """The holder or the holder's guardian (who may download it as long as it is valid)."""
    if not user or not user.is_authenticated:
        return False
    return certificate.holder_id == user.pk or eligibility.is_guardian_of(user, certificate.holder_id)


def export_for(user):
    """The account's certificates for «Скачать мои данные» (revoked ones too, with the reason)."""
    return [
        {
            "number": c.display_number,
            "code": c.code,
            "kind": c.kind,
            "kind_display": c.get_kind_display(),
            "season": c.season.name,
            "holder_name": c.holder_name,
            "direction": c.direction_name,
            "title": c.title,
            "hours": str(c.hours) if c.hours is not None else None,
            "issued_at": c.issued_at.isoformat(),
            "reissued_at": c.reissued_at.isoformat() if c.reissued_at else None,
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "revoked_reason": c.revoked_reason,
            "verify_url": c.verify_url,
        }
        for c in Certificate.objects.filter(holder=user).select_related("season").order_by("issued_at", "pk")
    ]


def design_for(season_id, direction_id):
    """The design of a season's direction, else the season's own, else None (built-in texts)."""
    designs = (
        CertificateDesign.objects.filter(season_id=season_id)
        .filter(Q(direction_id=direction_id) | Q(direction__isnull=True))
        .select_related("season", "direction", "signature")
        .prefetch_related("partners__partner__logo")
    )
    found = {design.direction_id: design for design in designs}
    return found.get(direction_id) or found.get(None)


# --- Badges ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    key: str
    title: str
    description: str
    earned_at: object = None  # None: not earned yet

    @property
    def earned(self):
        return self.earned_at is not None


BADGES = [
    ("first_lesson", "Первый урок", "Урок просмотрен до конца"),
    ("first_work", "Первая работа", "Работа прошла модерацию и попала в галерею"),
    ("first_masterclass", "Мастер-класс пройден", "Все уроки мастер-класса просмотрены"),
    ("finalist", "Финалист", "Работа вошла в шорт-лист жюри"),
    ("winner", "Победитель", "Наставник выбрал работу победителем"),
]


def badges_of(user):
    """The cabinet's five badges, each with when it was earned (None: still ahead). Lessons and
    works come from learning; the rest from the account's valid certificates. Two queries."""
    milestones = eligibility.milestones(user)
    valid = Q(revoked_at__isnull=True)
    firsts = Certificate.objects.filter(holder=user).aggregate(
        first_masterclass=Min("issued_at", filter=valid & Q(kind=Kind.COMPLETION)),
        finalist=Min("issued_at", filter=valid & Q(kind=Kind.FINALIST)),
        winner=Min("issued_at", filter=valid & Q(kind=Kind.WINNER)),
    )
    earned = {**milestones, **firsts}
    return [Badge(key, title, description, earned.get(key)) for key, title, description in BADGES]
