"""The bundled CJK font, subset per report and inlined as an ``@font-face`` rule.

Every HTML report (and the PDF made from it, and the portfolio page) embeds only the glyphs it
uses of Evalkit Sans SC (an OFL subset of Noto Sans CJK SC shipped in :mod:`evalkit.fonts`), so
pages open offline, on intranets, without tofu.
"""

from __future__ import annotations

import base64
import functools
import io
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from evalkit.errors import EvalkitError

#: Family name of the bundled font (as :data:`evalkit.charts.FONT_FAMILY`; not imported from
#: there, which would import matplotlib).
_FONT_FAMILY = "Evalkit Sans SC"
#: The bundled CJK font embedded in HTML reports (TrueType outlines: see font_face_css).
FONT_FILE = "EvalkitSansSC-Regular.ttf"
#: Characters every embedded subset holds besides the report's own (figures, rates, dashes).
_ALWAYS_EMBEDDED = "0123456789.%—"
#: name IDs copied from the bundled font into every subset: copyright, licence, licence URL (the
#: OFL asks every copy of the font to carry its copyright notice and licence).
_LICENCE_NAME_IDS = (0, 13, 14)
#: OS/2 fields copied from the bundled font into every subset.
_OS2_FIELDS = ("usWeightClass", "usWidthClass", "fsType", "ySubscriptXSize", "ySubscriptYSize",
               "ySubscriptXOffset", "ySubscriptYOffset", "ySuperscriptXSize",
               "ySuperscriptYSize", "ySuperscriptXOffset", "ySuperscriptYOffset",
               "yStrikeoutSize", "yStrikeoutPosition", "sFamilyClass", "panose", "achVendID",
               "fsSelection", "sTypoAscender", "sTypoDescender", "sTypoLineGap", "usWinAscent",
               "usWinDescent", "ulCodePageRange1", "ulCodePageRange2", "sxHeight", "sCapHeight")


@dataclass(frozen=True)
class _SourceFont:
    """The bundled font, opened once: what a per-report subset copies from it, by glyph id."""

    cmap: Mapping[int, int]  # code point → glyph id
    names: Sequence[str]  # glyph id → glyph name (".notdef", then "glyph00001" …)
    glyf: bytes  # the glyf table; glyph i is glyf[loca[i]:loca[i + 1]]
    loca: Sequence[int]
    hmtx: bytes  # the hmtx table: long_metrics (advance, lsb) pairs, then lsbs
    long_metrics: int  # hhea.numberOfHMetrics
    head: Mapping[str, Any]
    hhea: Mapping[str, Any]
    os2: Mapping[str, Any]
    post: Mapping[str, Any]
    name: Mapping[int, str]

    def glyph(self, gid: int) -> bytes:
        """The glyf record of a glyph, as stored."""
        return self.glyf[self.loca[gid]:self.loca[gid + 1]]

    def metrics(self, gid: int) -> tuple[int, int]:
        """(advance width, left side bearing) of a glyph."""
        count = self.long_metrics
        if gid < count:
            return struct.unpack_from(">Hh", self.hmtx, 4 * gid)
        return (struct.unpack_from(">H", self.hmtx, 4 * (count - 1))[0],
                struct.unpack_from(">h", self.hmtx, 4 * count + 2 * (gid - count))[0])


@functools.cache
def _source_font() -> _SourceFont:
    """The bundled font, opened once per process (≈0.1 s, fontTools imports included)."""
    return _open_font(resources.files("evalkit.fonts").joinpath(FONT_FILE).read_bytes())


def _open_font(data: bytes) -> _SourceFont:
    """Read what a subset needs from a TrueType font: the cmap, then raw glyf, loca and hmtx.

    Glyphs are named by id before the cmap is read, so fontTools need not derive 40,000 names
    from it (the bundled font stores none: post format 3), and glyf and hmtx stay bytes, of
    which a subset slices the few records it needs.
    """
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), lazy=True)
    if "glyf" not in font:
        raise EvalkitError(f"{FONT_FILE}: expected TrueType (glyf) outlines, found "
                           f"{'CFF' if 'CFF ' in font else 'none'}")
    names = [".notdef", *(f"glyph{i:05d}" for i in range(1, font["maxp"].numGlyphs))]
    font.setGlyphOrder(names)
    ids = font.getReverseGlyphMap()
    head, hhea, os2, post = font["head"], font["hhea"], font["OS/2"], font["post"]
    return _SourceFont(
        cmap={point: ids[name] for point, name in font.getBestCmap().items()},
        names=names,
        glyf=font.reader["glyf"],
        loca=font["loca"].locations,
        hmtx=font.reader["hmtx"],
        long_metrics=hhea.numberOfHMetrics,
        head={k: getattr(head, k) for k in ("unitsPerEm", "fontRevision", "flags", "created",
                                             "modified", "macStyle", "lowestRecPPEM")},
        hhea={k: getattr(hhea, k) for k in ("ascent", "descent", "lineGap", "caretSlopeRise",
                                             "caretSlopeRun", "caretOffset")},
        os2={k: getattr(os2, k) for k in _OS2_FIELDS},
        post={k: getattr(post, k) for k in ("italicAngle", "underlinePosition",
                                             "underlineThickness", "isFixedPitch")},
        name={i: font["name"].getDebugName(i) for i in _LICENCE_NAME_IDS
              if font["name"].getDebugName(i)},
    )


def _subset_bounds(records: Mapping[str, bytes],
                   metrics: Mapping[str, tuple[int, int]]) -> dict[str, dict[str, int]]:
    """The head, hhea and maxp values that depend on the glyphs, read from the glyph records.

    A TrueType glyph record starts with its number of contours and bounding box, then the last
    point index of each contour, so nothing is decoded. Values as fontTools would recalculate
    them for simple glyphs (composite glyphs: see :func:`font_face_css`).
    """
    x_min = y_min = x_max = y_max = max_points = max_contours = 0
    lsb_min = rsb_min = extent_max = None
    for name, record in records.items():
        contours = struct.unpack(">h", record[:2])[0] if record else 0
        if contours <= 0:
            continue
        g_x_min, g_y_min, g_x_max, g_y_max = struct.unpack(">hhhh", record[2:10])
        last_point = struct.unpack(">H", record[8 + 2 * contours:10 + 2 * contours])[0]
        advance, lsb = metrics[name]
        width = g_x_max - g_x_min
        if lsb_min is None:
            x_min, y_min, x_max, y_max = g_x_min, g_y_min, g_x_max, g_y_max
            lsb_min, rsb_min, extent_max = lsb, advance - lsb - width, lsb + width
        x_min, y_min = min(x_min, g_x_min), min(y_min, g_y_min)
        x_max, y_max = max(x_max, g_x_max), max(y_max, g_y_max)
        lsb_min, rsb_min = min(lsb_min, lsb), min(rsb_min, advance - lsb - width)
        extent_max = max(extent_max, lsb + width)
        max_points, max_contours = max(max_points, last_point + 1), max(max_contours, contours)
    return {
        "head": {"xMin": x_min, "yMin": y_min, "xMax": x_max, "yMax": y_max},
        "hhea": {"advanceWidthMax": max(advance for advance, _ in metrics.values()),
                 "minLeftSideBearing": lsb_min or 0, "minRightSideBearing": rsb_min or 0,
                 "xMaxExtent": extent_max or 0},
        "maxp": {"maxPoints": max_points, "maxContours": max_contours},
    }


def font_face_css(text: str) -> str:
    """An @font-face rule embedding the bundled CJK font, subset to the characters of ``text``.

    Only the glyphs a report uses are embedded (≈52 kB of WOFF for 383 distinct characters,
    ≈114 kB for 731), so the HTML needs no installed Chinese font and no network; system fonts
    remain as fallbacks in the CSS.

    Parameters
    ----------
    text : str
        The report's text. Its characters, plus ``0123456789.%—``, are embedded if the bundled
        font has them; other characters are skipped (the browser falls back to system fonts).

    Returns
    -------
    str
        One ``@font-face`` rule, family "Evalkit Sans SC", weights 100–900, with the font as a
        base64 ``data:`` URL in WOFF format. The same text always gives the same bytes.

    Notes
    -----
    Every HTML report calls this, so it is built for speed. The bundled font is parsed once per
    process (:func:`_source_font`), and each call assembles a new font from it with
    :class:`fontTools.fontBuilder.FontBuilder`: ``.notdef`` and the glyphs of the characters in
    code-point order, each glyph's TrueType record copied as stored (outlines are never decoded),
    its metrics, and a head, hhea, maxp, OS/2, name and post table derived from the source's
    values and the copied glyphs' headers, with the source's timestamps. The WOFF (zlib) is then
    written; WOFF2 would be smaller but needs brotli.

    Measured on a 2-core machine, median of 10 calls for 383 and 731 distinct characters: 0.30 and
    0.54 s with ``fontTools.subset`` on the former CFF font (which re-parsed 9.4 MB and executed
    charstrings every time); now 20 and 35 ms (mostly zlib and the cmap), after opening the font
    once per process in ≈0.1 s. The last few rules are kept by character set: a batch's
    ``index.html``, rewritten as reports finish, mostly repeats its characters.
    """
    points = set(map(ord, set(text + _ALWAYS_EMBEDDED))) & _source_font().cmap.keys()
    return _font_face_rule(tuple(sorted(points)))


@functools.lru_cache(maxsize=4)
def _font_face_rule(points: tuple[int, ...]) -> str:
    """The ``@font-face`` rule of :func:`font_face_css` for these code points (sorted, all in
    the bundled font's cmap)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.ttLib import newTable
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    source = _source_font()
    gids = list(dict.fromkeys([0, *(source.cmap[point] for point in points)]))
    records: dict[int, bytes] = {}
    glyphs: dict[int, Glyph] = {}
    pending = gids.copy()
    while pending:
        gid = pending.pop()
        if gid in glyphs:
            continue
        records[gid] = source.glyph(gid)
        glyph = glyphs[gid] = Glyph(records[gid])
        if glyph.isComposite():  # none in the bundled font; components follow the glyphs by id
            context = newTable("glyf")
            context.glyphOrder = source.names
            glyph.expand(context)
            pending += [source.names.index(c.glyphName) for c in glyph.components]
    composite = any(glyph.isComposite() for glyph in glyphs.values())
    gids += sorted(glyphs.keys() - set(gids))
    order = [source.names[gid] for gid in gids]
    metrics = {source.names[gid]: source.metrics(gid) for gid in gids}
    bounds = _subset_bounds({source.names[gid]: records[gid] for gid in gids}, metrics)

    builder = FontBuilder(unitsPerEm=source.head["unitsPerEm"], isTTF=True)
    font = builder.font
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({point: source.names[source.cmap[point]]
                               for point in points})
    # As FontBuilder.setupGlyf, except that it would decode every glyph to look for cubic
    # curves (the bundled font is quadratic), which costs more than everything else here.
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {source.names[gid]: glyphs[gid] for gid in gids}
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(**source.hhea, **bounds["hhea"])
    builder.setupNameTable({**source.name, "familyName": _FONT_FAMILY, "styleName": "Regular"},
                           mac=False)
    builder.setupOS2(**source.os2)
    builder.setupPost(keepGlyphNames=False, **source.post)
    builder.setupHead(**source.head, **bounds["head"])
    for field, value in bounds["maxp"].items():
        setattr(font["maxp"], field, value)
    font.recalcBBoxes = composite  # else every bound above comes from the glyphs' headers
    font.flavor = "woff"
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{_FONT_FAMILY}"; font-weight: 100 900; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')
