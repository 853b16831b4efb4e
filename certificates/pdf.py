"""The certificate as an A4 PDF (ReportLab), in Russian, with DejaVu fonts embedded (subset) so
every Cyrillic letter prints the same on any reader. The QR code (segno computes the modules) is
drawn as vector rectangles: sharp at any print size.

`render(sheet)` draws; `sheet_for(certificate, design)` says what goes on the page.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import segno
from django.conf import settings
from django.utils import dateformat, timezone, translation
from PIL import Image
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from certificates.models import DEFAULT_TEXTS, Kind, hours_text
from config.errors import ServiceError
from config.text import quoted

# Binary streams instead of ASCII85 text: smaller files, and ReportLab's pure-Python ASCII85 encoder
# was most of the time a certificate with pictures took to draw.
rl_config.useA85 = 0

WIDTH, HEIGHT = A4
ACCENT = (0x3D / 255, 0x1F / 255, 0x73 / 255)  # the site's brand colour
INK = (0.12, 0.12, 0.16)
MUTED = (0.38, 0.38, 0.45)
FONTS = {"regular": ("DejaVuSans", "DejaVuSans.ttf"), "bold": ("DejaVuSans-Bold", "DejaVuSans-Bold.ttf")}
SIGNATURE_RENDITION = "max-600x240"
LOGO_RENDITION = "max-400x160"
SAMPLE = {"first_name": "Аня", "surname": "Колесникова", "title": "Спой песню о своём городе"}
SAMPLE_TITLES = {Kind.COMPLETION: "Голос с нуля", Kind.VOLUNTEER: "Концерт в Выксе; Выставка в Дзержинске"}
SUBJECT_LABELS = {Kind.COMPLETION: "Мастер-класс", Kind.VOLUNTEER: "Мероприятия"}


@dataclass
class Sheet:
    """Everything printed on one certificate."""

    kind: str
    heading: str
    text: str
    holder_name: str
    direction: str
    season: str
    title: str
    signatory_name: str
    signatory_role: str
    number: str
    code: str
    verify_url: str
    issued_on: object
    footer: str = ""
    hours: object = None  # a volunteer's confirmed hours (Decimal), printed on that kind only
    signature: object = None  # a Wagtail image rendition's file, or None
    logos: list = field(default_factory=list)  # rendition files


# --- What goes on the page ------------------------------------------------------------------------


def sheet_for(certificate, design):
    """The sheet of an issued certificate: its snapshot, its season, the design's texts and images
    (built-in texts when editors have made no design for the season)."""
    heading, text = design.texts(certificate.kind) if design else DEFAULT_TEXTS[certificate.kind]
    return Sheet(
        kind=certificate.kind,
        heading=heading,
        text=text,
        holder_name=certificate.holder_name,
        direction=certificate.direction_name,
        season=certificate.season.name,
        title=certificate.title,
        signatory_name=(design.signatory_name if design else "") or certificate.mentor_name,
        signatory_role=design.signatory_role if design else "наставник направления",
        number=certificate.display_number,
        code=certificate.code,
        verify_url=certificate.verify_url,
        issued_on=certificate.issued_at,
        footer=design.footer if design else "",
        hours=certificate.hours,
        signature=_rendition_file(design.signature, SIGNATURE_RENDITION) if design else None,
        logos=_partner_logos(design) if design else [],
    )


def sample_sheet(design, kind):
    """A made-up certificate of `kind` in `design`, for the editors' preview."""
    direction = design.direction
    curator = getattr(direction, "curator", None) if direction else None
    heading, text = design.texts(kind)
    season = design.season if design.season_id else None
    return Sheet(
        kind=kind,
        heading=heading,
        text=text,
        holder_name=f"{SAMPLE['first_name']} {SAMPLE['surname']}",
        direction=direction.title if direction else "Вокал",
        season=season.name if season else "Сезон",
        title=SAMPLE_TITLES.get(kind, SAMPLE["title"]),
        hours=Decimal("24.5") if kind == Kind.VOLUNTEER else None,
        signatory_name=design.signatory_name or (curator.title if curator else "Имя Наставника"),
        signatory_role=design.signatory_role,
        number="0000/00-00000",
        code="OBRAZEC000",
        verify_url=f"{settings.SITE_URL}/certificates/OBRAZEC000/",
        issued_on=timezone.now(),
        footer=design.footer,
        signature=_rendition_file(design.signature, SIGNATURE_RENDITION),
        logos=_partner_logos(design),
    )


def _rendition_file(image, spec):
    return image.get_rendition(spec).file if image else None


def _partner_logos(design):
    partners = [item.partner for item in design.partners.all()]
    return [_rendition_file(p.logo, LOGO_RENDITION) for p in partners if p is not None and p.logo_id]


# --- Drawing --------------------------------------------------------------------------------------


def render(sheet):
    """The certificate as PDF bytes."""
    _register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{sheet.heading} № {sheet.number}")
    pdf.setAuthor("Поколение М")
    pdf.setSubject(f"Проверка: {sheet.verify_url}")
    with translation.override("ru"):
        _draw(pdf, sheet)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _draw(pdf, sheet):
    regular, bold = FONTS["regular"][0], FONTS["bold"][0]
    # Frame.
    pdf.setStrokeColorRGB(*ACCENT)
    pdf.setLineWidth(2.2)
    pdf.rect(10 * mm, 10 * mm, WIDTH - 20 * mm, HEIGHT - 20 * mm)
    pdf.setLineWidth(0.6)
    pdf.rect(13 * mm, 13 * mm, WIDTH - 26 * mm, HEIGHT - 26 * mm)

    # Brand and partners.
    pdf.setFillColorRGB(*ACCENT)
    pdf.setFont(bold, 14)
    pdf.drawCentredString(WIDTH / 2, HEIGHT - 28 * mm, "ПОКОЛЕНИЕ М")
    _draw_logos(pdf, sheet.logos, top=HEIGHT - 34 * mm, height=16 * mm)

    # Heading, holder, what for.
    y = HEIGHT - 84 * mm
    pdf.setFillColorRGB(*ACCENT)
    heading = sheet.heading.upper()
    heading_size = _fitting_size(heading, bold, 26, WIDTH - 36 * mm, smallest=18)
    y = _centred(pdf, heading, bold, heading_size, y, width=WIDTH - 36 * mm, line=heading_size * 0.42 * mm)
    pdf.setFillColorRGB(*MUTED)
    y = _centred(pdf, "Этот документ подтверждает, что", regular, 12, y - 6 * mm)
    pdf.setFillColorRGB(*INK)
    name_size = _fitting_size(sheet.holder_name, bold, 30, WIDTH - 50 * mm)
    pdf.setFont(bold, name_size)
    y -= 10 * mm
    pdf.drawCentredString(WIDTH / 2, y, sheet.holder_name)
    y = _centred(pdf, "— " + sheet.text, regular, 14, y - 11 * mm, width=WIDTH - 36 * mm, line=6.5 * mm)

    # Details.
    pdf.setFillColorRGB(*INK)
    subject_label = SUBJECT_LABELS.get(sheet.kind, "Задание")
    y -= 10 * mm
    hours = f"{hours_text(sheet.hours)} ч" if sheet.hours is not None else ""
    title = sheet.title if sheet.kind == Kind.VOLUNTEER else (f"{quoted(sheet.title)}" if sheet.title else "")
    for label, value in (
        ("Направление", sheet.direction),
        ("Сезон", sheet.season),
        ("Подтверждено часов", hours),
        (subject_label, title),
    ):
        if value:
            y = _centred(pdf, f"{label}: {value}", regular, 13, y, line=7 * mm)

    # Signature (left) and verification (right).
    _draw_signature(pdf, sheet)
    _draw_verification(pdf, sheet)

    # Number, date, small print.
    issued = dateformat.format(sheet.issued_on, "j E Y")
    pdf.setFillColorRGB(*MUTED)
    pdf.setFont(regular, 9)
    pdf.drawString(20 * mm, 20 * mm, f"№ {sheet.number} · выдан {issued}")
    if sheet.footer:
        _centred(pdf, sheet.footer, regular, 7.5, 16 * mm, width=WIDTH - 40 * mm, line=3.2 * mm)


def _centred(pdf, text, font, size, y, *, width=WIDTH - 50 * mm, line=None):
    """Draw `text` centred and wrapped to `width` from baseline `y` down; the next free baseline."""
    line = line or size * 0.5 * mm
    pdf.setFont(font, size)
    for part in simpleSplit(text, font, size, width) or [""]:
        pdf.drawCentredString(WIDTH / 2, y, part)
        y -= line
    return y


def _fitting_size(text, font, size, width, smallest=12):
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 1
    return size


def _draw_logos(pdf, logos, *, top, height):
    pictures = [_picture(file) for file in logos]
    pictures = [p for p in pictures if p is not None]
    if not pictures:
        return
    gap = 8 * mm
    sizes = []
    for picture in pictures:
        w, h = picture.getSize()
        scale = min(height / h, (34 * mm) / w)
        sizes.append((w * scale, h * scale))
    x = (WIDTH - sum(w for w, _ in sizes) - gap * (len(sizes) - 1)) / 2
    for picture, (w, h) in zip(pictures, sizes, strict=True):
        pdf.drawImage(picture, x, top - height + (height - h) / 2, w, h)
        x += w + gap


def _draw_signature(pdf, sheet):
    left, base = 22 * mm, 42 * mm
    picture = _picture(sheet.signature) if sheet.signature else None
    if picture is not None:
        w, h = picture.getSize()
        scale = min((22 * mm) / h, (60 * mm) / w)
        pdf.drawImage(picture, left, base + 1 * mm, w * scale, h * scale)
    pdf.setStrokeColorRGB(*MUTED)
    pdf.setLineWidth(0.5)
    pdf.line(left, base, left + 70 * mm, base)
    pdf.setFillColorRGB(*INK)
    pdf.setFont(FONTS["bold"][0], 11)
    pdf.drawString(left, base - 5 * mm, sheet.signatory_name)
    pdf.setFillColorRGB(*MUTED)
    pdf.setFont(FONTS["regular"][0], 9)
    pdf.drawString(left, base - 9.5 * mm, sheet.signatory_role)


def _draw_verification(pdf, sheet):
    """The QR code in the bottom right corner, the link above it, the short code beside it."""
    size = 36 * mm
    right = WIDTH - 22 * mm
    x, y = right - size, 30 * mm
    draw_qr(pdf, sheet.verify_url, x, y, size)
    regular, bold = FONTS["regular"][0], FONTS["bold"][0]
    pdf.setFillColorRGB(*MUTED)
    link_size = _fitting_size(sheet.verify_url, regular, 8.5, 100 * mm, smallest=6)
    pdf.setFont(regular, link_size)
    pdf.drawRightString(right, y + size + 3 * mm, sheet.verify_url)
    pdf.drawRightString(right, y + size + 7 * mm, "Проверить подлинность:")
    pdf.setFillColorRGB(*INK)
    pdf.setFont(bold, 12)
    pdf.drawRightString(x - 4 * mm, y + 2 * mm, f"Код: {sheet.code}")


def draw_qr(pdf, text, x, y, size, border=2):
    """A QR code of `text` (error correction M), `size` wide with a quiet zone of `border` modules,
    as one path of rectangles: one per run of dark modules in a row."""
    matrix = segno.make(text, error="m", micro=False).matrix
    count = len(matrix)
    cell = size / (count + 2 * border)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    operators = []
    for row_number, row in enumerate(matrix):
        top = count + border - row_number - 1  # PDF's y grows upwards
        column = 0
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                operators.append(f"{start + border} {top} {column - start} 1 re")
            else:
                column += 1
    # One transform to module units, then integer rectangles: small and exact.
    pdf.saveState()
    pdf.setFillColorRGB(0, 0, 0)
    pdf.translate(x, y)
    pdf.scale(cell, cell)
    pdf.addLiteral("\n".join(operators) + "\nf")
    pdf.restoreState()


# --- Fonts and pictures ---------------------------------------------------------------------------


def _register_fonts():
    if FONTS["regular"][0] in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(settings.CERTIFICATE_FONT_DIR)
    for name, filename in FONTS.values():
        path = folder / filename
        if not path.exists():
            raise ServiceError(
                f"Нет шрифта {path}: установите пакет fonts-dejavu-core (make tools) или укажите CERTIFICATE_FONT_DIR.",
                code="certificate_fonts_missing",
                status=503,
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


_pictures = {}


def _picture(file):
    """An image file (a rendition) read once per process and kept as a JPEG flattened on white
    paper: ReportLab embeds JPEG data as it is, so a season's batch does not re-encode its logos
    for every certificate."""
    if file is None:
        return None
    key = (file.storage.__class__.__name__, file.name)
    if key not in _pictures:
        if len(_pictures) > 64:
            _pictures.clear()
        try:
            with file.storage.open(file.name, "rb") as source:
                picture = Image.open(io.BytesIO(source.read()))
                picture.load()
        except (OSError, ValueError):
            return None  # a missing or broken picture leaves a gap, not a failed certificate
        paper = Image.new("RGB", picture.size, (255, 255, 255))
        rgba = picture.convert("RGBA")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        buffer = io.BytesIO()
        paper.save(buffer, "JPEG", quality=90)
        buffer.seek(0)
        _pictures[key] = ImageReader(buffer)
    return _pictures[key]
