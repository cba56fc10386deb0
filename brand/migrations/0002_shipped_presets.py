from django.db import migrations

# Written the way a video ad director briefs a shoot: camera, light, pacing.
PRESETS = [
    {
        "name": "Product hero",
        "description": "The product alone, lit like a premium launch film.",
        "prompt_template": (
            "A slow, low-angle dolly-in on {product} standing alone on a seamless backdrop, "
            "lit by a soft key from the left and a crisp rim light that traces its edges. A "
            "single light sweep glides across the surface as the camera settles into a centred "
            "hero frame. Calm, premium pacing in one continuous move, ending on a clean hold "
            "with room above the product for “{offer}”."
        ),
        "parameters": {"aspect_ratio": "16:9", "duration": 8, "generate_audio": True},
    },
    {
        "name": "Unboxing",
        "description": "Hands opening the box: tactile close-ups, soft window light.",
        "prompt_template": (
            "Top-down, then over-the-shoulder shots of hands opening a {product} box on a warm "
            "oak table in soft window light. Tactile macro close-ups: the lid lifting, tissue "
            "paper folding back, the product revealed and lifted towards the lens. Unhurried "
            "pacing with a gentle cut on each reveal, and the quiet sound of paper and card."
        ),
        "parameters": {"aspect_ratio": "9:16", "duration": 8, "generate_audio": True},
    },
    {
        "name": "Testimonial-style",
        "description": "A real-feeling customer talking to camera, handheld and honest.",
        "prompt_template": (
            "A handheld medium close-up of a relaxed customer, one of {audience}, talking to "
            "camera about {product} in a bright, lived-in home, daylight from a window beside "
            "the lens. Shallow depth of field, eye-level framing, small natural movements; at "
            "the end they smile and hold the product up to camera. Honest, conversational "
            "pacing, no on-screen text."
        ),
        "parameters": {"aspect_ratio": "9:16", "duration": 8, "generate_audio": True},
    },
    {
        "name": "Lifestyle B-roll",
        "description": "Everyday moments with the product, golden hour, for cutting into edits.",
        "prompt_template": (
            "Sun-drenched lifestyle B-roll of {audience} using {product} in everyday moments: a "
            "morning kitchen, a walk outside, a pause with friends. Golden-hour backlight, "
            "smooth gimbal tracking shots and slow push-ins, warm natural colour. Relaxed, "
            "rhythmic pacing with a new moment about every two seconds."
        ),
        "parameters": {"aspect_ratio": "16:9", "duration": 8, "generate_audio": False},
    },
    {
        "name": "Text-free background loop",
        "description": "A calm moving background to put your own text and offer over.",
        "prompt_template": (
            "A seamless, slowly drifting abstract background: soft gradients and fine light "
            "particles moving gently from left to right, evoking {product}. Locked-off camera, "
            "even diffused light, no text, no logos, no people. Calm negative space on the "
            "right for the “{offer}” headline added later; the last frame matches the first so "
            "it loops cleanly."
        ),
        "parameters": {"aspect_ratio": "16:9", "duration": 8, "generate_audio": False},
    },
]


def ship(apps, schema_editor):
    Preset = apps.get_model("brand", "Preset")
    for preset in PRESETS:
        Preset.objects.update_or_create(workspace=None, name=preset["name"], defaults=preset)


def unship(apps, schema_editor):
    Preset = apps.get_model("brand", "Preset")
    Preset.objects.filter(workspace=None, name__in=[p["name"] for p in PRESETS]).delete()


class Migration(migrations.Migration):
    dependencies = [("brand", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
