"""Russian typography shared by messages, pages, emails and PDFs."""

OUTER_OPEN, OUTER_CLOSE = "«", "»"
INNER_OPEN, INNER_CLOSE = "„", "“"


def quoted(value) -> str:
    """`value` in Russian quotation marks: «…». Quotes already inside it become the inner kind, „…“,
    so a title that carries its own «» reads «Песня „Катюша“», never «Песня «Катюша»»."""
    text = str(value).replace(OUTER_OPEN, INNER_OPEN).replace(OUTER_CLOSE, INNER_CLOSE)
    return f"{OUTER_OPEN}{text}{OUTER_CLOSE}"
