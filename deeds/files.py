"""Which stored files belong to a story, and the public copies of a published story's photos.

Originals (``deeds/…``, ``stories/…``) are private: the file front door (``minhu.files``) gives them
only to staff who may see the deed or story. What the public sees are copies made when the story is
approved (and refreshed when it is published) under ``public/stories/<story id>/``, served only
while the story is published and removed when it is withdrawn or sent back.

Who relies on ``story_files``: the public story page and list, the Markdown export and the PDF.
A story body may name any ``/media/…`` path (the sanitiser only checks the prefix), so each of them
keeps the images that are this story's own files, or its deed's, and drops every other one: a body
naming another region's photo or an import sheet gets nothing.
"""

import os

from django.conf import settings
from django.core.files.storage import default_storage

from .models import Deed, DeedPhoto, Story, StoryPhoto
from .sanitize import clean_html

PUBLIC_DIR = "public/stories"


def media_name(src: str) -> str | None:
    """/media/stories/2025/06/a.jpg -> stories/2025/06/a.jpg (None for anything else)."""
    media = "/" + settings.MEDIA_URL.lstrip("/")
    if not src or not src.startswith(media):
        return None
    name = src[len(media) :]
    return name if name and ".." not in name else None


def story_files(story: Story, user=None) -> dict[str, StoryPhoto | DeedPhoto]:
    """{storage name: photo} for the story's own photos and its deed's photos. With ``user``, the
    deed's photos only when the user may see the deed (``Deed.objects.visible_to``)."""
    # A stored photo always has a file name (FieldFile.name is Optional in the stubs).
    files: dict[str, StoryPhoto | DeedPhoto] = {p.image.name: p for p in story.photos.all()}  # type: ignore[misc]
    if story.deed_id and (user is None or Deed.objects.visible_to(user).filter(pk=story.deed_id).exists()):
        files.update({p.image.name: p for p in DeedPhoto.objects.filter(deed_id=story.deed_id)})  # type: ignore[misc]
    return files


def public_name(story: Story, photo: StoryPhoto | DeedPhoto) -> str:
    prefix = "s" if isinstance(photo, StoryPhoto) else "d"
    ext = os.path.splitext(photo.image.name or "")[1].lower() or ".jpg"
    return f"{PUBLIC_DIR}/{story.pk}/{prefix}{photo.pk}{ext}"


def public_url(story: Story, photo: StoryPhoto | DeedPhoto) -> str:
    return default_storage.url(public_name(story, photo))


def parse_public_name(name: str) -> tuple[int, str, int] | None:
    """public/stories/12/s34.jpg -> (12, "s", 34); None for anything else."""
    parts = name.split("/")
    if len(parts) != 4 or "/".join(parts[:2]) != PUBLIC_DIR or not parts[2].isdigit():
        return None
    stem = os.path.splitext(parts[3])[0]
    if len(stem) < 2 or stem[0] not in "sd" or not stem[1:].isdigit():
        return None
    return int(parts[2]), stem[0], int(stem[1:])


def remove_public_copies(story: Story) -> None:
    folder = f"{PUBLIC_DIR}/{story.pk}"
    try:
        _dirs, names = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in names:
        default_storage.delete(f"{folder}/{name}")


def make_public_copies(story: Story) -> list[str]:
    """Copy the story's own photos and its deed's into the public folder (replacing older copies).
    Returns the public names."""
    remove_public_copies(story)
    made = []
    for name, photo in story_files(story).items():
        if not default_storage.exists(name):
            continue
        target = public_name(story, photo)
        with default_storage.open(name, "rb") as fh:
            saved = default_storage.save(target, fh)
        made.append(saved)
    return made


def public_body(story: Story) -> str:
    """The story's HTML for the public page: its own images point at their public copies, any other
    image is dropped."""
    files = story_files(story)

    def rewrite(src: str) -> str | None:
        photo = files.get(media_name(src) or "")
        return public_url(story, photo) if photo is not None else None

    return clean_html(story.body, rewrite_src=rewrite)
