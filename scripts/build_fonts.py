"""Subset IBM Plex Sans Arabic (OFL) to WOFF2 for the web: Arabic, Latin, digits, punctuation.

Run once when the font package changes: .venv/bin/python scripts/build_fonts.py
The output is committed under src/rukhsa/static/fonts/ so nothing is fetched at run time.
"""

from pathlib import Path

import fontpkg_ibm_plex_sans_arabic
from fontTools import subset

SOURCE = Path(fontpkg_ibm_plex_sans_arabic.__file__).parent / "files"
TARGET = Path(__file__).resolve().parent.parent / "src" / "rukhsa" / "static" / "fonts"
UNICODES = (
    "U+0020-007E,U+00A0-00FF,U+0600-06FF,U+0750-077F,U+08A0-08FF,U+FB50-FDFF,U+FE70-FEFF,"
    "U+200C-200F,U+2010-2027,U+2030-205E,U+20AC,U+20C1,U+2212,U+2022"
)


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for weight in ("Regular", "SemiBold"):
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        font = subset.load_font(str(SOURCE / f"IBMPlexSansArabic-{weight}.ttf"), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
        subsetter.subset(font)
        out = TARGET / f"IBMPlexSansArabic-{weight}.woff2"
        subset.save_font(font, str(out), options)
        print(out, out.stat().st_size)
    (TARGET / "LICENSE-IBMPlexSansArabic.txt").write_text((SOURCE.parent / "LICENSE").read_text())


if __name__ == "__main__":
    main()
