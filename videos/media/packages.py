"""Packages: stored files under the names they get in a zip, and the manifests that describe
them, streamed as one zip (``serving.stored_zip_response``). A job's zip is built here; the
campaign package is built the same way (``campaigns.package``)."""

import json
from dataclasses import dataclass, field

from . import serving


@dataclass
class Package:
    # (storage name, size, name in the zip) of each stored file, read while the zip is sent.
    files: list[tuple[str, int, str]] = field(default_factory=list)
    # (name in the zip, bytes) of the small files made for it: its manifests.
    extras: list[tuple[str, bytes]] = field(default_factory=list)

    def add(self, stored, name: str) -> None:
        """A clip or an export (anything with a stored ``file`` and its ``size``) as ``name``."""
        self.files.append((stored.file.name, stored.size, name))

    def add_made(self, name: str, data: bytes) -> None:
        self.extras.append((name, data))

    def add_json(self, name: str, data) -> None:
        self.add_made(name, json.dumps(data, indent=2).encode())

    def __bool__(self) -> bool:
        return bool(self.files)

    def response(self, filename: str):
        """The package as one uncompressed zip, streamed with a known length."""
        return serving.stored_zip_response(self.files, self.extras, filename)


def job_package(job, clips, total: int | None = None) -> Package:
    """Every clip of ``clips`` (ready, with their ready exports) and the job's manifest, each
    file under the name the manifest gives it."""
    manifest = job_manifest(job, clips, total)
    package = Package()
    for clip, entry in zip(clips, manifest["clips"], strict=True):
        package.add(clip, entry["file"])
        # Its reframed exports beside it, as the manifest names them.
        for rendition, export in zip(clip.ready_renditions, entry["exports"], strict=True):
            package.add(rendition, export["file"])
    package.add_json("manifest.json", manifest)
    return package


def job_manifest(job, clips, total: int | None = None) -> dict:
    """What a job's saved batch says about itself (manifest.json in its zip). ``total``: how
    many clips the job has (its clips keep their numbers when some are not in the batch)."""
    total = total or len(clips)
    return {
        "job": str(job.public_id),
        "provider": job.provider,
        "model": job.model,
        "prompt": job.prompt,
        "negative_prompt": job.negative_prompt,
        "settings": job.parameters,
        "cost_usd": str(job.cost) if job.cost is not None else None,
        "created_at": job.created_at.isoformat(),
        "clips": [
            {
                "file": clip.download_name(total),
                "index": clip.number,
                "sha256": clip.sha256,
                "bytes": clip.size,
                "duration_seconds": clip.duration,
                "width": clip.width,
                "height": clip.height,
                "exports": [
                    {
                        "file": rendition.download_name(total),
                        "format": rendition.ad_format.name,
                        "sha256": rendition.sha256,
                        "bytes": rendition.size,
                        "width": rendition.width,
                        "height": rendition.height,
                    }
                    for rendition in clip.ready_renditions
                ],
            }
            for clip in clips
        ],
    }
