"""Receipt codes: every ledger entry's short public code, unique by construction.

The code is eight Crockford base-32 characters of a fixed bijective scrambling of the entry's id
(multiply by an odd constant and add one, modulo 2**40): no two ids below 2**40 share a code, the
database computes it as a stored generated column on every insert (the ORM, `record_action`'s SQL
function and the VK batch path alike, at no extra round trip), and a unique constraint backs it.
The code is public, not secret: it names an entry without naming who acted.
"""

from django.db import models

from config.errors import ServiceError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 8
_MULTIPLIER = 5_870_647  # odd, below 2**23: the product stays inside a signed 64-bit integer
_OFFSET = 387_420_489_123
_MASK = (1 << 40) - 1
# Characters as shifts of the scrambled number: its two fastest-changing characters first, so
# neighbouring entries' codes look unrelated, while the unique index still takes each new code at
# one of only 1,024 insertion points that move forward (a small working set, not random pages).
_SHIFTS = [5, 0, 35, 30, 25, 20, 15, 10]
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def receipt_code(entry_id):
    """The code the database stores for the entry with this id (the same formula in Python)."""
    n = (entry_id * _MULTIPLIER + _OFFSET) & _MASK
    return "".join(ALPHABET[(n >> shift) & 31] for shift in _SHIFTS)


def display(code):
    """`K7M2QX9D` → `K7M2-QX9D`, easier to read aloud and to type."""
    return f"{code[:4]}-{code[4:]}" if code else ""


def parse(text):
    """A receipt code as people type it (any case, a hyphen or spaces, O for 0, I or L for 1)."""
    code = (text or "").strip().upper().translate(_TYPOS)
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        raise ServiceError(
            "Код чека — восемь знаков из цифр и латинских букв, например K7M2-QX9D. "
            "Проверьте, что он переписан целиком.",
            code="receipt_code_invalid",
            field="code",
            status=400,
        )
    return code


class ReceiptCode(models.Func):
    """SQL of receipt_code(id), the same on PostgreSQL and SQLite (immutable, for a generated column)."""

    output_field = models.CharField(max_length=LENGTH)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        scrambled = f"((({sql}) * {_MULTIPLIER} + {_OFFSET}) & {_MASK})"
        chars = [f"substr('{ALPHABET}', CAST((({scrambled} >> {shift}) & 31) AS integer) + 1, 1)" for shift in _SHIFTS]
        return "(" + " || ".join(chars) + ")", list(params) * LENGTH
