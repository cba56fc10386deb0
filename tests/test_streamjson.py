"""The streaming JSON reader gives what json.loads gives, with base64 strings on disk."""

import base64
import json
import random

import pytest

from providers.streamjson import Parser, Spooled, StreamError, parse


def pieces(data: bytes, seed: int):
    rng = random.Random(seed)
    i = 0
    while i < len(data):
        step = rng.choice([1, 2, 3, 7, 64, 4096])
        yield data[i : i + step]
        i += step


def plain(value):
    """The document with every Spooled replaced by its bytes."""
    if isinstance(value, Spooled):
        return value.file.read()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


VIDEO = bytes(range(256)) * 40 + b"end"
DOCUMENTS = [
    {"a": 1, "b": [True, False, None, -1.5e3, 'x\\"y\u00e9\n\ud83d\ude00'], "c": {}},
    [],
    {"nested": [[[{"k": []}]]], "empty": "", "unicode": "caf\u00e9 \u2603"},
    {
        "steps": [
            {"type": "user_input", "content": [{"type": "image", "data": "AAEC"}]},
            {
                "content": [{"data": "VIDEO", "mime_type": "video/mp4", "type": "video"}],
                "type": "model_output",
            },
        ],
        "text": "a long thought " * 500,
    },
]


@pytest.mark.parametrize("index", range(len(DOCUMENTS)))
@pytest.mark.parametrize("seed", range(5))
def test_it_reads_what_json_reads(index, seed):
    document = json.loads(
        json.dumps(DOCUMENTS[index]).replace(
            '"VIDEO"', json.dumps(base64.b64encode(VIDEO).decode())
        )
    )
    raw = json.dumps(document, indent=seed % 2 or None, ensure_ascii=seed % 3 == 0).encode()
    value, spooled = parse(pieces(raw, seed))
    expected = json.loads(raw)
    got = plain(value)

    def decode_data(node):
        if isinstance(node, dict):
            return {
                k: base64.b64decode(v) if k == "data" else decode_data(v) for k, v in node.items()
            }
        if isinstance(node, list):
            return [decode_data(v) for v in node]
        return node

    decoded = decode_data(expected)
    assert got == decoded
    assert sum(s.size for s in spooled) == sum(len(v) for v in _bytes_values(decoded))


def test_escaped_slashes_and_missing_padding_are_decoded():
    payload = base64.b64encode(b"\xff\xfe\xfd\xfc\xfb").decode().rstrip("=")
    raw = json.dumps({"data": payload}).replace("/", "\\/").encode()
    value, _ = parse(pieces(raw, 1))
    assert value["data"].file.read() == b"\xff\xfe\xfd\xfc\xfb" and value["data"].size == 5


def test_only_counting_keeps_nothing_on_disk():
    raw = json.dumps({"data": base64.b64encode(VIDEO).decode()}).encode()
    value, _ = parse([raw], keep=False)
    assert value["data"].file is None and value["data"].size == len(VIDEO)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1',  # cut off
        b'{"data": "QUJD',  # cut off inside a video
        b'{"a": 1,}',
        b"[1 2]",
        b'{"a" 1}',
        b'{"a": 1}}',
        b'{"data": "QQ=Q"}',
        b'{"data": "Q"}',  # one dangling character cannot be base64
        b'{"a": tru}',
        b"",
    ],
)
def test_anything_else_is_refused(raw):
    with pytest.raises(StreamError):
        parse(pieces(raw, 3))


def test_the_decoded_size_is_capped():
    raw = json.dumps({"data": base64.b64encode(VIDEO).decode()}).encode()
    with pytest.raises(OverflowError):
        parse([raw], limit=1000)


def test_spooled_files_are_closed_after_an_error():
    parser = Parser()
    parser.feed(b'{"x": {"data": "QUJD"}, "y": [1,')
    (spooled,) = parser.spooled
    with pytest.raises(StreamError):
        parser.result()
    parser.discard()
    assert spooled.file.closed


def _bytes_values(node):
    if isinstance(node, bytes):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _bytes_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _bytes_values(value)


class FakeReply:
    url = "https://generativelanguage.googleapis.com/v1beta/interactions/v1_x"

    def __init__(self, raw: bytes, seed: int):
        self.raw, self.seed = raw, seed

    def iter_bytes(self):
        yield from pieces(self.raw, self.seed)


@pytest.mark.parametrize("seed", range(4))
def test_the_inline_video_is_the_last_of_the_model_output(seed):
    """Key order, input images and earlier steps do not fool it; its bytes come out whole."""
    from providers.gemini import InlineVideo

    def b64(data):
        return base64.b64encode(data).decode()

    reply = {
        "id": "v1_x",
        "status": "completed",
        "steps": [
            {"content": [{"data": b64(b"input image"), "type": "image"}], "type": "user_input"},
            {"type": "thought", "content": [{"type": "text", "text": "x" * 5000}]},
            {
                "content": [
                    {"data": b64(b"draft video"), "type": "video"},
                    {"data": b64(VIDEO).rstrip("="), "mime_type": "video/mp4", "type": "video"},
                ],
                "type": "model_output",
            },
        ],
    }
    raw = json.dumps(reply).replace("/", "\\/").encode()
    chunks = list(InlineVideo(FakeReply(raw, seed)).iter_bytes(1000))
    assert b"".join(chunks) == VIDEO
    assert b"" in chunks  # progress while the reply streams in, for the caller's heartbeat


def test_a_completed_reply_without_a_video_is_gone():
    from providers.base import OutputGone
    from providers.gemini import InlineVideo

    raw = json.dumps({"status": "completed", "steps": [{"type": "model_output", "content": []}]})
    with pytest.raises(OutputGone):
        list(InlineVideo(FakeReply(raw.encode(), 0)).iter_bytes())
