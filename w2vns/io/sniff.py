"""Looking at the start of an input before it is read: byte order marks, and input that
is not text.

The first ``SNIFF_BYTES`` of an input (decompressed) decide how it is read (``judge``):

* a byte order mark chooses the encoding. UTF-8's (EF BB BF) is skipped; UTF-16 and
  UTF-32 inputs (little or big endian) are decoded and re-encoded to UTF-8, as with
  ``--encoding`` (``recode``). UTF-32-LE's mark starts with UTF-16-LE's, so UTF-32 is
  tried first. A UTF-16 or UTF-32 mark counts only when the text it decodes holds
  whitespace: the bytes FF FE also start Latin-1 text and binary files, which read as
  UTF-16 would be one endless token. A mark that contradicts a declared ``--encoding``
  is a usage error.
* input that does not look like text is refused, unless the user insists
  (``binary_ok``): more than ``CONTROL_LIMIT`` of what was sniffed are control
  characters (NUL among them), or, when no encoding was declared, more than
  ``INVALID_LIMIT`` of it is not valid in the input's encoding (UTF-8, or the byte order
  mark's).

The bounds were measured over the first MiB of each kind of input (the figures are at
the constants).
"""

import codecs
from dataclasses import dataclass
from typing import NamedTuple, Optional

from ..errors import CorpusError, UsageError
from .recode import REPLACEMENT, normalize_encoding

SNIFF_BYTES = 1 << 20  # the decompressed start of each input that is looked at
# Control characters per byte (per character once decoded). Text: 0 in each of the first 8
# MiB of text8_like, in the synthetic corpus and in Latin-1, cp1252, Cyrillic and CJK
# text; at most 0.0011% in any of 19,855 text files of a Linux system (documentation, man
# pages, Python sources). Not text: 8.7% in float32 data; 10.4% to 12% in random bytes,
# gzip data, PNG and PDF files; 20% to 87% in shared libraries, .pyc and .mo files and
# executables; 56% in int32 arrays.
CONTROL_LIMIT = 0.01
# Invalid sequences per byte. Text in UTF-8: 0 in text8_like, at most 0.012% in the 19,855
# files. Latin-script text in 8-bit encodings, still read as UTF-8 with its accented
# letters replaced: 2.9% (a Latin-1 byte in every fifth word), 7% (German), 23% (the
# Latin-1 mix of tests/test_hostile.py), 33% (Czech, cp1250), 35% (French with curly
# quotes, cp1252). Random bytes and compressed data: 41%, so no bound on this alone
# separates them from Latin-1 text with a margin; their control characters refuse them.
# Text in other scripts' 8-bit and CJK encodings, which UTF-8 reading turns into runs of
# U+FFFD: 43% (Shift-JIS), 58% (EUC-KR), 64% (GBK), 75% to 84% (KOI8-R, cp1251,
# ISO-8859-7). Above this bound an input is mostly not valid UTF-8: text that --encoding
# should name.
INVALID_LIMIT = 0.5
# NUL, the other C0 controls but the whitespace the tokenizer splits at, and DEL.
CONTROL_CHARS = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\v\f\r") + "\x7f"
_CONTROL_BYTES = CONTROL_CHARS.encode("ascii")
_DELETE_CONTROLS = dict.fromkeys(map(ord, CONTROL_CHARS))
_WHITESPACE = " \t\n\v\f\r"
_REPLACEMENT_UTF8 = REPLACEMENT.encode("utf-8")


class Bom(NamedTuple):
    """A byte order mark: its bytes, its name, the codec that decodes the input (and
    consumes the mark; None: UTF-8, the mark is skipped), and the ``--encoding`` codecs
    that agree with it."""

    mark: bytes
    label: str
    codec: Optional[str]
    agrees: frozenset


BOMS = (  # UTF-32-LE before UTF-16-LE: its mark starts with UTF-16-LE's
    Bom(b"\xff\xfe\x00\x00", "UTF-32-LE", "utf-32", frozenset({"utf-32", "utf-32-le"})),
    Bom(b"\x00\x00\xfe\xff", "UTF-32-BE", "utf-32", frozenset({"utf-32", "utf-32-be"})),
    Bom(b"\xef\xbb\xbf", "UTF-8", None, frozenset({"utf-8", "utf-8-sig"})),
    Bom(b"\xff\xfe", "UTF-16-LE", "utf-16", frozenset({"utf-16", "utf-16-le"})),
    Bom(b"\xfe\xff", "UTF-16-BE", "utf-16", frozenset({"utf-16", "utf-16-be"})),
)


@dataclass(frozen=True)
class Reading:
    """How one input is read."""

    encoding: Optional[str] = None  # decoded from this codec, re-encoded to UTF-8; None: as is
    skip: int = 0  # bytes skipped at its start (a UTF-8 byte order mark)
    bom: Optional[str] = None  # the byte order mark that chose this, e.g. "UTF-16-LE"


def judge(name, head, complete, declared=None, binary_ok=False):
    """The Reading of input ``name``, whose first bytes are ``head`` (all of it when
    ``complete``). ``declared``: --encoding as given. A UsageError when a byte order mark
    contradicts it; a CorpusError when the input does not look like text, unless
    ``binary_ok``."""
    bom = byte_order_mark(head, complete)
    if bom is None:
        reading = Reading(normalize_encoding(declared))
    else:
        _check_agrees(name, bom, declared)
        reading = Reading(bom.codec, 0 if bom.codec else len(bom.mark), bom.label)
    if not binary_ok:
        _check_text(name, head, complete, reading, declared)
    return reading


def byte_order_mark(head, complete=True):
    """The Bom ``head`` starts with, or None (see the module's description)."""
    for bom in BOMS:
        if head.startswith(bom.mark) and (
                bom.codec is None
                or any(c in _decoded(head, bom.codec, complete) for c in _WHITESPACE)):
            return bom
    return None


def _decoded(head, codec, complete):
    """``head`` decoded (invalid sequences replaced), without a character cut at its end."""
    return codecs.getincrementaldecoder(codec)(errors="replace").decode(head, final=complete)


def _check_agrees(name, bom, declared):
    if declared is None or codecs.lookup(declared).name in bom.agrees:
        return
    family = bom.codec.upper() if bom.codec else bom.label
    raise UsageError(f"--encoding {declared} contradicts corpus '{name}', which starts with "
                     f"a {bom.label} byte order mark. Drop --encoding to read it as {family}.")


def _check_text(name, head, complete, reading, declared):
    """A CorpusError when the sniffed start of the input is not mostly text."""
    if reading.encoding is None:
        raw = head[reading.skip:]
        size, unit = len(raw), "bytes"
        controls = size - len(raw.translate(None, _CONTROL_BYTES))
        text, used = codecs.utf_8_decode(raw, "replace", complete)
        invalid = text.count(REPLACEMENT) - raw[:used].count(_REPLACEMENT_UTF8)
    else:
        text = _decoded(head, reading.encoding, complete)
        size, unit = len(text), "characters"
        controls = size - len(text.translate(_DELETE_CONTROLS))
        invalid = text.count(REPLACEMENT)
    if not size:
        return
    if controls > CONTROL_LIMIT * size:
        raise _not_text(name, controls / size, size, unit, "NUL or other control characters",
                        declared)
    if declared is None and invalid > INVALID_LIMIT * size:
        valid = f"valid {reading.bom or 'UTF-8'}"
        raise _not_text(name, invalid / size, size, unit, f"not {valid}", declared)


def _not_text(name, share, size, unit, what, declared):
    advice = ("Check --encoding, or pass" if declared is not None else
              "Pass --encoding NAME if it is text in another encoding, or")
    return CorpusError(f"corpus '{name}' does not look like text: {share:.1%} of its first "
                       f"{size:,} {unit} are {what}. {advice} --binary-ok to read it anyway.")
