"""The resident's tracking page shows the before/after photos side by side (the story's fixed pipe), and a photo
chosen on the public form survives an error elsewhere on the form (or, when the photo itself is refused, the form
asks for it again plainly)."""

from django.urls import reverse

from cases.actions.workflow import case_resolve

from .test_public import jpeg, raise_need


def _tracked(client, case):
    session = client.session
    session["cases_tracked"] = {str(case.pk): 9e12}
    session.save()
    return reverse("cases:public_case") + f"?number={case.number}"


def test_tracking_page_shows_before_and_after_photos(client, users, make_case, routed):
    case = make_case()
    case_resolve(
        case=case,
        by=users["worker"],
        note="粪管已改道",
        before_photos=[jpeg("before.jpg")],
        after_photos=[jpeg("after.jpg")],
    )
    page = client.get(_tracked(client, case)).content.decode()
    pair = page.split('data-testid="before-after"')[1].split("</section>")[0]
    assert "<strong>处理前</strong>" in pair and "<strong>处理后</strong>" in pair
    assert pair.index("处理前") < pair.index("处理后") and pair.count("<img") == 2


def test_tracking_page_shows_the_photos_of_the_deed_the_case_is_part_of(client, users, make_case, routed):
    from deeds import services as deeds
    from deeds.models import DeedPhoto

    case = make_case()
    deed = deeds.deed_save(by=users["staff"], title="粪管改道", region=case.region, cases=[case], need="污水外溢")
    deeds.deed_add_photo(
        deed=deed, upload=jpeg("b.jpg"), kind=DeedPhoto.Kind.BEFORE, caption="雨后污水外溢", by=users["staff"]
    )
    deeds.deed_add_photo(
        deed=deed, upload=jpeg("a.jpg"), kind=DeedPhoto.Kind.AFTER, caption="院子整洁", by=users["staff"]
    )
    page = client.get(_tracked(client, case)).content.decode()
    assert "雨后污水外溢" in page and "院子整洁" in page


def test_photo_chosen_on_a_form_with_an_error_is_kept_and_sent_with_the_corrected_form(client, world, categories):
    from cases.models import Case

    text = raise_need(client, world, phone="123", photos=jpeg("pipe.jpg")).content.decode()
    assert "请填写 11 位手机号码" in text
    assert 'data-testid="photos-kept"' in text and "pipe.jpg" in text and "不必重新选择" in text
    raise_need(client, world)  # corrected, without choosing the photo again
    case = Case.objects.get()
    assert case.attachments.count() == 1


def test_kept_photos_can_be_left_out(client, world, categories):
    from cases.models import Case

    raise_need(client, world, phone="123", photos=jpeg())
    raise_need(client, world, drop_kept="1")
    assert Case.objects.get().attachments.count() == 0


def test_a_refused_photo_is_asked_for_again(client, world, categories):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bogus = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    text = raise_need(client, world, photos=bogus).content.decode()
    assert 'data-testid="photos-lost"' in text and "重新选择照片" in text and 'data-testid="photos-kept"' not in text


def test_no_photo_no_notice(client, world, categories):
    text = raise_need(client, world, phone="123").content.decode()
    assert 'data-testid="photos-lost"' not in text and 'data-testid="photos-kept"' not in text
