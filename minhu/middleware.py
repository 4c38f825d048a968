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
