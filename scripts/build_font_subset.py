import sys
from fontTools import subset
from fontTools.ttLib import TTCollection
def charset(enc):
    chars=set()
    for hi in range(0x81,0xFF):
        for lo in range(0x40,0xFF):
            try: chars.add(bytes([hi,lo]).decode(enc))
            except Exception: pass
    return chars
def build(src, out, enc, family):
    chars = charset(enc)
    chars |= {chr(c) for c in range(0x20,0x7F)} | {chr(c) for c in range(0xA0,0x180)}
    for a,b in [(0x2000,0x206F),(0x2100,0x214F),(0x2150,0x218F),(0x2190,0x21FF),(0x2200,0x22FF),(0x2460,0x24FF),(0x2500,0x257F),(0x25A0,0x25FF),(0x3000,0x303F),(0xFF00,0xFFEF),(0x3200,0x32FF)]:
        chars |= {chr(c) for c in range(a,b+1)}
    font = TTCollection(src).fonts[2]
    opts = subset.Options(); opts.name_IDs=['*']; opts.name_languages=['*']; opts.layout_features=['*']; opts.notdef_outline=True; opts.hinting=False
    s = subset.Subsetter(opts); s.populate(unicodes=[ord(c) for c in chars]); s.subset(font)
    name = font['name']
    weight = 'Bold' if 'Bold' in src else 'Regular'
    for rec in list(name.names):
        if rec.nameID in (1,16): rec.string = family
        elif rec.nameID == 4: rec.string = f"{family} {weight}"
        elif rec.nameID == 6: rec.string = f"{family.replace(' ','')}-{weight}"
        elif rec.nameID == 3: rec.string = f"{family.replace(' ','')}-{weight};subset of Noto Sans CJK SC 2.004"
    font.save(out)
build(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4])
