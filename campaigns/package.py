"""The campaign package: every ready clip of a campaign (or its winners), one folder per
format, each reframed export in its own format's folder, and a manifest in JSON and CSV of
the prompts, settings, costs and hashes."""

import csv
import io
import json

from django.utils.text import slugify

from common.spreadsheet import text_cell
from videos import formats
from videos.media.packages import Package

COLUMNS = (
    "file",
    "kind",
    "format",
    "model",
    "model_name",
    "wording",
    "take",
    "clip",
    "starred",
    "prompt",
    "negative_prompt",
    "settings",
    "job_estimated_cost_usd",
    "job_cost_usd",
    "sha256",
    "bytes",
    "width",
    "height",
    "duration_seconds",
    "job",
)


def folder_of(ad_format) -> str:
    """A format's folder in the package: its ratio and its name, "9x16-reels-tiktok-shorts"."""
    name = ad_format.name.split(" (")[0]  # the ratio in brackets is said first already
    return slugify(f"{ad_format.ratio.replace(':', 'x')} {name}")


def contents(campaign, variants, *, winners_only: bool) -> Package:
    """The package: every ready clip (or the starred ones) with its exports, and the manifests
    in JSON and CSV. ``variants`` come with their jobs and ready clips (``clips``) fetched."""
    package, rows = Package(), []
    for variant in variants:
        job = variant.job
        stem = f"{variant.number:02d}-{slugify(variant.model_name)[:40]}"
        if variant.wording:
            stem += f"-wording{variant.wording + 1}"
        stem += f"-take{variant.take}"
        several = len(variant.clips) > 1
        for clip in variant.clips:
            if winners_only and not clip.starred:
                continue
            name = f"{stem}-clip{clip.number}" if several else stem
            row = {
                "format": variant.format_name,
                "model": job.model,
                "model_name": variant.model_name,
                "wording": variant.wording + 1,
                "take": variant.take,
                "clip": clip.number,
                "starred": clip.starred,
                "prompt": job.prompt,
                "negative_prompt": job.negative_prompt,
                "settings": job.parameters,
                "job_estimated_cost_usd": _money(job.estimated_cost),
                "job_cost_usd": _money(job.cost),
                "job": str(job.public_id),
            }
            path = f"{variant.folder}/{name}.mp4"
            package.add(clip, path)
            rows.append(row | _facts(clip, path, "original"))
            for rendition in clip.ready_renditions:
                ad_format = formats.get(rendition.format)
                path = f"{folder_of(ad_format)}/{name}-reframed.mp4"
                package.add(rendition, path)
                rows.append(
                    row | {"format": ad_format.name} | _facts(rendition, path, "reframed export")
                )
    manifest = {
        "campaign": str(campaign.public_id),
        "name": campaign.name,
        "brief": campaign.brief,
        "workspace": campaign.workspace.name,
        "project": str(campaign.project) if campaign.project else None,
        "started_at": campaign.started_at.isoformat() if campaign.started_at else None,
        "estimated_total_usd": _money(campaign.estimated_total),
        "winners_only": winners_only,
        "files": rows,
    }
    if package:
        package.add_json("manifest.json", manifest)
        package.add_made("manifest.csv", _csv(rows))
    return package


def _facts(media, path: str, kind: str) -> dict:
    return {
        "file": path,
        "kind": kind,
        "sha256": media.sha256,
        "bytes": media.size,
        "width": media.width,
        "height": media.height,
        "duration_seconds": getattr(media, "duration", None),
    }


def _money(amount) -> str | None:
    return str(amount) if amount is not None else None


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = {k: text_cell(v) if isinstance(v, str) else v for k, v in row.items()}
        writer.writerow(cells | {"settings": json.dumps(row["settings"], sort_keys=True)})
    # With a byte order mark, spreadsheet apps read the accents right.
    return ("\ufeff" + out.getvalue()).encode()
