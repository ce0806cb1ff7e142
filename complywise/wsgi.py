import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "complywise.settings.base")
application = get_wsgi_application()

# Each gunicorn worker imports this module itself: its loaded heap is frozen out of the collector's walk.
from complywise import heap  # noqa: E402 — needs the application loaded first

heap.settle()
