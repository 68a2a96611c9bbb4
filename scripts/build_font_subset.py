"""Build the CJK font bundled with evalkit, *Evalkit Sans SC* (``evalkit/fonts/*.ttf``).

Source
    Noto Sans CJK SC 2.004 as packaged by Debian's ``fonts-noto-cjk`` (1:20220127): the OpenType
    collections ``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`` and ``-Bold.ttc``,
    face index 2 (the collection holds JP, KR, SC, TC, HK; index 2 is SC). Licence: SIL Open Font
    License 1.1 (``evalkit/fonts/OFL.txt``), which allows subsetting and redistribution under a
    new name.

Steps
    1. Subset to the GBK character set plus ASCII, Latin-1, Latin Extended-A, general and CJK
       punctuation, arrows, mathematical operators, enclosed numbers, box drawing, geometric
       shapes, enclosed CJK and full-width forms. Layout features (GSUB/GPOS), all name records
       and languages are kept; hinting is dropped.
    2. Rename the family to "Evalkit Sans SC" (name IDs 1, 16, 4, 6 and 3), so the subset never
       shadows a full Noto Sans CJK SC installed on the system.
    3. Convert the CFF outlines to TrueType quadratic outlines (``glyf``) with cu2qu, at most
       1 font unit from the cubic curves (the em is 1000 units).
       :func:`evalkit.render.fonts.font_face_css` builds a per-report subset of this font for every HTML report; with ``glyf`` it copies each
       glyph's bytes as they are, whereas CFF needs the charset parsed and charstrings executed
       on every call (≈10× slower).

Usage
    Build from the Debian collection (both weights)::

        python scripts/build_font_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \\
            evalkit/fonts/EvalkitSansSC-Regular.ttf
        python scripts/build_font_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc \\
            evalkit/fonts/EvalkitSansSC-Bold.ttf

    Convert an already subset and renamed CFF font (the ``EvalkitSansSC-*.otf`` evalkit shipped
    before it shipped TrueType, in the git history) without the collection::

        python scripts/build_font_subset.py --convert-only EvalkitSansSC-Regular.otf \\
            evalkit/fonts/EvalkitSansSC-Regular.ttf

    Each font takes about 40 s to convert. The output is deterministic: no new timestamps.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

#: Family name of the bundled font.
FAMILY = "Evalkit Sans SC"
#: Family name expected in the source face.
SOURCE_FAMILY = "Noto Sans CJK SC"
#: Face of Noto Sans CJK SC in Debian's NotoSansCJK-*.ttc.
SC_FACE_INDEX = 2
#: Unicode blocks kept besides GBK (inclusive ranges).
EXTRA_RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x017F),  # Latin-1 Supplement, Latin Extended-A
    (0x2000, 0x206F),  # General Punctuation
    (0x2100, 0x214F),  # Letterlike Symbols
    (0x2150, 0x218F),  # Number Forms
    (0x2190, 0x21FF),  # Arrows
    (0x2200, 0x22FF),  # Mathematical Operators
    (0x2460, 0x24FF),  # Enclosed Alphanumerics
    (0x2500, 0x257F),  # Box Drawing
    (0x25A0, 0x25FF),  # Geometric Shapes
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3200, 0x32FF),  # Enclosed CJK Letters and Months
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
]
#: Largest distance, in font units, between a cubic curve and its quadratic approximation.
MAX_ERROR = 1.0


def gbk_characters() -> set[str]:
    """Every character of the GBK (CP936) double-byte set.

    Returns
    -------
    set of str
        The characters that decode from a GBK lead byte 0x81–0xFE and trail byte 0x40–0xFE.
    """
    chars = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                chars.add(bytes([lead, trail]).decode("gbk"))
            except UnicodeDecodeError:
                pass
    return chars


def coverage() -> set[int]:
    """The code points the bundled font covers (if the source font has them).

    Returns
    -------
    set of int
        GBK plus :data:`EXTRA_RANGES`.
    """
    points = {ord(c) for c in gbk_characters()}
    for first, last in EXTRA_RANGES:
        points.update(range(first, last + 1))
    return points


def load_source(path: Path, face_index: int = SC_FACE_INDEX) -> TTFont:
    """Open the source face: from a collection (``.ttc``/``.otc``) by index, else the file.

    Parameters
    ----------
    path : Path
        Font collection or single font file.
    face_index : int
        Face to take from a collection.

    Returns
    -------
    TTFont
        The face; ValueError if its family is not Noto Sans CJK SC.
    """
    if path.suffix.lower() in (".ttc", ".otc"):
        font = TTCollection(str(path)).fonts[face_index]
    else:
        font = TTFont(str(path))
    family = font["name"].getBestFamilyName()
    if family != SOURCE_FAMILY:
        raise ValueError(f"{path} face {face_index}: expected family {SOURCE_FAMILY!r}, "
                         f"found {family!r}")
    return font


def subset_and_rename(font: TTFont, family: str = FAMILY) -> TTFont:
    """Subset ``font`` in place to :func:`coverage` and rename its family.

    Parameters
    ----------
    font : TTFont
        The source face (CFF outlines).
    family : str
        New family name; the style (Regular, Bold) is the source's subfamily name.

    Returns
    -------
    TTFont
        ``font``, subset and renamed.
    """
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(coverage()))
    subsetter.subset(font)
    name = font["name"]
    style = name.getDebugName(2)
    compact = family.replace(" ", "")
    for record in name.names:
        if record.nameID in (1, 16):
            record.string = family
        elif record.nameID == 4:
            record.string = f"{family} {style}"
        elif record.nameID == 6:
            record.string = f"{compact}-{style}"
        elif record.nameID == 3:
            record.string = f"{compact}-{style};subset of {SOURCE_FAMILY} 2.004"
    return font


def cff_to_glyf(font: TTFont, max_error: float = MAX_ERROR, post_format: float = 3.0) -> TTFont:
    """Replace the CFF outlines of ``font`` by TrueType quadratic outlines, in place.

    Every glyph is drawn through cu2qu (cubic → quadratic, at most ``max_error`` units off,
    contours reversed to TrueType's clockwise direction) into a ``glyf`` glyph. The tables that
    depend on the outline format follow: ``loca`` and ``maxp`` 1.0 are built, ``head`` says glyph
    data format 0, ``post`` becomes format 3 (no glyph names: 0.5 MB smaller) or 2, the left side
    bearings in ``hmtx`` are the new glyphs' ``xMin`` and, before ``VORG`` is dropped, the top
    side bearings in ``vmtx`` are set so that every glyph keeps its vertical origin.

    Parameters
    ----------
    font : TTFont
        A CFF-flavoured OpenType font.
    max_error : float
        Approximation tolerance in font units.
    post_format : float
        3.0 or 2.0.

    Returns
    -------
    TTFont
        ``font``, now TrueType-flavoured.
    """
    if "CFF " not in font:
        raise ValueError("expected a font with CFF outlines, found none")
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_error, reverse_direction=True))
        glyph = pen.glyph()
        glyph.recalcBounds(glyf)
        glyf.glyphs[name] = glyph

    hmtx = font["hmtx"]
    vorg, vmtx = font.get("VORG"), font.get("vmtx")
    for name, glyph in glyf.glyphs.items():
        if glyph.numberOfContours:  # TrueType bounds are those of the points, on or off curve
            advance, _ = hmtx[name]
            hmtx[name] = (advance, glyph.xMin)
        if vorg is not None and vmtx is not None:
            height, _ = vmtx[name]
            vmtx[name] = (height, vorg[name] - (glyph.yMax if glyph.numberOfContours else 0))

    for tag in ("CFF ", "VORG", "DSIG"):
        if tag in font:
            del font[tag]
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(glyph_order)
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                  "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                  "maxComponentElements", "maxPoints", "maxContours", "maxCompositePoints",
                  "maxCompositeContours", "maxComponentDepth"):
        setattr(maxp, field, 0)
    maxp.maxZones = 1  # points, contours and the head bounding box are computed on save
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = post_format
    if post_format == 2.0:
        post.extraNames, post.mapping, post.glyphOrder = [], {}, glyph_order
    font.sfntVersion = "\x00\x01\x00\x00"
    return font


def build(source: Path, out: Path, *, face_index: int = SC_FACE_INDEX, convert_only: bool = False,
          post_format: float = 3.0) -> None:
    """Build one weight of the bundled font and save it to ``out``.

    Parameters
    ----------
    source : Path
        Debian's NotoSansCJK-<weight>.ttc, or with ``convert_only`` an already subset and
        renamed CFF font such as a former ``EvalkitSansSC-<weight>.otf``.
    out : Path
        Output ``.ttf``.
    face_index : int
        Face of Noto Sans CJK SC in the collection.
    convert_only : bool
        Only convert the outlines (no subsetting or renaming).
    post_format : float
        ``post`` table format of the output (3.0 or 2.0).
    """
    # the source's timestamps are kept, so the same source always gives the same bytes
    if convert_only:
        font = TTFont(str(source), recalcTimestamp=False)
    else:
        font = subset_and_rename(load_source(source, face_index))
        font.recalcTimestamp = False
    cff_to_glyf(font, post_format=post_format)
    font.save(str(out))


def main(argv: list[str] | None = None) -> None:
    """Command line: ``build_font_subset.py [--convert-only] SOURCE OUT``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path,
                        help="NotoSansCJK-<weight>.ttc (or, with --convert-only, an OTF subset)")
    parser.add_argument("out", type=Path, help="output .ttf, e.g. "
                        "evalkit/fonts/EvalkitSansSC-Regular.ttf")
    parser.add_argument("--face-index", type=int, default=SC_FACE_INDEX,
                        help=f"face of {SOURCE_FAMILY} in the collection (default %(default)s)")
    parser.add_argument("--convert-only", action="store_true",
                        help="SOURCE is already subset and renamed: only convert CFF to glyf")
    parser.add_argument("--post-format", type=float, choices=(2.0, 3.0), default=3.0,
                        help="post table format: 3 has no glyph names (default %(default)s)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    build(args.source, args.out, face_index=args.face_index, convert_only=args.convert_only,
          post_format=args.post_format)
    print(f"{args.out}: {args.out.stat().st_size:,} bytes in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
