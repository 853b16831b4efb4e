"""Loading the page models (`cms.models`, which every app that knows pages imports) pulls in no
admin screens, no API and no admin hooks: those load when Wagtail's admin or the URLconf asks for
them, so a model import never drags in views that import models back."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = ("cms", "media_pipeline", "learning", "engagement", "certificates", "events", "reports", "site_theme")
ADMIN_OR_API = ("admin_views", "api", "wagtail_hooks")

# Run in a fresh interpreter: record the modules loaded once Django has imported cms's models
# (and those of the apps listed before it), before any app's ready() runs.
PROBE = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from django.apps import AppConfig

import_models = AppConfig.import_models
loaded = []

def recording_import_models(self):
    import_models(self)
    if self.label == "cms":
        loaded.extend(sys.modules)

AppConfig.import_models = recording_import_models
import django
django.setup()
print(json.dumps(sorted(loaded)))
"""


def test_loading_cms_models_imports_no_admin_views_api_or_hooks():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert "cms.models" in loaded and "cms.blocks" in loaded and "media_pipeline.blocks" in loaded
    offending = [
        name for name in loaded if name.split(".")[0] in PROJECT_APPS and name.rsplit(".", 1)[-1] in ADMIN_OR_API
    ]
    assert offending == []
