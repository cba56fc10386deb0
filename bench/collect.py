"""Collect a 1 GiB clip through ``collect_clip`` and compare with a bare httpx download.

Prints the throughput of both, their ratio (target >= 0.8) and the collecting process's peak
memory growth (target < 64 MiB). Run: ``python -m bench.collect [--bytes N]``.
"""

import argparse
import os
import resource
import shutil
import time
import uuid

import httpx

from sandbox.testing import SandboxProcess

from .setup import configure, demo_key

MiB = 1024**2


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def plain_download(url: str, headers: dict, path, size: int) -> float:
    os.sync()  # start every measurement with no dirty pages from the previous one
    started = time.perf_counter()
    received = 0
    with open(path, "wb") as sink, httpx.stream("GET", url, headers=headers) as response:
        for chunk in response.iter_raw():
            received += len(chunk)
            sink.write(chunk)
    assert received == size, received
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bytes", type=int, default=1024**3)
    size = parser.parse_args().bytes
    with SandboxProcess("--job-seconds", "0.5", "--quiet") as sandbox:
        workdir = configure(sandbox, MARKETOS_MAX_CLIP_BYTES=str(2 * size))
        from providers.base import JobSpec
        from videos import lifecycle
        from videos.models import VideoJob

        user, key = demo_key()
        spec = JobSpec(model="google/veo-3.1", prompt=f"[sandbox:huge={size}] bench", duration=8)
        job, _ = lifecycle.start_job(user, key, spec, uuid.uuid4().hex)
        lifecycle.submit(job.pk)
        job.refresh_from_db()
        while job.status == VideoJob.Status.WAITING:
            time.sleep(0.3)
            lifecycle.poll(job.pk, job.poll_generation)
            job.refresh_from_db()
        clip = job.clips.get()
        url = f"{sandbox.openrouter_base_url}/videos/{job.provider_job_id}/content?index=0"

        headers = {"Authorization": f"Bearer {key.reveal()}"}
        # Baselines: the same bytes streamed by plain httpx to /dev/null (the network alone) and
        # to a file on the media disk (network and disk, nothing else).
        baseline = plain_download(url, headers, os.devnull, size)
        on_disk = workdir / "plain.bin"
        disk_baseline = plain_download(url, headers, on_disk, size)
        on_disk.unlink()

        os.sync()
        before = peak_rss()
        started = time.perf_counter()
        lifecycle.collect(clip.pk)
        collect = time.perf_counter() - started
        growth = peak_rss() - before
        clip.refresh_from_db()
        assert clip.status == "ready", clip.error
        assert clip.size == size

        print(f"cores: {os.cpu_count()}")
        print(f"clip: {size / MiB:,.0f} MiB, sha256 {clip.sha256[:16]}…")
        for label, seconds in [
            ("plain httpx to /dev/null", baseline),
            ("plain httpx to a file", disk_baseline),
            ("collect_clip to storage", collect),
        ]:
            print(f"{label + ':':26} {seconds:6.2f} s  {size / MiB / seconds:8.1f} MiB/s")
        print(f"throughput ratio to /dev/null: {baseline / collect:.2f} (target >= 0.8)")
        print(f"throughput ratio to a plain file on the same disk: {disk_baseline / collect:.2f}")
        print(f"peak memory growth while collecting: {growth / MiB:.1f} MiB (target < 64 MiB)")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
