"""Reading a certificate PDF as a person (or a phone) would: its text, its QR code, its fonts."""

import io

import pypdf
import pypdfium2
import zxingcpp


def pdf_text(data):
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def page_count(data):
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def qr_codes(data, scale=2):
    """Every QR code found on the first page rendered at 144 dpi (as a phone camera sees a print)."""
    document = pypdfium2.PdfDocument(data)
    picture = document[0].render(scale=scale).to_pil()
    return [result.text for result in zxingcpp.read_barcodes(picture) if result.format == zxingcpp.BarcodeFormat.QRCode]


def embedded_fonts(data):
    """Base names of the fonts whose program is inside the file (FontFile2: TrueType)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            for item in [font, *(d.get_object() for d in descendants or [])]:
                descriptor = item.get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    names.add(str(item["/BaseFont"]))
    return names


def image_count(data):
    reader = pypdf.PdfReader(io.BytesIO(data))
    return sum(len(page.images) for page in reader.pages)


def page_size_mm(data):
    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)
