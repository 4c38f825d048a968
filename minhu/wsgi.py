import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minhu.settings")
application = get_wsgi_application()

# Refuse to serve with another deployment's MINHU_FIELD_KEY (ImproperlyConfigured stops the server's start).
from ops.keycheck import verify_field_key  # noqa: E402 (needs the settings configured above)

verify_field_key()
