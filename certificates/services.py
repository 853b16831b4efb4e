"""Operations on certificates: plain functions, each one transaction (a PDF file is written after
its row commits and removed again if its row cannot take it).

Other apps call `issue_certificate()`; the season batch and the tasks use `issue_certificates()`,
the same operation for many claims at once.
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from certificates import eligibility, pdf, selectors
from certificates.eligibility import Claim
from certificates.models import Certificate, CertificateBatch, Kind, SeasonNumbering, new_code
from config.errors import ServiceError
from config.tasks import enqueue_on_commit
from config.text import quoted

logger = logging.getLogger(__name__)

# Revocations the platform makes by itself, and lifts by itself when the reason goes away.
WORK_WITHDRAWN_REASON = "Работа снята с конкурса модератором."
ACCOUNT_ERASED_REASON = "Аккаунт владельца удалён по его просьбе."
NO_HOURS_REASON = "Координаторы сняли подтверждение волонтёрских часов сезона."
BATCH_CHUNK = 200


def issue_certificate(
    holder, kind, subject, *, season, first_name, surname="", direction=None, title="", mentor_name=""
):
    """The one certificate of `holder` for `subject` and `kind`, issued now if it does not exist
    (its PDF follows, see `store_pdf`). Asking again returns the same certificate."""
    claim = Claim(
        holder_id=holder.pk,
        kind=kind,
        subject=subject,
        season=season,
        first_name=first_name,
        surname=surname,
        direction=direction,
        title=title,
        mentor_name=mentor_name,
    )
    issue_certificates([claim])
    return Certificate.objects.get(
        holder_id=holder.pk,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
    )


def issue_certificates(claims):
    """Issue every claim that has no certificate yet; returns the new certificates (without PDFs).
    Numbers come from each season's counter, locked first: a concurrent issue of the same claim
    waits, then finds this one's certificate instead of making a second."""
    claims = list(claims)
    for claim in claims:
        _check(claim)
    if not claims:
        return []
    with transaction.atomic():
        for season_id in sorted({c.season.pk for c in claims}):
            SeasonNumbering.objects.get_or_create(season_id=season_id)
        seasons = SeasonNumbering.objects.select_for_update().filter(season_id__in={c.season.pk for c in claims})
        list(seasons.order_by("season_id"))
        existing = _existing(claims)
        _reinstate_automatic(existing)
        fresh, seen = [], set(existing)
        for claim in claims:
            if claim.key not in seen:
                seen.add(claim.key)
                fresh.append(claim)
        numbers = _take_numbers(fresh)
        now = timezone.now()
        certificates = [
            Certificate(
                code=new_code(),
                season=claim.season,
                number=numbers[index],
                kind=claim.kind,
                holder_id=claim.holder_id,
                subject_type_id=claim.key[2],
                subject_id=claim.subject.pk,
                direction=claim.direction,
                first_name=claim.first_name,
                surname=claim.surname,
                direction_name=claim.direction.title if claim.direction else "",
                title=claim.title,
                mentor_name=claim.mentor_name,
                hours=claim.hours,
                issued_at=now,
            )
            for index, claim in enumerate(fresh)
        ]
        return Certificate.objects.bulk_create(certificates)


def _check(claim):
    if claim.kind not in Kind.values:
        raise ServiceError(f"Нет такого вида сертификата: {claim.kind}.", code="unknown_kind", field="kind")
    if not (claim.first_name or "").strip():
        raise ServiceError("На сертификате нужно имя владельца.", code="holder_name_required", field="first_name")
    if claim.subject is None or claim.subject.pk is None:
        raise ServiceError("Сертификат выдаётся за что-то сохранённое.", code="subject_required", field="subject")


def _existing(claims):
    """Keys (holder, kind, content type, subject id) of the claims already certified → certificate."""
    by_type = {}
    for claim in claims:
        by_type.setdefault(claim.key[2], set()).add(claim.subject.pk)
    found = {}
    for type_id, ids in by_type.items():
        for certificate in Certificate.objects.filter(subject_type_id=type_id, subject_id__in=ids):
            key = (certificate.holder_id, certificate.kind, certificate.subject_type_id, certificate.subject_id)
            found[key] = certificate
    return {claim.key: found[claim.key] for claim in claims if claim.key in found}


def _reinstate_automatic(existing):
    """A work withdrawn by a moderator and approved again earns its certificate back: lift the
    platform's own revocation (never one an editor made)."""
    ids = [c.pk for c in existing.values() if c.revoked_by_id is None and c.revoked_reason == WORK_WITHDRAWN_REASON]
    if ids:
        Certificate.objects.filter(pk__in=ids).update(revoked_at=None, revoked_reason="")


def _take_numbers(claims):
    """The next free numbers of each claim's season, in claim order (the counters are locked)."""
    wanted = {}
    for claim in claims:
        wanted[claim.season.pk] = wanted.get(claim.season.pk, 0) + 1
    first = {}
    for season_id, count in wanted.items():
        SeasonNumbering.objects.filter(season_id=season_id).update(last_number=F("last_number") + count)
        last = SeasonNumbering.objects.get(season_id=season_id).last_number
        first[season_id] = last - count + 1
    numbers = []
    for claim in claims:
        numbers.append(first[claim.season.pk])
        first[claim.season.pk] += 1
    return numbers


def reissue_certificates(pairs):
    """Refresh what valid certificates print from their claims (names, titles, mentor) and mark
    them re-issued; number and code stay. `pairs` are (certificate, claim). Their PDFs follow."""
    now = timezone.now()
    refreshed = []
    with transaction.atomic():
        for certificate, claim in pairs:
            if not certificate.is_valid:
                continue
            certificate.first_name = claim.first_name
            certificate.surname = claim.surname
            certificate.direction = claim.direction
            certificate.direction_name = claim.direction.title if claim.direction else ""
            certificate.title = claim.title
            certificate.mentor_name = claim.mentor_name
            certificate.hours = claim.hours
            certificate.reissued_at = now
            refreshed.append(certificate)
        fields = [
            "first_name", "surname", "direction", "direction_name", "title", "mentor_name", "hours", "reissued_at"
        ]  # fmt: skip
        Certificate.objects.bulk_update(refreshed, fields)
    return refreshed


def settle_volunteer_certificate(season, holder_id, claim):
    """Bring a volunteer's certificate of `season` in line with the hours confirmed now: issue it
    when the first hours are confirmed; re-issue it (same number and code, new total, new PDF) when
    the total or the name changed; revoke it when no confirmed hour is left, and lift that
    revocation when hours come back. Returns (certificate or None, whether its PDF must be drawn)."""
    season_type = ContentType.objects.get_for_model(season)
    with transaction.atomic():
        existing = (
            Certificate.objects.select_for_update()
            .filter(holder_id=holder_id, kind=Kind.VOLUNTEER, subject_type=season_type, subject_id=season.pk)
            .first()
        )
        if claim is None:
            if existing is not None and existing.is_valid:
                existing.revoked_at = timezone.now()
                existing.revoked_reason = NO_HOURS_REASON
                existing.save(update_fields=["revoked_at", "revoked_reason"])
            return existing, False
        if existing is None:
            issued = issue_certificates([claim])
            if issued:
                return issued[0], True
            existing = Certificate.objects.select_for_update().get(
                holder_id=holder_id, kind=Kind.VOLUNTEER, subject_type=season_type, subject_id=season.pk
            )  # a concurrent run issued it first: bring that one up to date
        if existing.revoked_reason == NO_HOURS_REASON and existing.revoked_by_id is None:
            existing.revoked_at, existing.revoked_reason = None, ""
            existing.save(update_fields=["revoked_at", "revoked_reason"])
        printed = (existing.hours, existing.first_name, existing.surname, existing.title)
        if printed == (claim.hours, claim.first_name, claim.surname, claim.title) and existing.pdf:
            return existing, False
        refreshed = reissue_certificates([(existing, claim)])
        return (refreshed[0], True) if refreshed else (existing, False)


class _Superseded(Exception):
    """Another run stored this certificate's PDF first, or its holder was erased meanwhile."""


def store_pdf(certificate, design=None):
    """Draw the certificate and keep the PDF in the private storage, replacing an older one.
    `design` spares a lookup when the caller has it (a batch); otherwise the season's is used."""
    if design is None:
        design = selectors.design_for(certificate.season_id, certificate.direction_id)
    document = pdf.render(pdf.sheet_for(certificate, design))
    field = certificate.pdf
    old_name = field.name
    storage = field.storage
    new_name = storage.save(field.field.generate_filename(certificate, "certificate.pdf"), ContentFile(document))
    try:
        with transaction.atomic():
            updated = (
                Certificate.objects.filter(pk=certificate.pk, pdf=old_name or "")
                .exclude(revoked_reason=ACCOUNT_ERASED_REASON)
                .update(pdf=new_name)
            )
            if not updated:  # another run stored one meanwhile, or the holder was erased
                raise _Superseded
    except _Superseded:
        storage.delete(new_name)
        certificate.refresh_from_db(fields=["pdf"])
        return certificate
    except BaseException:
        storage.delete(new_name)
        raise
    if old_name:
        storage.delete(old_name)
    certificate.pdf.name = new_name
    return certificate


def ensure_pdf(certificate):
    """The certificate with its PDF, drawn now if the worker has not drawn it yet."""
    if not certificate.pdf:
        store_pdf(certificate)
    return certificate


def revoke_certificate(certificate, *, reason, by=None):
    """Withdraw a certificate: its public page says it is revoked and why; the holder can no
    longer download it. The number stays taken."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(
            "Напишите причину отзыва: её увидит каждый, кто проверяет сертификат.",
            code="reason_required",
            field="reason",
        )
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is not None:
            raise ServiceError("Сертификат уже отозван.", code="already_revoked", status=409)
        certificate.revoked_at = timezone.now()
        certificate.revoked_reason = reason
        certificate.revoked_by = by
        certificate.save(update_fields=["revoked_at", "revoked_reason", "revoked_by"])
    return certificate


def revoke_for_subject(subject, *, reason=WORK_WITHDRAWN_REASON):
    """Revoke every valid certificate given for `subject` (a work a moderator withdrew)."""
    with transaction.atomic():
        return Certificate.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_reason=reason)


def erase_holder(user):
    """The holder's account was erased: revoke their certificates, blank the names they carry and
    delete the PDFs once that commits. Runs inside the erasing transaction (learning's signal)."""
    with transaction.atomic():
        certificates = Certificate.objects.filter(holder=user)
        names = [name for name in certificates.exclude(pdf="").values_list("pdf", flat=True)]
        certificates.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=ACCOUNT_ERASED_REASON
        )
        certificates.update(first_name="", surname="", pdf="")
        storage = Certificate._meta.get_field("pdf").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return len(names)


# --- A season's batch -----------------------------------------------------------------------------


def start_batch(season, *, mode=CertificateBatch.Mode.ISSUE, by=None):
    """Queue the issue (or re-issue) of every certificate a season has earned; the worker runs it
    (`tasks.run_batch`) and the admin shows its progress. One at a time per season."""
    batch = _open_batch(season, mode, by)
    enqueue_on_commit("certificates.tasks.run_batch", batch.pk)
    return batch


def issue_season(season, *, mode=CertificateBatch.Mode.ISSUE, by=None):
    """The same batch run here and now (the demo data, a command), recorded like any other."""
    return run_batch(_open_batch(season, mode, by))


def _open_batch(season, mode, by):
    if mode not in CertificateBatch.Mode.values:
        raise ServiceError("Выберите, что сделать: выпустить или перевыпустить.", code="unknown_mode", field="mode")
    try:
        with transaction.atomic():
            return CertificateBatch.objects.create(season=season, mode=mode, started_by=by)
    except IntegrityError:
        raise ServiceError(
            f"Выпуск сертификатов сезона {quoted(season)} уже идёт: дождитесь его окончания.",
            code="batch_running",
            status=409,
        ) from None


def run_batch(batch):
    """Issue (and, in re-issue mode, redraw) the season's certificates chunk by chunk, saving
    progress after each chunk. Safe to run again: issued claims are skipped."""

    season = batch.season
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=CertificateBatch.Status.RUNNING, total=eligibility.season_claim_count(season), done=0
    )
    designs = {}
    try:
        for claims in eligibility.season_claims(season, chunk=BATCH_CHUNK):
            issued = issue_certificates(claims)
            reissued = []
            if batch.mode == CertificateBatch.Mode.REISSUE:
                existing = _existing(claims)
                fresh = {c.pk for c in issued}
                pairs = [(existing[c.key], c) for c in claims if c.key in existing and existing[c.key].pk not in fresh]
                reissued = reissue_certificates(pairs)
            for certificate in [*issued, *reissued]:
                key = (certificate.season_id, certificate.direction_id)
                if key not in designs:
                    designs[key] = selectors.design_for(*key)
                store_pdf(certificate, design=designs[key])
            # Works approved while the batch runs may add claims: the total grows with them.
            CertificateBatch.objects.filter(pk=batch.pk).update(
                done=F("done") + len(claims),
                total=Greatest(F("total"), F("done") + len(claims)),
                issued=F("issued") + len(issued),
                reissued=F("reissued") + len(reissued),
            )
    except Exception as error:
        logger.exception("certificate batch %s failed", batch.pk)
        CertificateBatch.objects.filter(pk=batch.pk).update(
            status=CertificateBatch.Status.FAILED, error=str(error)[:1000], finished_at=timezone.now()
        )
        raise
    CertificateBatch.objects.filter(pk=batch.pk).update(
        status=CertificateBatch.Status.DONE, total=F("done"), finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return batch
