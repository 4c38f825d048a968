from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header. Every script and stylesheet is served by the app
    itself, so 'self' is enough; inline scripts are not allowed (htmx is configured by attributes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The API docs page ships its own inline bootstrap script; it is staff-only and same-origin.
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class ApiDeprecationMiddleware:
    """Answers on the unversioned /api/… paths carry ``Deprecation: true`` and a ``Link`` to the same path under
    /api/v1/ (RFC 9745, RFC 8288), so an integrator's logs say where to move before /api/ goes (docs/api.md)."""

    EXEMPT = ("/api/v1/", "/api/schema/", "/api/docs/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path
        if path.startswith("/api/") and not path.startswith(self.EXEMPT):
            response.headers["Deprecation"] = "true"
            response.headers["Link"] = f'</api/v1/{path[len("/api/") :]}>; rel="successor-version"'
        return response
