"""Reframed, platform-ready exports of stored clips.

``render`` decodes the original a packet at a time (never the whole clip in memory), scales and
centre-crops it, or fits it whole inside black bars (``formats.fits_by_cropping`` decides), and
encodes H.264 High, yuv420p, capped at the format's bitrate, with the sound re-encoded to AAC,
into a partial file named for the claim that writes it (``claims``), with
``movflags=+faststart`` (moov before mdat: it plays while it downloads), which then moves into
storage. The original is never touched.
"""

import hashlib
import os
from fractions import Fraction
from pathlib import Path

import av
from django.core.files.storage import default_storage

from .. import formats
from . import limits
from .claims import new_partial
from .ingest import CHUNK, _MovableFile

SUFFIX = ".render.mp4"
AUDIO_BITRATE = 128_000


class RenderFailed(Exception):
    """The original cannot be made into an export (no video in it, undecodable)."""


def _filters(source_width, source_height, ad_format, width, height) -> list[tuple[str, str]]:
    if fits_crop := formats.fits_by_cropping(source_width, source_height, ad_format):
        scale = f"{width}:{height}:force_original_aspect_ratio=increase"
    else:
        scale = f"{width}:{height}:force_original_aspect_ratio=decrease"
    fit = (
        ("crop", f"{width}:{height}")
        if fits_crop
        else ("pad", f"{width}:{height}:(ow-iw)/2:(oh-ih)/2:black")
    )
    return [("scale", scale), fit, ("setsar", "1"), ("format", "yuv420p")]


def _graph(stream, filters):
    graph = av.filter.Graph()
    node = graph.add_buffer(template=stream)
    for name, args in filters:
        following = graph.add(name, args)
        node.link_to(following)
        node = following
    node.link_to(graph.add("buffersink"))
    graph.configure()
    return graph


def _pulled(graph):
    while True:
        try:
            yield graph.pull()
        except (av.BlockingIOError, av.EOFError):
            return


def render(source_name: str, ad_format, *, stem: str, partial_prefix: str, heartbeat=None) -> dict:
    """Render ``source_name`` (a stored clip) as ``ad_format``; store it as ``<stem>.mp4``.

    Returns the Rendition fields to record. The partial file's name starts with
    ``partial_prefix`` (the claim's). ``heartbeat`` (a ``claims.Heartbeat``), called with the
    bytes written so far at every packet, keeps the caller's lease and stops the render
    (LeaseLost, OverBudget). Raises RenderFailed.
    """
    tmp_name = new_partial(partial_prefix, SUFFIX)
    try:
        width, height = _encode(source_name, ad_format, tmp_name, heartbeat)
        digest, size = hashlib.sha256(), 0
        with open(tmp_name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        if heartbeat:
            heartbeat(size)  # the finished file is within the size budget too
        name = f"{stem}.mp4"
        default_storage.delete(name)  # a retry after a crash must not leave a renamed twin
        with open(tmp_name, "rb") as handle:
            stored = default_storage.save(name, _MovableFile(handle, name=tmp_name))
        return {
            "file": stored,
            "size": size,
            "sha256": digest.hexdigest(),
            "width": width,
            "height": height,
        }
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _encode(source_name, ad_format, destination, heartbeat) -> tuple[int, int]:
    try:
        with (
            default_storage.open(source_name, "rb") as handle,
            limits.opened(handle, "The original is", RenderFailed) as source,
            av.open(destination, "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            if not source.streams.video:
                raise RenderFailed("The original has no video in it.")
            video_in = source.streams.video[0]
            audio_in = source.streams.audio[0] if source.streams.audio else None
            source_width, source_height = (
                video_in.codec_context.width,
                video_in.codec_context.height,
            )
            width, height = ad_format.size_for(source_width, source_height)
            rate = video_in.average_rate or video_in.guessed_rate or Fraction(24)
            video_out = out.add_stream("libx264", rate=rate)
            video_out.width, video_out.height, video_out.pix_fmt = width, height, "yuv420p"
            video_out.codec_context.time_base = video_in.time_base
            cap = ad_format.max_bitrate
            video_out.bit_rate = cap
            video_out.options = {
                "profile": "high",
                "preset": "veryfast",
                "crf": "21",
                "maxrate": str(cap),
                "bufsize": str(cap),
            }
            audio_out = None
            if audio_in is not None:
                audio_out = out.add_stream("aac", rate=audio_in.rate or 48_000)
                audio_out.bit_rate = AUDIO_BITRATE
            graph = _graph(
                video_in, _filters(source_width, source_height, ad_format, width, height)
            )
            streams = [video_in] + ([audio_in] if audio_in is not None else [])
            for packet in source.demux(*streams):
                for frame in packet.decode():
                    if packet.stream is video_in:
                        graph.push(frame)
                        for scaled in _pulled(graph):
                            out.mux(video_out.encode(scaled))
                    else:
                        frame.pts = None  # the encoder counts samples itself
                        out.mux(audio_out.encode(frame))
                if heartbeat:
                    heartbeat(os.path.getsize(destination))
            graph.push(None)
            for scaled in _pulled(graph):
                out.mux(video_out.encode(scaled))
            out.mux(video_out.encode(None))
            if audio_out is not None:
                out.mux(audio_out.encode(None))
            return width, height
    except av.FFmpegError as exc:
        raise RenderFailed(
            "The original could not be decoded: it is damaged, or has frames larger than this "
            f"server handles ({type(exc).__name__})."
        ) from None
