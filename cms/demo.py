"""Demo content for the CMS (filled by the content model)."""


def load(stdout):
    from cms.models import HomePage

    stdout.write(f"Главная страница: {HomePage.objects.first()}")
