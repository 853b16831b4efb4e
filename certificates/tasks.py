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
