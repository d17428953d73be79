"""Invisible characters in what people type.

- Direction marks and zero-width characters (LRM, RLM, ALM, ZWSP, ZWNJ, ZWJ, word joiner, BOM)
  often ride along when text is pasted from a document; they are invisible and change nothing
  a reader should see, so they are removed.
- Direction overrides, embeddings and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI)
  reorder how the text around them is displayed: "ABC<RLO>fdp.exe" shows as "ABCexe.pdf". A
  field that contains one is refused with a sentence that says why.
"""

import re

STRIPPED = "\u200b\u200c\u200d\u200e\u200f\u061c\u2060\ufeff"
REORDERING = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_STRIPPED = re.compile(f"[{STRIPPED}]")
_REORDERING = re.compile(f"[{REORDERING}]")


def strip_invisible(text: str) -> str:
    """`text` without direction marks and zero-width characters."""
    return _STRIPPED.sub("", text)


def has_reordering(text: str) -> bool:
    """True when `text` holds a character that reorders how text is displayed."""
    return bool(_REORDERING.search(text))
