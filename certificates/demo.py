"""Demo certificates: each season gets a design (a mentor's signature, the demo partners' logos),
last season's painting results (participants, finalists, winners) are issued as a batch, and the
demo student Аня completes a masterclass of this season and gets its certificate. Idempotent."""

import io
import random

from django.core.files.images import ImageFile
from django.utils.translation import ngettext
from PIL import Image, ImageDraw
from wagtail.images.models import Image as WagtailImage

from certificates import eligibility, services
from certificates.models import Certificate, CertificateBatch, CertificateDesign, DesignPartner
from cms.models import LessonPage, MasterclassPage, PartnerPage, Season
from learning import selectors
from learning import services as learning

STUDENT_EMAIL = "anya@demo.pokolenie-m.example"


def load(stdout):
    past = Season.objects.filter(name="Сезон 2025/26").first()
    current = Season.objects.filter(name="Сезон 2026/27").first()
    if past is None or current is None:
        stdout.write("Сертификаты: нет демо-сезонов — пропускаю.")
        return
    for season in (past, current):
        ensure_design(season)
    ensure_season_issued(past)
    completion = ensure_completion(current)
    issued = Certificate.objects.filter(season=past).count()
    certificates = ngettext("%(count)s certificate", "%(count)s certificates", issued) % {"count": issued}
    stdout.write(
        f"Сертификаты: {certificates} за прошлый сезон (участники, финалисты, "
        f"победители), сертификат о прохождении мастер-класса у демо-ученицы{'' if completion else ' — не выдан'}."
    )


def ensure_design(season):
    if CertificateDesign.objects.filter(season=season, direction=None).exists():
        return
    design = CertificateDesign(
        season=season,
        signatory_name="Ирина Светлова",
        signatory_role="художественный руководитель проекта",
        signature=signature_image(),
        footer="Проект «Поколение М»: бесплатные мастер-классы для детей со всей России.",
    )
    partners = PartnerPage.objects.live().exclude(logo=None).exclude(kind="foundation").order_by("path")[:3]
    design.partners = [DesignPartner(partner=partner, sort_order=n) for n, partner in enumerate(partners)]
    design.save()


def signature_image():
    """A handwritten-looking scribble (invented), as a Wagtail image with a transparent background."""
    title = "Подпись: Ирина Светлова"
    existing = WagtailImage.objects.filter(title=title).first()
    if existing:
        return existing
    rng = random.Random(16)
    picture = Image.new("RGBA", (600, 220), (255, 255, 255, 0))
    pen = ImageDraw.Draw(picture)
    points = [(30 + 45 * n, 110 + rng.randint(-70, 70)) for n in range(13)]
    pen.line(points, fill=(25, 35, 110, 255), width=7, joint="curve")
    pen.line([(60, 170), (540, 150)], fill=(25, 35, 110, 255), width=4)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return WagtailImage.objects.create(title=title, file=ImageFile(buffer, name="demo-signature.png"))


def ensure_season_issued(season):
    if not CertificateBatch.objects.filter(season=season, status=CertificateBatch.Status.DONE).exists():
        services.issue_season(season)


def ensure_completion(season):
    """Аня watches every lesson of this season's first masterclass to the end (through learning's
    own progress rule), then gets the completion certificate."""
    student = selectors.student_for_email(STUDENT_EMAIL)
    if student is None:
        return None
    done = Certificate.objects.filter(holder=student.user, kind=Certificate.Kind.COMPLETION, season=season).first()
    if done is not None:
        return done
    for masterclass in MasterclassPage.objects.live().filter(season=season).order_by("path"):
        lessons = list(LessonPage.objects.live().child_of(masterclass).order_by("path"))
        if lessons:
            break
    else:
        return None
    for lesson in lessons:
        duration = lesson.video.duration if lesson.video and lesson.video.duration else 600.0
        position = 0.0
        while position < duration:
            end = min(position + 20, duration)
            learning.record_progress(student, lesson, position=end, start=position, end=end, duration=duration)
            position = end
    claims = eligibility.completion_claims(student.pk, lessons[-1].pk)
    for certificate in services.issue_certificates(claims):
        services.store_pdf(certificate)
    return claims[0] if claims else None
