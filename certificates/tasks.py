"""Background work of certificates (Django's tasks framework): issue what a child just earned,
run a season's batch. Tasks import services; services only enqueue tasks."""

from django.tasks import task

from certificates import eligibility, services
from certificates.models import Certificate, CertificateBatch
from certificates.signals import certificates_ready


@task()
def issue_for_work(submission_id):
    """A work's status changed: issue what it earned now, or revoke what it no longer earns.
    Returns how many certificates were issued."""
    work = eligibility.recognised_work(submission_id)
    if work is None:
        withdrawn = eligibility.work(submission_id)
        if withdrawn is not None:
            services.revoke_for_subject(withdrawn)
        return 0
    return _issue(eligibility.claims_for_work(work))


@task()
def issue_for_completion(student_id, lesson_id):
    """A lesson was completed: if that finished its masterclass, issue the completion certificate."""
    return _issue(eligibility.completion_claims(student_id, lesson_id))


@task()
def issue_for_volunteer(signup_id):
    """A coordinator confirmed a volunteer's hours: issue, re-issue or revoke the volunteer's
    certificate of that season so it prints the season's confirmed total. Returns 1 when a new
    certificate was issued."""
    season, claim = eligibility.volunteer_claim(signup_id)
    if season is None:
        return 0
    holder_id = claim.holder_id if claim else eligibility.volunteer_of_signup(signup_id)
    certificate, draw = services.settle_volunteer_certificate(season, holder_id, claim)
    if not draw:
        return 0
    is_new = certificate.reissued_at is None
    services.store_pdf(certificate)
    if is_new:
        certificates_ready.send(sender=Certificate, certificates=[certificate])
    return int(is_new)


@task()
def run_batch(batch_id):
    """An editor's season batch (see `services.run_batch`); returns how many certificates it issued."""
    batch = CertificateBatch.objects.select_related("season").filter(pk=batch_id).first()
    if batch is None or batch.status not in CertificateBatch.ACTIVE:
        return 0
    return services.run_batch(batch).issued


def _issue(claims):
    issued = services.issue_certificates(claims)
    for certificate in issued:
        services.store_pdf(certificate)
    if issued:
        certificates_ready.send(sender=Certificate, certificates=issued)
    return len(issued)
