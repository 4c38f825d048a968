"""The WSGI app the load tests (bench_intake.py, bench_queue.py) run under gunicorn: Minhu's own
URLs, plus the floor — a bare view behind the same middleware that inserts one row into
``bench_floor`` (each load test creates that table) — to measure the app's paths against."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minhu.settings")

from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = __name__
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


@csrf_exempt
def floor(request):
    """The floor: a bare view that inserts one row."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (at) VALUES (CURRENT_TIMESTAMP)")
    return HttpResponse(b'[{"id":1}]', status=201, content_type="application/json")


urlpatterns = [path("bench/floor/", floor), path("", include("minhu.urls"))]
