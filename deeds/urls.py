from django.urls import path

from . import views
from .feeds import StoryAtomFeed, StoryRssFeed

app_name = "deeds"
urlpatterns = [
    path("", views.deed_list, name="deed_list"),
    path("new/", views.deed_edit, name="deed_new"),
    path("<int:pk>/", views.deed_detail, name="deed_detail"),
    path("<int:pk>/edit/", views.deed_edit, name="deed_edit"),
    path("<int:pk>/photos/", views.deed_photo_add, name="deed_photo_add"),
    path("monthly/", views.monthly, name="monthly"),
    path("stories/new/", views.story_edit, name="story_new"),
    path("stories/<int:pk>/", views.story_detail, name="story_detail"),
    path("stories/<int:pk>/edit/", views.story_edit, name="story_edit"),
    path("stories/<int:pk>/photos/", views.story_photo_add, name="story_photo_add"),
    path("stories/<int:pk>/export.zip", views.story_export, name="story_export"),
    path("stories/<int:pk>/story.pdf", views.story_pdf, name="story_pdf"),
    path("stories/<int:pk>/<slug:action>/", views.story_action, name="story_action"),
    # public, no login
    path("public/", views.public_list, name="public_list"),
    path("public/<int:region>/", views.public_list, name="public_list"),
    path("public/<int:region>/rss.xml", StoryRssFeed(), name="feed_rss"),
    path("public/<int:region>/atom.xml", StoryAtomFeed(), name="feed_atom"),
    path("public/story/<int:pk>/", views.public_story, name="public_story"),
]
