#!/usr/bin/env python3
"""How NotoSans-{Regular,Bold}.ttf were made: Noto Sans (Latin, Greek, Cyrillic) merged with
Noto Sans Devanagari (hinting removed), keeping Noto Sans's vertical metrics, so one bundled
family covers every locale. Slint falls back from a named family to the *system's* sans-serif,
so a second bundled family for Devanagari would only be found on hosts that happen to have it.

    pip install fonttools
    python3 merge-devanagari.py NotoSans-Regular.ttf NotoSansDevanagari-Regular.ttf out.ttf

Both inputs are from https://github.com/notofonts (OFL 1.1, see COPYRIGHT-noto.txt).
"""
import subprocess
import sys
import tempfile

from fontTools.merge import Merger, Options
from fontTools.ttLib import TTFont

latin, deva, out = sys.argv[1:4]
with tempfile.TemporaryDirectory() as tmp:
    plain = f"{tmp}/deva.ttf"
    subprocess.run(
        ["pyftsubset", deva, "--unicodes=*", "--glyphs=*", "--layout-features=*",
         "--no-hinting", "--notdef-outline", "--name-IDs=*", f"--output-file={plain}"],
        check=True,
    )
    merged = Merger(options=Options(drop_tables=["DSIG"])).merge([latin, plain])
original = TTFont(latin)
for table, fields in [
    ("hhea", ["ascent", "descent", "lineGap"]),
    ("OS/2", ["sTypoAscender", "sTypoDescender", "sTypoLineGap", "usWinAscent", "usWinDescent", "fsSelection"]),
]:
    for f in fields:
        setattr(merged[table], f, getattr(original[table], f))
merged.save(out)
