"""Learning's emails: one template each under templates/learning/emails/ (first line the subject)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def send_email(template, to, context):
    """Render learning/emails/<template>.txt (first line is the subject) and send it."""
    subject, _, body = render_to_string(f"learning/emails/{template}.txt", context).strip().partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [to])
