"""REST API of the public ledger: published stories, readable without login (like the public pages)."""

from django.urls import include, path
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import AllowAny

from lib import api as api_routers
from org.models import Region

from .models import Story


class PublicStorySerializer(serializers.ModelSerializer):
    region: "serializers.StringRelatedField[Region]" = serializers.StringRelatedField()
    categories = serializers.ListField(source="category_list", read_only=True)
    deed = serializers.SerializerMethodField()

    class Meta:
        model = Story
        fields = ["id", "title", "summary", "body", "categories", "author_name", "region", "published_at", "deed"]
        read_only_fields = fields

    def get_deed(self, story) -> dict | None:
        deed = story.deed
        if deed is None:
            return None
        return {
            "title": deed.title, "status": deed.status, "finished_on": deed.finished_on,
            "beneficiaries_count": deed.beneficiaries_count, "beneficiaries_kind": deed.beneficiaries_kind,
            "verdict": deed.verdict,
        }  # fmt: skip


class PublicStoryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """已发布的实事宣传稿（无需登录），最新在前；?region=<街道 id> 只看一个街道。"""

    serializer_class = PublicStorySerializer
    permission_classes = [AllowAny]

    def get_queryset(self):
        qs = Story.objects.published().select_related("region", "deed").order_by("-published_at")
        region = self.request.query_params.get("region")
        if region and region.isdigit():
            target = Region.objects.filter(pk=region).first()
            qs = qs.in_region(target) if target else qs.none()
        return qs


router = api_routers.SimpleRouter()
router.register("public-stories", PublicStoryViewSet, basename="public-story")
urlpatterns = [path("", include(router.urls))]
