"""Run by test_search_russian.py in a subprocess on a fresh SQLite database (the embedded default):
migrate, add two pages, ask the site's search page each query given, print JSON {query: [titles]}."""

import json
import sys

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

call_command("migrate", verbosity=0, interactive=False)

from cms.models import DirectionIndexPage, DirectionPage, HomePage  # noqa: E402
from tests.factories import add_child  # noqa: E402

index = add_child(HomePage.objects.get(), DirectionIndexPage(title="Направления", slug="directions"))
description = "<p>Учимся рисованию акварелью и гуашью, пишем с натуры.</p>"
add_child(index, DirectionPage(title="Живопись", slug="painting", description=description))
add_child(index, DirectionPage(title="Вокал", slug="vocal", description="<p>Поём песни и дышим животом.</p>"))

client = Client(HTTP_HOST="localhost")
found = {}
for query in sys.argv[1:]:
    page = client.get("/search/", {"q": query}).content.decode()
    page = page.partition('class="search-results"')[2].partition("</ol>")[0]  # not the menu
    found[query] = [title for title in ("Живопись", "Вокал") if f">{title}<" in page]
print("RESULT " + json.dumps(found, ensure_ascii=False))
