#!/usr/bin/env python3
"""How Japanese and Arabic joined NotoSans-{Regular,Bold}.ttf (issue 20): the Devanagari-merged
Noto Sans (merge-devanagari.py) merged with Noto Sans Arabic and a subset of Noto Sans CJK JP,
keeping Noto Sans's vertical metrics, so one bundled family still covers every locale and no
output depends on the host's fonts.

The Japanese subset is what linkscreen draws plus what skill text needs: hiragana, katakana
(and the half-width forms), CJK punctuation, full-width forms and the 2,965 kanji of JIS X 0208
level 1 (read from Python's EUC-JP codec, rows 16-47), plus every character of
locales/ja.yml. CJK JP's cubic (CFF) outlines are converted to TrueType quadratics (cu2qu,
max error 1 unit of 1000) so the fonts can merge; hinting is dropped.

    pip install fonttools
    python3 merge-ja-ar.py NotoSans-Regular.ttf \\
        /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf \\
        /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ../../locales/ja.yml out.ttf

Debian: fonts-noto-core (Arabic), fonts-noto-cjk (CJK; font 0 of the collection is JP).
Sources: https://github.com/notofonts, https://github.com/notofonts/noto-cjk (OFL 1.1, see
COPYRIGHT-noto.txt).
"""
import subprocess
import sys
import tempfile

from fontTools.merge import Merger, Options
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable


def jis_level1():
    out = []
    for row in range(0xB0, 0xD0):
        for cell in range(0xA1, 0xFF):
            try:
                out.append(bytes([row, cell]).decode("euc_jp"))
            except UnicodeDecodeError:
                pass
    return out


def ja_unicodes(strings_file):
    cps = set()
    for lo, hi in [
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0x3040, 0x309F),  # hiragana
        (0x30A0, 0x30FF),  # katakana
        (0x31F0, 0x31FF),  # katakana phonetic extensions
        (0xFF00, 0xFFEF),  # full-width and half-width forms
    ]:
        cps.update(range(lo, hi + 1))
    cps.update(ord(c) for c in jis_level1())
    with open(strings_file, encoding="utf-8") as f:
        cps.update(ord(c) for c in f.read() if ord(c) >= 0x2E80)
    return cps


def to_quadratic(font):
    """CFF outlines to glyf (the fontTools otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    quad = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        quad[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = quad
    del font["CFF "]
    for t in ("VORG", "vhea", "vmtx"):
        if t in font:
            del font[t]
    glyf.compile(font)
    for name in order:  # left side bearing = xMin of the new outline
        g = glyf[name]
        adv, _ = font["hmtx"][name]
        font["hmtx"][name] = (adv, g.xMin if hasattr(g, "xMin") else 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for f in ("maxZones",):
        setattr(maxp, f, 1)
    for f in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
              "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, f, 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\000\001\000\000"


def subset(path, out, unicodes=None, number=None):
    args = ["pyftsubset", path, f"--output-file={out}", "--layout-features=*", "--no-hinting",
            "--notdef-outline", "--name-IDs=*", "--glyph-names"]
    args.append("--unicodes=" + (",".join(f"{c:04X}" for c in sorted(unicodes)) if unicodes else "*"))
    if number is not None:
        args.append(f"--font-number={number}")
    subprocess.run(args, check=True)


base, arabic, cjk, strings, out = sys.argv[1:6]
with tempfile.TemporaryDirectory() as tmp:
    ar = f"{tmp}/ar.ttf"
    subset(arabic, ar)
    ja_cff = f"{tmp}/ja.otf"
    subset(cjk, ja_cff, ja_unicodes(strings), number=0)
    ja = TTFont(ja_cff)
    to_quadratic(ja)
    # Noto Sans already has Latin, digits and general punctuation: the base's win.
    ja_ttf = f"{tmp}/ja.ttf"
    ja.save(ja_ttf)
    merged = Merger(options=Options(drop_tables=["DSIG", "VORG", "vhea", "vmtx", "BASE"])).merge(
        [base, ar, ja_ttf]
    )
original = TTFont(base)
for table, fields in [
    ("hhea", ["ascent", "descent", "lineGap"]),
    ("OS/2", ["sTypoAscender", "sTypoDescender", "sTypoLineGap", "usWinAscent", "usWinDescent", "fsSelection"]),
]:
    for f in fields:
        setattr(merged[table], f, getattr(original[table], f))
merged["name"] = original["name"]
merged.save(out)
