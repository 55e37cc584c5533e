"""Framing and plain-data encoding between the trusted grader and the grading worker.

A message is one *value* (see below) sent as::

    8 bytes   magic b"DLGW" + 4-byte big-endian header length H
    8 bytes   big-endian payload length P
    H bytes   UTF-8 JSON header: the value, with every array replaced by {"$nd": i}
    P bytes   an uncompressed ``.npz`` (``np.savez``) holding the arrays ``a0, a1, ...`` (P = 0: none)

Values allowed: ``None``, ``bool``, ``int``, ``float`` (nan and infinities included), ``str``,
``np.ndarray`` of a numeric or bool dtype (exact type, no subclasses), NumPy scalars of those dtypes
(sent as 0-d arrays, received as NumPy scalars), ``list``, ``tuple`` (kept a tuple) and ``dict`` with
``str`` or ``int`` keys. Anything else raises ``EncodeError`` naming the type. The same array object
met twice in one message arrives as one object twice (a backward cache that holds ``x`` still aliases
the argument ``x``).

Arrays travel only through ``np.save``/``np.load`` with ``allow_pickle=False``. The decoder is strict:
unknown tags, wrong shapes of the JSON tree, compressed or oversized archive members, object dtypes and
messages over the size cap raise ``DecodeError``; nothing is ever unpickled.

This module imports only the standard library and NumPy: the worker loads it by file path.
"""

from __future__ import annotations

import io
import json
import math
import os
import select
import struct
import time
import zipfile

import numpy as np

MAGIC = b"DLGW"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
MAX_ITEMS = 1_000_000
_ALLOWED_KINDS = "biufc"
_PREFIX = struct.Struct(">4sIQ")


class WireError(Exception):
    """A message could not be encoded, framed or decoded."""


class EncodeError(WireError):
    """A value is not plain data (its type is named in the message)."""


class DecodeError(WireError):
    """A received message is malformed."""


class ChannelClosed(WireError):
    """The other side closed its end (the worker died or exited)."""


class ChannelTimeout(WireError):
    """No complete message arrived before the deadline."""


# --------------------------------------------------------------------------- encoding
def type_name(value) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "")
    name = getattr(cls, "__qualname__", cls.__name__)
    return name if module in ("builtins", "__main__", None, "") else f"{module}.{name}"


def _check_dtype(dtype, what="array") -> None:
    if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None or dtype.hasobject or dtype.subdtype is not None:
        raise EncodeError(f"an {what} of dtype {dtype} cannot be graded (only numeric and bool arrays can)")


class _Encoder:
    def __init__(self, max_bytes: int):
        self.arrays: list[np.ndarray] = []
        self.seen: dict[int, int] = {}
        self.keep = []  # keeps ids stable while encoding
        self.items = 0
        self.nbytes = 0
        self.max_bytes = max_bytes

    def array(self, value: np.ndarray):
        key = id(value)
        if key in self.seen:
            return {"$nd": self.seen[key]}
        _check_dtype(value.dtype)
        self.nbytes += value.nbytes
        if self.nbytes > self.max_bytes:
            raise EncodeError(f"the arrays add up to more than {self.max_bytes // (1024 * 1024)} MB")
        index = len(self.arrays)
        self.arrays.append(value)
        self.keep.append(value)
        self.seen[key] = index
        return {"$nd": index}

    def __call__(self, value, depth=0):
        self.items += 1
        if self.items > MAX_ITEMS:
            raise EncodeError(f"the value has more than {MAX_ITEMS} parts")
        if depth > MAX_DEPTH:
            raise EncodeError(f"the value is nested more than {MAX_DEPTH} levels deep")
        cls = type(value)
        if value is None or cls is bool or cls is str:
            return value
        if cls is int:
            return value if -(2 ** 63) <= value < 2 ** 63 else {"$int": str(value)}
        if cls is float:
            return value if math.isfinite(value) else {"$float": repr(value)}
        if cls is np.ndarray:
            return self.array(value)
        if isinstance(value, np.generic) and cls.__module__ == "numpy":
            _check_dtype(value.dtype, "number")
            return {"$np": self.array(np.array(value))["$nd"]}
        if cls is list:
            return [self(v, depth + 1) for v in value]
        if cls is tuple:
            return {"$tuple": [self(v, depth + 1) for v in value]}
        if cls is dict:
            pairs = []
            for k, v in value.items():
                if type(k) is not str and type(k) is not int:
                    raise EncodeError(f"a dict key of type {type_name(k)} cannot be graded (only str and int keys can)")
                pairs.append([self(k, depth + 1), self(v, depth + 1)])
            return {"$dict": pairs}
        raise EncodeError(f"an object of type {type_name(value)} cannot be graded")


def encode(value, max_bytes: int = MAX_MESSAGE_BYTES) -> bytes:
    """The framed bytes of ``value`` (raises ``EncodeError`` for what is not plain data)."""
    encoder = _Encoder(max_bytes)
    tree = encoder(value)
    try:
        header = json.dumps(tree, allow_nan=False, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except (ValueError, UnicodeEncodeError) as exc:
        raise EncodeError(f"the value cannot be written as text: {exc}") from None
    payload = b""
    if encoder.arrays:
        buffer = io.BytesIO()
        np.savez(buffer, **{f"a{i}": a for i, a in enumerate(encoder.arrays)})
        payload = buffer.getvalue()
    if len(header) + len(payload) > max_bytes:
        raise EncodeError(f"the message is larger than {max_bytes // (1024 * 1024)} MB")
    return _PREFIX.pack(MAGIC, len(header), len(payload)) + header + payload


# --------------------------------------------------------------------------- decoding
def _load_arrays(payload: bytes, max_bytes: int) -> list:
    if not payload:
        return []
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DecodeError(f"the array payload is not a valid archive: {exc}") from None
    total = 0
    names = {}
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED:
            raise DecodeError("the array payload has a compressed member")
        total += info.file_size
        if total > max_bytes:
            raise DecodeError("the array payload is larger than the size cap")
        if not (info.filename.startswith("a") and info.filename.endswith(".npy") and info.filename[1:-4].isdigit()):
            raise DecodeError(f"unexpected member {info.filename!r} in the array payload")
        names[int(info.filename[1:-4])] = info.filename
    if sorted(names) != list(range(len(names))):
        raise DecodeError("the array payload's members are not numbered 0, 1, ...")
    arrays = []
    for i in range(len(names)):
        try:
            with archive.open(names[i]) as member:
                data = member.read()
            array = np.load(io.BytesIO(data), allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - any malformed member
            raise DecodeError(f"array {i} cannot be read: {type(exc).__name__}: {exc}") from None
        if type(array) is not np.ndarray:
            raise DecodeError(f"array {i} is not an array")
        try:
            _check_dtype(array.dtype)
        except EncodeError as exc:
            raise DecodeError(str(exc)) from None
        arrays.append(array)
    return arrays


class _Decoder:
    def __init__(self, arrays):
        self.arrays = arrays
        self.items = 0

    def array(self, index):
        if type(index) is not int or not 0 <= index < len(self.arrays):
            raise DecodeError(f"bad array reference {index!r}")
        return self.arrays[index]

    def __call__(self, tree, depth=0):
        self.items += 1
        if self.items > MAX_ITEMS or depth > MAX_DEPTH:
            raise DecodeError("the message is too large or too deeply nested")
        cls = type(tree)
        if tree is None or cls in (bool, int, float, str):
            return tree
        if cls is list:
            return [self(v, depth + 1) for v in tree]
        if cls is not dict or len(tree) != 1:
            raise DecodeError(f"unexpected element of type {cls.__name__} in the message")
        (tag, body), = tree.items()
        if tag == "$nd":
            return self.array(body)
        if tag == "$np":
            array = self.array(body)
            if array.ndim != 0:
                raise DecodeError("a number was sent as an array with dimensions")
            return array[()]
        if tag == "$tuple" and type(body) is list:
            return tuple(self(v, depth + 1) for v in body)
        if tag == "$dict" and type(body) is list:
            out = {}
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    raise DecodeError("malformed dict entry")
                key = self(pair[0], depth + 1)
                if type(key) is not str and type(key) is not int:
                    raise DecodeError("malformed dict key")
                out[key] = self(pair[1], depth + 1)
            return out
        if tag == "$float" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "$int" and type(body) is str and body.lstrip("-").isdigit() and len(body) < 5000:
            return int(body)
        raise DecodeError(f"unknown element {tag!r} in the message")


def decode(data: bytes, max_bytes: int = MAX_MESSAGE_BYTES):
    """The value framed in ``data`` (as made by ``encode``); raises ``DecodeError``."""
    if len(data) < _PREFIX.size:
        raise DecodeError("the message is shorter than its prefix")
    magic, header_length, payload_length = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise DecodeError("the message does not start with the protocol's magic bytes")
    if header_length + payload_length > max_bytes:
        raise DecodeError("the message is larger than the size cap")
    if len(data) != _PREFIX.size + header_length + payload_length:
        raise DecodeError("the message's length does not match its prefix")
    header = data[_PREFIX.size:_PREFIX.size + header_length]
    payload = data[_PREFIX.size + header_length:]

    def no_constants(name):
        raise DecodeError(f"non-standard JSON constant {name}")

    try:
        tree = json.loads(header.decode("utf-8"), parse_constant=no_constants)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise DecodeError(f"the message header is not valid JSON: {type(exc).__name__}") from None
    return _Decoder(_load_arrays(payload, max_bytes))(tree)


# --------------------------------------------------------------------------- file descriptors
def write_message(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write framed bytes to ``fd`` (blocking, or until ``deadline`` on time.monotonic)."""
    view = memoryview(data)
    while view:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeout("the other side did not read the message in time")
            _, ready, _ = select.select([], [fd], [], left)
            if not ready:
                continue
        try:
            n = os.write(fd, view[: 1 << 20])
        except BrokenPipeError:
            raise ChannelClosed("the other side closed the channel") from None
        view = view[n:]


def _read_exactly(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelTimeout("no answer before the time limit")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_message(fd: int, deadline: float | None = None, max_bytes: int = MAX_MESSAGE_BYTES) -> bytes:
    """Read one framed message from ``fd``; raises ChannelTimeout, ChannelClosed or DecodeError."""
    prefix = _read_exactly(fd, _PREFIX.size, deadline)
    magic, header_length, payload_length = _PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise DecodeError("the message does not start with the protocol's magic bytes")
    if header_length + payload_length > max_bytes:
        raise DecodeError(f"a message of {header_length + payload_length} bytes is over the cap of {max_bytes}")
    return prefix + _read_exactly(fd, header_length + payload_length, deadline)


def send(fd: int, value, deadline: float | None = None, max_bytes: int = MAX_MESSAGE_BYTES) -> None:
    write_message(fd, encode(value, max_bytes), deadline)


def receive(fd: int, deadline: float | None = None, max_bytes: int = MAX_MESSAGE_BYTES):
    return decode(read_message(fd, deadline, max_bytes), max_bytes)
