"""The search backend: Wagtail's database backend, with Russian stemming on SQLite too.

PostgreSQL stems with its own `russian` text-search configuration (SEARCH_CONFIG). SQLite's FTS5 has
no Russian stemmer, so on SQLite each search term is reduced to its Snowball stem and matched as a
prefix of the indexed words: «живописи» → «живопис*» finds «Живопись», «песня» → «песн*» finds
«песни», «песню». The index itself is unchanged (FTS5 stores the words as written)."""

import functools

import snowballstemmer
from django.db import connection
from modelsearch.backends import database
from modelsearch.query import PlainText

# A stem shorter than this is matched as a whole word: «и*» or «на*» would match half the index.
MIN_PREFIX = 3


@functools.cache
def _russian_stemmer():
    return snowballstemmer.stemmer("russian")


def stem_prefix(term):
    """The part of a search term every form of its word shares: its Snowball stem, spelled as the
    term was (the stemmer writes «ё» as «е»). None when the stem is too short to be a prefix."""
    word = term.lower()
    stem = _russian_stemmer().stemWord(word)
    if len(stem) < MIN_PREFIX:
        return None
    return word[: len(stem)] if word.replace("ё", "е").startswith(stem) else stem


def SearchBackend(params):  # noqa: N802 (the name Wagtail looks a backend module up by)
    backend = database.SearchBackend(params)
    if connection.vendor == "sqlite" and type(backend).__name__ == "SQLiteSearchBackend":
        backend.query_compiler_class = _stemming_compiler(backend.query_compiler_class)
    return backend


@functools.cache
def _stemming_compiler(base):
    # noqa below: this module looks up modelsearch's SQLite index model when imported, so it is
    # imported only on SQLite, once the app registry is ready.
    from modelsearch.backends.database.sqlite.query import Lexeme, SearchQueryExpression  # noqa: PLC0415

    class RussianSQLiteSearchQueryCompiler(base):
        def build_search_query_content(self, query, config=None):
            if not isinstance(query, PlainText):
                return super().build_search_query_content(query, config=config)
            lexemes = None
            for term in query.query_string.split():
                prefix = stem_prefix(term)
                lexeme = Lexeme(prefix, prefix=True) if prefix else Lexeme(term)
                if lexemes is None:
                    lexemes = lexeme
                elif query.operator.upper() == "AND":
                    lexemes &= lexeme
                else:
                    lexemes |= lexeme
            return SearchQueryExpression(lexemes, config=config) if lexemes is not None else None

    return RussianSQLiteSearchQueryCompiler
