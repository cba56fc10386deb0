"""Read a JSON reply as it streams, with its big base64 strings decoded straight to disk.

Gemini's Interactions API puts a finished video inline, as base64 in a ``"data"`` string of the
job's JSON. ``parse`` builds the whole reply as Python objects, except that every ``"data"``
string is decoded while it streams into a temporary file and stands in the result as a
``Spooled`` (its path and size): memory holds the small parts of the reply only, never a clip.
"""

import base64
import binascii
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

WHITESPACE = b" \t\r\n"
SCALAR_END = b" \t\r\n,]}"


class StreamError(ValueError):
    """The reply is not the JSON it claims to be (or ends half-way)."""


@dataclass
class Spooled:
    """A base64 string of the reply, decoded into ``file`` (an open temporary file, or None
    when only its size was wanted)."""

    file: object = field(repr=False)
    size: int = 0

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


class _Base64Sink:
    def __init__(self, limit: int | None, keep: bool):
        # Outlives this call on purpose: the caller reads it, then closes it (Spooled.close).
        self.spooled = Spooled(tempfile.TemporaryFile() if keep else None)  # noqa: SIM115
        self.pending = b""
        self.carry = b""
        self.limit = limit

    def feed(self, text: bytes) -> None:
        # An escape ("\\/") may be split between two pieces of the reply.
        text, self.carry = self.carry + text, b""
        if text.endswith(b"\\"):
            text, self.carry = text[:-1], b"\\"
        if b"\\" in text:
            text = text.replace(b"\\/", b"/")
            if b"\\" in text:
                raise StreamError("unexpected escape inside base64 data")
        self.pending += text
        usable = len(self.pending) - len(self.pending) % 4
        if usable:
            self._write(self.pending[:usable])
            self.pending = self.pending[usable:]

    def finish(self) -> Spooled:
        if self.carry:
            raise StreamError("base64 data ends with a backslash")
        if self.pending:
            if len(self.pending) == 1:
                raise StreamError("base64 data ends with a dangling character")
            self._write(self.pending + b"=" * (-len(self.pending) % 4))
            self.pending = b""
        if self.spooled.file is not None:
            self.spooled.file.seek(0)
        return self.spooled

    def _write(self, text: bytes) -> None:
        try:
            data = base64.b64decode(text, validate=True)
        except binascii.Error:
            raise StreamError("data that is not base64") from None
        self.spooled.size += len(data)
        if self.limit is not None and self.spooled.size > self.limit:
            raise OverflowError(self.spooled.size)
        if self.spooled.file is not None:
            self.spooled.file.write(data)


def parse(chunks: Iterator[bytes], **options):
    """The JSON document in ``chunks`` and its spooled strings (see ``Parser``)."""
    parser = Parser(**options)
    try:
        for chunk in chunks:
            parser.feed(chunk)
        return parser.result()
    except BaseException:
        parser.discard()
        raise


class Parser:
    """A small incremental JSON parser (RFC 8259) that builds values as it goes.

    Strings under ``spool_key`` become ``Spooled``: decoded to a temporary file (or, with
    ``keep=False``, only counted); ``limit`` caps each one's decoded size (OverflowError).
    ``feed`` takes the reply piece by piece; ``result`` gives (document, spooled strings) and
    raises StreamError unless exactly one complete JSON value arrived. ``discard`` closes the
    spooled files after an error.
    """

    def __init__(self, *, spool_key: str = "data", limit: int | None = None, keep: bool = True):
        self.spool_key = spool_key
        self.limit = limit
        self.keep = keep
        self.stack: list = []  # containers being filled: dicts and lists
        self.keys: list = []  # for each dict on the stack, the key awaiting its value
        self.expect = "value"  # "value", "key", "colon", "comma"
        self.done = False
        self.value = None
        self.spooled: list[Spooled] = []
        # A token in progress: ("string", raw bytes), ("sink", _Base64Sink), ("scalar", raw).
        self.token: tuple | None = None
        self.escaped = False  # the previous chunk ended inside a string on a backslash

    # --- input ---------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        i, n = 0, len(data)
        while i < n:
            if self.token is not None:
                i = self._continue_token(data, i)
                continue
            byte = data[i : i + 1]
            if byte in WHITESPACE:
                i += 1
            elif self.done:
                raise StreamError("more data after the end of the document")
            elif byte == b'"':
                self._start_string()
                i += 1
            elif byte in b"{[":
                self._open(byte)
                i += 1
            elif byte in b"}]":
                self._close(byte)
                i += 1
            elif byte == b":":
                self._require("colon")
                self.expect = "value"
                i += 1
            elif byte == b",":
                self._require("comma")
                self.expect = "key" if isinstance(self.stack[-1], dict) else "value"
                i += 1
            else:
                self._require("value")
                self.token = ("scalar", b"")
        return None

    def _continue_token(self, data: bytes, i: int) -> int:
        kind, held = self.token
        if kind == "scalar":
            end = i
            while end < len(data) and data[end : end + 1] not in SCALAR_END:
                end += 1
            held += data[i:end]
            if end == len(data):
                self.token = (kind, held)
                return end
            self.token = None
            try:
                self._put(json.loads(held))
            except ValueError:
                raise StreamError(f"not a JSON value: {held[:20]!r}") from None
            return end
        # Inside a string: find its closing quote, minding backslash escapes.
        end = self._string_end(data, i)
        if end < 0:
            end = len(data)
        piece = data[i:end]
        if kind == "sink":
            held.feed(piece)
        else:
            held += piece
            self.token = (kind, held)
        if end == len(data):
            return end
        self.token = None
        if kind == "sink":
            spooled = held.finish()
            self.spooled.append(spooled)
            self._put(spooled)
        else:
            text = json.loads(b'"' + held + b'"')
            if self.expect == "key":
                self.keys[-1] = text
                self.expect = "colon"
            else:
                self._put(text)
        return end + 1

    def _string_end(self, data: bytes, i: int) -> int:
        """Where the current string closes in ``data`` (from ``i``), or -1 if not in it."""
        pos = i
        if self.escaped:  # the last chunk ended on a backslash: this byte is escaped
            self.escaped = False
            pos += 1
        while True:
            quote = data.find(b'"', pos)
            stop = len(data) if quote < 0 else quote
            run = 0
            while stop - run - 1 >= pos and data[stop - run - 1] == 0x5C:
                run += 1
            if quote < 0:
                self.escaped = run % 2 == 1
                return -1
            if run % 2 == 0:
                return quote
            pos = quote + 1

    # --- structure -----------------------------------------------------------------------

    def _require(self, what: str) -> None:
        if self.expect != what:
            raise StreamError(f"unexpected {what} (expected {self.expect})")

    def _start_string(self) -> None:
        if self.expect == "key":
            self.token = ("string", b"")
            return
        self._require("value")
        under = self.keys[-1] if self.stack and isinstance(self.stack[-1], dict) else None
        if under == self.spool_key:
            self.token = ("sink", _Base64Sink(self.limit, self.keep))
        else:
            self.token = ("string", b"")

    def _open(self, byte: bytes) -> None:
        self._require("value")
        container = {} if byte == b"{" else []
        self.stack.append(container)
        self.keys.append(None)
        self.expect = "key" if byte == b"{" else "value"

    def _close(self, byte: bytes) -> None:
        if not self.stack:
            raise StreamError("a closing bracket without an opening one")
        container = self.stack[-1]
        if isinstance(container, dict) != (byte == b"}"):
            raise StreamError("mismatched brackets")
        empty = not container
        if not (self.expect == "comma" or (empty and self.expect in ("key", "value"))):
            raise StreamError("a value is missing before the closing bracket")
        self.stack.pop()
        self.keys.pop()
        self._put(container)

    def _put(self, value) -> None:
        if not self.stack:
            self.value, self.done = value, True
            self.expect = "end"
            return
        container = self.stack[-1]
        if isinstance(container, dict):
            container[self.keys[-1]] = value
        else:
            container.append(value)
        self.expect = "comma"

    def result(self):
        if self.token and self.token[0] == "scalar" and not self.stack:
            self._continue_token(b" ", 0)  # a document that is a bare number or literal
        if not self.done or self.token is not None:
            raise StreamError("the reply ended before the document did")
        return self.value, self.spooled

    def discard(self) -> None:
        for spooled in self.spooled:
            spooled.close()
        if self.token and self.token[0] == "sink":
            self.token[1].spooled.close()
