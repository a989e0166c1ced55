"""The "utf-8-mixed" text codec: UTF-8 where the bytes are valid UTF-8, Windows-1252 byte by byte elsewhere.

Files that were appended to by two tools (or copied row by row between Excel and a web export) hold UTF-8
and Windows-1252 bytes in one file. Reading all of it as Windows-1252 turns every UTF-8 "é" into "Ã©"; this
codec reads both halves correctly. Private helper of :mod:`socialdash.services.ingest_text`.
"""

from __future__ import annotations

import codecs
import re

NAME = "utf-8-mixed"
ERRORS = "socialdash.cp1252"
# a complete UTF-8 sequence for a character above U+007F (2, 3 or 4 bytes)
_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _cp1252(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end


def _decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
    return codecs.utf_8_decode(data, ERRORS, True)


class _IncrementalDecoder(codecs.BufferedIncrementalDecoder):
    def _buffer_decode(self, data, errors, final):  # type: ignore[override]
        return codecs.utf_8_decode(data, ERRORS, final)


def _search(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_") != NAME.replace("-", "_"):
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(
        name=NAME,
        encode=utf8.encode,
        decode=_decode,
        incrementalencoder=utf8.incrementalencoder,
        incrementaldecoder=_IncrementalDecoder,
        streamreader=utf8.streamreader,
        streamwriter=utf8.streamwriter,
    )


codecs.register_error(ERRORS, _cp1252)
codecs.register(_search)


def looks_mixed(data: bytes) -> bool:
    """True when bytes that are not valid UTF-8 also hold many valid UTF-8 characters (two encodings).

    Plain Windows-1252 text only rarely forms a valid UTF-8 sequence (an upper-case accented letter followed
    by a curly quote, say), so it needs at least 3 of them and a quarter as many as the other non-ASCII bytes.
    """
    valid = len(_MULTIBYTE.findall(data))
    if valid < 3:
        return False
    stray = len(_NON_ASCII.findall(_MULTIBYTE.sub(b"", data)))
    return stray > 0 and valid * 4 >= stray
