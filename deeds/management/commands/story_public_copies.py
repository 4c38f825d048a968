"""Make the public copies of published stories' photos that are missing (stories published before copies were
made on approval). Copies are otherwise made by ``story_approve``/``story_publish`` (``deeds.files``).

    python manage.py story_public_copies            # lists the stories that lack copies
    python manage.py story_public_copies --commit   # makes them
"""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from ...files import make_public_copies, public_name, story_files
from ...models import Story


class Command(BaseCommand):
    help = "为已发布宣传稿补建公开照片副本（默认只列出，加 --commit 才执行）。"

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="真正补建（默认只列出）")

    def handle(self, *args, commit, **options):
        missing = []
        for story in Story.objects.published().order_by("pk"):
            names = [public_name(story, photo) for photo in story_files(story).values()]
            if any(not default_storage.exists(name) for name in names):
                missing.append(story)
                self.stdout.write(f"story {story.pk}: {story.title}")
                if commit:
                    make_public_copies(story)
        verb = "copied" if commit else "would copy"
        self.stdout.write(f"{verb} the photos of {len(missing)} stories")
