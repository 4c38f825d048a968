"""REST API of this app; scoped like its pages."""

urlpatterns: list = []
