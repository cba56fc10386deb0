"""Brand kits and prompt presets: who changes them, what a kit adds to a job (exactly what the
generate form shows), presets' placeholders, and real jobs made with both against the sandbox."""

import html
import io
import re
import uuid

import pytest
from django.urls import reverse

from brand import compose
from brand.models import BrandImage, BrandKit, MissingValues, Preset, fill
from providers.base import ImageInput, JobSpec, ModelInfo
from tests.factories import (
    logged_in,
    make_job,
    make_key,
    make_project,
    make_user,
    make_workspace,
    member,
)
from tests.helpers import png_upload, run_in_process
from tests.personas import MEMBER, OWNER, VIEWER
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


def png(colour="#4f46e5", name="logo.png"):
    return png_upload(colour, name)


def png_bytes(colour="#4f46e5") -> bytes:
    return png(colour).getvalue()


@pytest.fixture
def kit(agency, user):
    kit = BrandKit.objects.create(
        workspace=agency,
        name="Northwind house style",
        voice_notes="Warm, confident, unhurried; natural light",
        visual_rules="clutter, neon signs",
        words_to_avoid="cheap, guaranteed",
        colours="#0B3D91, warm white",
        created_by=user,
    )
    kit.add_image(BrandImage.Kind.LOGO, "image/png", png_bytes("#000000"))
    for colour in ("#111111", "#222222", "#333333"):
        kit.add_image(BrandImage.Kind.PRODUCT, "image/png", png_bytes(colour))
    return kit


VEO = ModelInfo(
    "openrouter",
    "google/veo-3.1",
    "Veo 3.1",
    frame_images=("first_frame", "last_frame"),
    max_reference_images=3,
    negative_prompt=True,
    references_with_frames=False,
    last_frame_needs_first=True,
)
PLAIN = ModelInfo("openrouter", "plain/model", "Plain")


# --- what a kit adds ----------------------------------------------------------------------


def test_the_kit_adds_its_voice_colours_and_words_and_its_rules_to_the_negative(kit):
    spec = JobSpec(model=VEO.id, prompt="A bottle on a beach", negative_prompt="blur")
    applied = compose.apply(kit, spec, VEO, "none")
    addition = (
        "Warm, confident, unhurried; natural light. Brand colours: #0B3D91, warm white. "
        "Avoid: cheap, guaranteed."
    )
    assert applied.prompt_addition == addition
    assert applied.spec.prompt == f"A bottle on a beach\n\n{addition}"
    assert applied.spec.negative_prompt == "blur, clutter, neon signs"
    assert applied.spec.images == () and applied.images_used == []


def test_a_model_without_negative_prompt_gets_the_rules_in_the_prompt(kit):
    applied = compose.apply(kit, JobSpec(model=PLAIN.id, prompt="p"), PLAIN)
    assert applied.spec.negative_prompt == ""
    assert applied.prompt_addition.endswith("Never show: clutter, neon signs.")
    assert any("takes no negative prompt" in note for note in applied.notes)


def test_kit_images_never_exceed_what_the_model_takes(kit):
    own = ImageInput("reference", "image/png", png_bytes())
    spec = JobSpec(model=VEO.id, prompt="p", images=(own,))
    applied = compose.apply(kit, spec, VEO, "reference")
    roles = [i.role for i in applied.spec.images]
    assert roles == ["reference"] * 3  # the visitor's own, then two of the kit's four
    assert applied.spec.images[0] is own
    assert applied.images_used == ["the logo (reference)", "product image 1 (reference)"]
    assert applied.notes == [
        "Left out product image 2 and product image 3: Veo 3.1 takes at most 3 reference "
        "images (yours come first)."
    ]
    applied.spec.validate(VEO)  # what goes out is valid for the model
    nothing = compose.apply(kit, JobSpec(model=PLAIN.id, prompt="p"), PLAIN, "reference")
    assert nothing.spec.images == () and "cannot take" in nothing.notes[-1]


def test_the_logo_as_an_end_card_only_where_the_model_allows_it(kit):
    first = ImageInput("first_frame", "image/png", png_bytes())
    applied = compose.apply(
        kit, JobSpec(model=VEO.id, prompt="p", images=(first,)), VEO, "last_frame"
    )
    assert [i.role for i in applied.spec.images] == ["first_frame", "last_frame"]
    assert applied.images_used == ["the logo (end card)"]
    alone = compose.apply(kit, JobSpec(model=VEO.id, prompt="p"), VEO, "last_frame")
    assert alone.spec.images == ()
    assert alone.notes == [
        "The logo is not used as the end card: Veo 3.1 needs a first frame with it."
    ]
    assert [use for use, _ in compose.image_uses(kit, PLAIN)] == ["none"]


# --- presets ------------------------------------------------------------------------------


def test_placeholders_are_filled_and_a_missing_one_is_named():
    template = "A hero shot of {product} for {audience}, ending on {product}."
    assert fill(template, {"product": " Lumen lamp ", "audience": "students"}) == (
        "A hero shot of Lumen lamp for students, ending on Lumen lamp."
    )
    with pytest.raises(MissingValues) as caught:
        fill(template, {"product": "Lumen lamp", "audience": "  "})
    assert str(caught.value) == "Fill in {audience}: the prompt uses it."


def test_five_presets_ship_with_the_app():
    shipped = Preset.objects.shipped()
    assert sorted(p.name for p in shipped) == [
        "Lifestyle B-roll",
        "Product hero",
        "Testimonial-style",
        "Text-free background loop",
        "Unboxing",
    ]
    for preset in shipped:
        assert preset.placeholders and "product" in preset.placeholders
        assert 2 <= preset.prompt_template.count(". ") + 1 <= 5


# --- pages --------------------------------------------------------------------------------


def test_members_who_generate_add_edit_and_delete_kits(agency, kit):
    client = logged_in(member(agency, MEMBER).user)
    add = reverse("brand:kit_add", args=[agency.slug])
    response = client.post(
        add,
        {
            "name": "Spring look",
            "voice_notes": "Bright and playful",
            "colours": "#ff0, sky blue",
            "logo": png(),
            "products": [png("#123456", "a.png"), png("#654321", "b.png")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    made = BrandKit.objects.get(name="Spring look")
    assert [i.kind for i in made.ordered_images()] == ["logo", "product", "product"]
    edit = reverse("brand:kit_edit", args=[agency.slug, made.public_id])
    logo = made.ordered_images()[0]
    response = client.post(edit, {"name": "Spring look 2", "remove_images": [str(logo.pk)]})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.name == "Spring look 2" and len(made.ordered_images()) == 2
    assert client.post(edit, {"action": "delete"}).status_code == 302
    assert not BrandKit.objects.filter(pk=made.pk).exists()
    page = client.get(reverse("brand:kits", args=[agency.slug])).content.decode()
    assert kit.name in page and "Product hero" in page


def test_bad_kit_input_gets_a_clear_message_and_nothing_is_saved(agency, alice):
    add = reverse("brand:kit_add", args=[agency.slug])
    text = io.BytesIO(b"not an image at all")
    text.name = "logo.png"
    response = alice.post(add, {"name": "Odd", "colours": "#12345g", "logo": text})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "#12345g is not a colour code" in page
    assert "Logo: this file is not an image we can read" in page
    assert not BrandKit.objects.exists()


def test_viewers_read_kits_but_cannot_change_them(agency, kit):
    viewer = logged_in(member(agency, VIEWER).user)
    page = viewer.get(reverse("brand:kits", args=[agency.slug])).content.decode()
    assert kit.name in page and "Edit or delete" not in page
    logo = kit.ordered_images()[0]
    url = reverse("brand:kit_image", args=[agency.slug, kit.public_id, logo.pk])
    assert url in page
    served = viewer.get(url)
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png_bytes("#000000")
    edit = reverse("brand:kit_edit", args=[agency.slug, kit.public_id])
    assert viewer.post(edit, {"action": "delete"}).status_code == 403
    assert BrandKit.objects.filter(pk=kit.pk).exists()


def test_shipped_presets_are_read_only_and_workspace_ones_are_renamed(agency, alice):
    shipped = Preset.objects.shipped().first()
    url = reverse("brand:preset_edit", args=[agency.slug, shipped.public_id])
    assert alice.post(url, {"action": "delete"}).status_code == 404
    ours = Preset.objects.create(workspace=agency, name="Ours", prompt_template="{product}")
    url = reverse("brand:preset_edit", args=[agency.slug, ours.public_id])
    taken = alice.post(url, {"name": "product hero"})
    assert taken.status_code == 400 and "already a preset" in html.unescape(taken.content.decode())
    assert alice.post(url, {"name": "Our hero"}).status_code == 302
    ours.refresh_from_db()
    assert ours.name == "Our hero"
    assert alice.post(url, {"action": "delete"}).status_code == 302
    assert Preset.objects.shipped().filter(pk=shipped.pk).exists()


# --- the generate form --------------------------------------------------------------------


def form_data(key, **data):
    payload = {
        "idempotency_key": uuid.uuid4().hex,
        "key": key.pk,
        "model": "google/veo-3.1",
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": 8,
    }
    payload.update(data)
    return payload


def test_choosing_a_preset_fills_the_prompt_and_asks_for_each_placeholder(agency, alice, reachable):
    key = make_key(alice_user(agency), workspace=agency)
    hero = Preset.objects.get(name="Unboxing")
    page = alice.get(
        reverse("videos:generate_options"),
        {"key": key.pk, "model": "google/veo-3.1", "preset": hero.public_id, "changed": "preset"},
    ).content.decode()
    assert html.escape(hero.prompt_template.split("{")[0]) in page
    assert 'name="fill_product"' in page
    assert '<option value="9:16" selected>' in page  # the preset's aspect ratio


def alice_user(agency):
    return member(agency, OWNER).user


def test_a_missing_placeholder_is_a_clear_error_and_nothing_is_sent(agency, alice, reachable):
    key = make_key(alice_user(agency), workspace=agency)
    hero = Preset.objects.get(name="Product hero")
    response = alice.post(
        reverse("videos:generate"),
        form_data(key, preset=hero.public_id, prompt=hero.prompt_template, fill_product="Lamp"),
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Fill in {offer}: the prompt uses it." in page
    assert "Type what goes in place of {offer}." in page
    assert not VideoJob.objects.exists()


def test_a_kit_of_another_workspace_is_refused(agency, alice, reachable):
    key = make_key(alice_user(agency), workspace=agency)
    elsewhere = make_workspace(make_user("carol"), "Other Agency")
    theirs = BrandKit.objects.create(workspace=elsewhere, name="Theirs", voice_notes="Loud.")
    response = alice.post(
        reverse("videos:generate"), form_data(key, prompt="A lamp", brand_kit=theirs.public_id)
    )
    assert response.status_code == 400
    assert "That brand kit is not one of this workspace" in html.unescape(response.content.decode())
    assert not VideoJob.objects.exists()


def test_a_client_kit_is_offered_only_for_that_clients_projects(agency, alice, kit, reachable):
    key = make_key(alice_user(agency), workspace=agency)
    project = make_project(agency, client="Northwind")
    other = make_project(agency, client="Contoso", name="Autumn")
    kit.client = project.client
    kit.save()
    options = reverse("videos:generate_options")
    base = {"key": key.pk, "model": "google/veo-3.1"}
    assert kit.name in alice.get(options, {**base, "project": project.public_id}).content.decode()
    assert kit.name not in alice.get(options, {**base, "project": other.public_id}).content.decode()
    refused = alice.post(
        reverse("videos:generate"),
        form_data(key, prompt="A lamp", project=other.public_id, brand_kit=kit.public_id),
    )
    assert refused.status_code == 400 and not VideoJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_job_with_a_kit_and_a_preset_sends_exactly_what_the_form_showed(
    agency, alice, kit, reachable
):
    key = make_key(alice_user(agency), workspace=agency)
    # A preset of the workspace's own: a transactional test cannot count on the shipped ones
    # (other such tests empty the database, data migrations included).
    preset = Preset.objects.create(
        workspace=agency,
        name="Hero",
        prompt_template="A slow dolly-in on {product}, rim light; ends on “{offer}”.",
        parameters={"aspect_ratio": "16:9", "duration": 8},
    )
    chosen = {
        "preset": preset.public_id,
        "prompt": preset.prompt_template,
        "fill_product": "the Lumen desk lamp",
        "fill_offer": "20% off this week",
        "negative_prompt": "blur",
        "brand_kit": kit.public_id,
        "brand_images": "reference",
    }
    # What the form shows before anything is sent.
    shown = alice.get(
        reverse("videos:generate_options"), {**form_data(key, **chosen), "changed": "kit"}
    ).content.decode()
    addition = html.unescape(re.search(r'<q class="brand-addition">(.*?)</q>', shown).group(1))
    negative = html.unescape(re.search(r'<q class="brand-negative">(.*?)</q>', shown).group(1))
    assert "The logo (reference), product image 1 (reference), product image 2" in shown
    assert "Left out product image 3" in html.unescape(shown)

    # Without JavaScript, the same box comes back from the form itself, and nothing is sent.
    preview = alice.post(reverse("videos:generate"), form_data(key, preview="1", **chosen))
    assert preview.status_code == 200 and not VideoJob.objects.exists()
    assert f'<q class="brand-addition">{html.escape(addition)}</q>' in preview.content.decode()

    response = alice.post(reverse("videos:generate"), form_data(key, **chosen))
    assert response.status_code == 302, html.unescape(response.content.decode())[:3000]
    job = VideoJob.objects.get()
    filled = fill(
        preset.prompt_template, {"product": "the Lumen desk lamp", "offer": "20% off this week"}
    )
    assert job.prompt == f"{filled}\n\n{addition}"
    assert job.negative_prompt == f"blur, {negative}" == "blur, clutter, neon signs"
    assert [i["role"] for i in job.image_inputs] == ["reference"] * 3
    assert (job.brand_kit, job.preset) == (kit, preset)
    page = alice.get(job.get_absolute_url()).content.decode()
    assert "<dt>Brand kit</dt><dd>Northwind house style</dd>" in page
    assert "<dt>Preset</dt><dd>Hero</dd>" in page
    job = run_in_process(job)
    assert job.status == VideoJob.Status.READY, job.error
    request = reachable.stats()["jobs"][job.provider_job_id.rsplit("/", 1)[-1]]["request"]
    assert request["prompt"] == job.prompt
    assert len(request["input_references"]) == 3


def test_settings_saved_as_a_preset_come_back(agency, alice, reachable):
    key = make_key(alice_user(agency), workspace=agency)
    save = reverse("videos:preset_save", args=[agency.slug])
    data = form_data(key, prompt="Our {product} at dawn", aspect_ratio="9:16", duration=6)
    nameless = alice.post(save, {**data, "preset_name": ""})
    assert nameless.status_code == 400 and "Give the preset a name." in nameless.content.decode()
    response = alice.post(save, {**data, "preset_name": "Dawn"})
    assert response.status_code == 200  # the form as it was, the new preset among the choices
    preset = Preset.objects.get(workspace=agency, name="Dawn")
    assert preset.prompt_template == "Our {product} at dawn"
    assert preset.parameters == {"aspect_ratio": "9:16", "duration": 6}
    assert preset.model_hint == "google/veo-3.1"
    assert f'<option value="{preset.public_id}">Dawn (saved)</option>' in response.content.decode()
    page = alice.get(f"{reverse('videos:generate')}?preset={preset.public_id}").content.decode()
    assert "Our {product} at dawn" in page and 'name="fill_product"' in page


def test_the_empty_state_offers_the_shipped_presets(user, alice, reachable):
    make_key(user)
    page = alice.get(reverse("videos:generate")).content.decode()
    assert "Start from: Product hero" in page and "Start from: Unboxing" in page
    hero = Preset.objects.get(name="Product hero")
    filled = alice.get(reverse("videos:generate") + f"?preset={hero.public_id}").content.decode()
    assert html.escape(hero.prompt_template.split("{")[0]) in filled
    make_job(user)
    assert "Start from:" not in alice.get(reverse("videos:generate")).content.decode()
