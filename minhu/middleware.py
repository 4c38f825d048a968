from django.conf import settings
from django.http import HttpResponse


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


class FriendlyErrorPagesMiddleware:
    """With ``MINHU_FRIENDLY_ERRORS`` on (``make demo`` sets it), the Chinese 404 and 500 pages replace Django's
    English debug pages while DEBUG stays on for everything else: a newcomer trying the demo sees what a user
    would. The error itself is still logged as usual; API and non-HTML answers are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (settings.DEBUG and getattr(settings, "FRIENDLY_ERRORS", False)):
            return response
        if response.status_code not in (404, 500) or "text/html" not in response.get("Content-Type", ""):
            return response
        if request.path.startswith(("/api/", "/open311/")) or getattr(response, "friendly", False):
            return response
        from django.template import loader

        if response.status_code == 404 and b"Page not found at" not in response.content[:2000]:
            return response  # a page of ours that answered 404 with its own words
        template = loader.get_template(f"{response.status_code}.html")
        body = template.render({}, request if response.status_code == 404 else None)
        friendly = HttpResponse(body, status=response.status_code, content_type="text/html; charset=utf-8")
        friendly.friendly = True
        return friendly
