"""The font subset embedded in HTML reports: valid, exact, faithful to the bundled font, repeatable."""

import base64
import io
import re
from importlib import resources

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.render import fonts

ALWAYS = "0123456789.%—"
TEXT = "2020年度且末县高效节水灌溉项目绩效评价报告：得分率 93.34%（优）① Ω ≥ ─ ABCxyz"


def _woff(css: str) -> bytes:
    match = re.fullmatch(r'@font-face \{ font-family: "Evalkit Sans SC"; font-weight: 100 900; '
                        r'src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\) format\("woff"\); \}',
                        css)
    assert match, css[:200]
    return base64.b64decode(match.group(1))


def _subset(text: str) -> TTFont:
    data = _woff(fonts.font_face_css(text))
    assert data[:4] == b"wOFF"
    return TTFont(io.BytesIO(data))


@pytest.fixture(scope="module")
def source() -> TTFont:
    """The bundled font, read by fontTools independently of evalkit.render.fonts."""
    path = resources.files("evalkit.fonts").joinpath(fonts.FONT_FILE)
    return TTFont(io.BytesIO(path.read_bytes()))


def _outline(font: TTFont, char: str) -> tuple:
    """A character's outline (components drawn in place) and advance, in font units."""
    name = font.getBestCmap()[ord(char)]
    glyph_set = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyph_set)
    glyph_set[name].draw(pen)
    return font["hmtx"][name][0], pen.value


def test_subset_maps_exactly_the_characters_the_source_has(source):
    font = _subset(TEXT + "한😀\U0002a6a5")  # a Hangul syllable, an emoji, a CJK Ext-B: not bundled
    expected = {ord(c) for c in TEXT + ALWAYS} & source.getBestCmap().keys()
    assert set(font.getBestCmap()) == expected
    assert len(font.getGlyphOrder()) == 1 + len(set(source.getBestCmap()[p] for p in expected))
    assert font.getGlyphOrder()[0] == ".notdef"
    assert "glyf" in font and "CFF " not in font
    assert font["name"].getBestFamilyName() == "Evalkit Sans SC"
    assert font["name"].getDebugName(2) == "Regular"
    assert "Open Font License" in font["name"].getDebugName(13)


def test_subset_glyphs_and_metrics_equal_the_source(source):
    font = _subset(TEXT)
    for char in "评价报告得%（A.":
        assert _outline(font, char) == _outline(source, char), char
    for table, fields in (("OS/2", ("usWeightClass", "sTypoAscender", "sTypoDescender",
                                    "sTypoLineGap", "usWinAscent", "usWinDescent", "fsType")),
                          ("hhea", ("ascent", "descent", "lineGap")),
                          ("head", ("unitsPerEm", "created", "modified", "fontRevision"))):
        for field in fields:
            assert getattr(font[table], field) == getattr(source[table], field), (table, field)


def test_subset_bounds_are_what_fonttools_would_compute():
    data = _woff(fonts.font_face_css(TEXT))
    font = TTFont(io.BytesIO(data))
    again = TTFont(io.BytesIO(data))
    again.flavor = None
    buf = io.BytesIO()
    again.save(buf)  # recalcBBoxes: decodes every glyph and recomputes the bounds
    again = TTFont(buf)
    for table, fields in (("head", ("xMin", "yMin", "xMax", "yMax")),
                          ("hhea", ("advanceWidthMax", "minLeftSideBearing",
                                    "minRightSideBearing", "xMaxExtent", "numberOfHMetrics")),
                          ("maxp", ("numGlyphs", "maxPoints", "maxContours"))):
        for field in fields:
            assert getattr(font[table], field) == getattr(again[table], field), (table, field)


def test_same_text_same_bytes_warm_or_fresh():
    warm = fonts.font_face_css(TEXT)
    assert fonts.font_face_css(TEXT) == warm
    fonts._source_font.cache_clear()
    assert fonts.font_face_css(TEXT) == warm
    assert fonts.font_face_css(TEXT[::-1] + TEXT) == warm  # order and repeats do not matter


def test_empty_text_still_gives_a_valid_font():
    font = _subset("")
    assert set(font.getBestCmap()) == {ord(c) for c in ALWAYS}


def _font_with_a_composite() -> bytes:
    """A tiny TrueType font where Á is a composite of A and an acute accent (not in the cmap)."""
    def square(x0, y0, x1, y1):
        pen = TTGlyphPen(None)
        pen.moveTo((x0, y0))
        pen.lineTo((x0, y1))
        pen.lineTo((x1, y1))
        pen.lineTo((x1, y0))
        pen.closePath()
        return pen.glyph()

    composite = TTGlyphPen({"A": None, "acute": None})
    composite.addComponent("A", (1, 0, 0, 1, 0, 0))
    composite.addComponent("acute", (1, 0, 0, 1, 50, 300))
    glyphs = {".notdef": TTGlyphPen(None).glyph(), "A": square(10, 0, 490, 700),
              "acute": square(100, 400, 300, 500), "B": square(20, 0, 480, 650),
              "Aacute": composite.glyph()}
    builder = FontBuilder(unitsPerEm=1000, isTTF=True)
    builder.setupGlyphOrder(list(glyphs))
    builder.setupCharacterMap({ord("A"): "A", ord("B"): "B", ord("Á"): "Aacute"})
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: (500, glyphs[name].xMin if hasattr(glyphs[name], "xMin")
                                           else 0) for name in glyphs})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Test", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    buf = io.BytesIO()
    builder.save(buf)
    return buf.getvalue()


def test_composite_glyphs_bring_their_components(monkeypatch):
    data = _font_with_a_composite()
    monkeypatch.setattr(fonts, "_source_font", lambda: fonts._open_font(data))
    font = _subset("Á")
    assert set(font.getBestCmap()) == {ord("Á")}
    assert len(font.getGlyphOrder()) == 4  # .notdef, Á, then its components A and the accent
    assert _outline(font, "Á") == _outline(TTFont(io.BytesIO(data)), "Á")
    assert font["maxp"].maxComponentElements == 2
    assert (font["head"].yMin, font["head"].yMax) == (0, 800)


CHARACTERS = sorted(map(chr, fonts._source_font().cmap))


@settings(max_examples=40, deadline=None)
@given(st.text(st.sampled_from(CHARACTERS), max_size=60))
def test_any_bundled_characters_round_trip(text):
    assert set(_subset(text).getBestCmap()) == {ord(c) for c in text + ALWAYS}
