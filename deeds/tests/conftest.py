import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from deeds import services
from deeds.models import Deed
from org.models import Role
from org.testing import make_user


def jpeg(colour=(200, 120, 40), name="photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def writer(users):
    return users["staff_tianping"]


@pytest.fixture
def reviewer(world):
    return make_user("reviewer_tp", role=Role.STAFF, region=world.tianping, unit=world.tianping_office, name="审核员")


@pytest.fixture
def deed(world, writer):
    return services.deed_save(
        by=writer,
        title="粪管改道",
        region=world.shaanxi,
        need="大树根系挤压粪管，雨天污水外溢。",
        work_done="多部门现场查勘，征得居民同意后粪管改道。",
        beneficiaries_count=24,
        beneficiaries_kind="楼组居民",
        status=Deed.Status.PLANNED,
        consent_needed=True,
    )


def write_story(writer, world, deed=None, body="<p>陕西南路582弄11号的粪管已改道。</p>", **extra):
    return services.story_save(
        by=writer,
        title="受损粪管被改道 解决居民糟心事",
        region=world.tianping,
        deed=deed,
        summary="街道在大走访中发现问题并迅速解决。",
        body=body,
        categories="我为群众办实事, 天平街道",
        author_name="天平街道",
        **extra,
    )


def approve(story, writer, reviewer):
    services.story_submit(story=story, by=writer)
    return services.story_approve(story=story, by=reviewer)
