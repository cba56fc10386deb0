"""Download a campaign package of 1 GiB of clips through the real view and compare with reading
the same files.

Prints the time to the first byte, the throughput of the package and of a plain read of its
files (both mostly from the page cache, so this is the zip's own cost, far above any network
link), and the serving process's peak memory growth (target < 64 MiB: the zip is streamed, never
held). Run: ``python -m bench.package [--clips N] [--mib M]``.
"""

import argparse
import os
import resource
import shutil
import time
import uuid

from sandbox.testing import SandboxProcess

from .setup import configure, demo_key

MiB = 1024**2
CHUNK = 4 * MiB


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def write_clip(path, size: int) -> None:
    """``size`` bytes of noise (not zeros, which a disk or a cache could shortcut)."""
    block = os.urandom(CHUNK)
    with open(path, "wb") as sink:
        for start in range(0, size, CHUNK):
            sink.write(block[: min(CHUNK, size - start)])


def read_all(paths) -> float:
    started = time.perf_counter()
    for path in paths:
        with open(path, "rb") as source:
            while source.read(CHUNK):
                pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--mib", type=int, default=128, help="size of each clip")
    args = parser.parse_args()
    size = args.mib * MiB
    with SandboxProcess("--quiet") as sandbox:
        workdir = configure(sandbox)
        from django.core.files.storage import default_storage
        from django.test import Client
        from django.utils import timezone

        from campaigns.models import Campaign, Variant
        from videos.models import Clip, VideoJob

        user, key = demo_key()
        campaign = Campaign.objects.create(
            workspace=key.workspace, key=key, name="Bench", started_at=timezone.now()
        )
        paths = []
        for number in range(1, args.clips + 1):
            job = VideoJob.objects.create(
                owner=user,
                workspace=key.workspace,
                key=key,
                provider=key.provider,
                model="google/veo-3.1",
                idempotency_key=uuid.uuid4().hex,
                status=VideoJob.Status.READY,
                parameters={"aspect_ratio": "9:16", "ad_format": "vertical"},
            )
            name = f"clips/{job.public_id}/clip-1.mp4"
            path = default_storage.path(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            write_clip(path, size)
            paths.append(path)
            Clip.objects.create(
                job=job, index=0, source_url="x", status=Clip.Status.READY, file=name, size=size
            )
            Variant.objects.create(campaign=campaign, job=job, number=number, ad_format="vertical")

        os.sync()
        plain = read_all(paths)
        client = Client()
        client.force_login(user)
        before = peak_rss()
        started = time.perf_counter()
        url = f"/campaigns/{campaign.public_id}/package.zip"
        response = client.get(url, secure=True, HTTP_HOST="localhost")
        received, first_byte = 0, None
        for chunk in response.streaming_content:
            if first_byte is None:
                first_byte = time.perf_counter() - started
            received += len(chunk)
        package = time.perf_counter() - started
        growth = peak_rss() - before
        assert response.status_code == 200, response.status_code
        assert received == int(response["Content-Length"]) > args.clips * size

        total = args.clips * size
        print(f"cores: {os.cpu_count()}")
        print(f"package: {args.clips} clips of {args.mib} MiB, {received / MiB:,.1f} MiB zipped")
        print(f"first byte after: {first_byte * 1000:.0f} ms")
        for label, seconds in [("plain read of the files", plain), ("campaign package", package)]:
            print(f"{label + ':':26} {seconds:6.2f} s  {total / MiB / seconds:8.1f} MiB/s")
        print(f"throughput ratio to a plain read: {plain / package:.2f}")
        print(f"peak memory growth while serving: {growth / MiB:.1f} MiB (target < 64 MiB)")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
