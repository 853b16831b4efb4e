"""A registration's ticket: the QR code (segno) as a PNG, an A6 PDF to print (ReportLab, with the
fonts certificates embed), and an .ics file to add the event to a calendar (RFC 5545)."""

import io

import segno
from django.conf import settings
from django.utils import timezone
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from certificates.pdf import FONTS, _register_fonts


def qr_png(registration, scale=8):
    buffer = io.BytesIO()
    segno.make(registration.ticket_code, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _when(page):
    starts, ends = timezone.localtime(page.starts_at), timezone.localtime(page.ends_at)
    day = starts.strftime("%d.%m.%Y")
    return (
        f"{day}, {starts:%H:%M}–{ends:%H:%M}"
        if starts.date() == ends.date()
        else f"{day} {starts:%H:%M} — {ends:%d.%m.%Y %H:%M}"
    )


def ticket_pdf(registration):
    """An A6 page: event, time, place, who (a child by first name and initial), seats, the QR code
    drawn as vector squares, and the code in letters for when the camera fails."""
    _register_fonts()
    regular, bold = FONTS["regular"][0], FONTS["bold"][0]
    page = registration.event.page
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6, pageCompression=1)
    pdf.setTitle(f"Билет — {page.title}")
    width, height = A6
    y = height - 14 * mm
    pdf.setFont(bold, 13)
    for line in simpleSplit(page.title, bold, 13, width - 20 * mm)[:3]:
        pdf.drawString(10 * mm, y, line)
        y -= 6 * mm
    pdf.setFont(regular, 9)
    for line in (_when(page), f"{page.town}, {page.venue}", registration.display_name, _seats(registration)):
        for part in simpleSplit(line, regular, 9, width - 20 * mm)[:2]:
            pdf.drawString(10 * mm, y, part)
            y -= 4.6 * mm
    qr = segno.make(registration.ticket_code, error="m")
    side = min(width - 30 * mm, y - 18 * mm)
    modules = qr.symbol_size(border=2)[0]
    cell = side / modules
    left, top = (width - side) / 2, y - 3 * mm
    for row, bits in enumerate(qr.matrix_iter(border=2)):
        for col, dark in enumerate(bits):
            if dark:
                pdf.rect(left + col * cell, top - (row + 1) * cell, cell, cell, stroke=0, fill=1)
    pdf.setFont(regular, 8)
    pdf.drawCentredString(width / 2, top - side - 5 * mm, f"Код билета: {registration.ticket_code}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _seats(registration):
    if registration.seats == 1:
        return "1 место"
    return f"Мест: {registration.seats}"


def _ics_text(value):
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line):
    """RFC 5545 §3.1: lines longer than 75 octets continue on the next line after a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def ics(registration):
    page = registration.event.page
    stamp = "%Y%m%dT%H%M%SZ"
    path = page.get_url() or "/"
    url = path if path.startswith("http") else settings.SITE_URL + path
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Pokolenie M//events//RU",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:registration-{registration.pk}@{settings.SITE_URL.partition('://')[2] or 'pokolenie-m'}",
        f"DTSTAMP:{timezone.now().astimezone(timezone.UTC).strftime(stamp)}",
        f"DTSTART:{page.starts_at.astimezone(timezone.UTC).strftime(stamp)}",
        f"DTEND:{page.ends_at.astimezone(timezone.UTC).strftime(stamp)}",
        f"SUMMARY:{_ics_text(page.title)}",
        f"LOCATION:{_ics_text(f'{page.venue}, {page.town}')}",
        f"DESCRIPTION:{_ics_text(f'Билет с QR-кодом — в личном кабинете. {url}')}",
        f"URL:{url}",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT3H",
        f"DESCRIPTION:{_ics_text(page.title)}",
        "END:VALARM",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
