"""Inputs in another encoding than UTF-8: decoded as they stream, re-encoded to UTF-8.

The tokenizer works on UTF-8 bytes. ``RecodedReader`` wraps a binary file object in
a declared encoding (``--encoding latin-1``) and gives the same text as UTF-8 bytes,
block by block, with an incremental decoder, so a character split across two reads
is decoded whole. Bytes that are not valid in the declared encoding become U+FFFD
and are counted.
"""

import codecs

from ..errors import UsageError

DEFAULT_ENCODING = "utf-8"
REPLACEMENT = "\ufffd"


def normalize_encoding(name, option="--encoding"):
    """The codec's canonical name, None for UTF-8 (the default path); a usage error for
    a name Python does not know or a codec that does not decode bytes to text."""
    if name is None:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, TypeError):
        raise UsageError(f"{option}: unknown encoding '{name}'. Use a Python codec name such "
                         "as utf-8, latin-1, cp1252 or utf-16.") from None
    if not getattr(info, "_is_text_encoding", True):
        raise UsageError(f"{option}: '{name}' is not a text encoding. Use a Python codec name "
                         "such as utf-8, latin-1, cp1252 or utf-16.")
    return None if info.name == DEFAULT_ENCODING else info.name


class RecodedReader:
    """``read(size)`` of a binary handle in ``encoding``, returned as UTF-8 bytes.

    A read returns about ``size`` input bytes' worth of text (more bytes once
    re-encoded when characters widen); ``b""`` only at the end of the input.
    ``replaced`` counts the input sequences that were not valid in ``encoding``.
    """

    def __init__(self, handle, encoding):
        self._handle = handle
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self.replaced = 0

    def read(self, size=-1):
        while True:
            raw = self._handle.read(size)
            final = not raw
            text = self._decoder.decode(raw, final=final)
            if text or final:
                self.replaced += text.count(REPLACEMENT)
                return text.encode(DEFAULT_ENCODING)
