"""Draw the field app's home-screen icons (PNG) with Pillow; the outputs are committed.

Run after changing the design: ``.venv/bin/python frontend/make_icons.py``. Needs a CJK font for the
glyph (Debian: fonts-wqy-microhei or fonts-noto-cjk); without one it draws the bars only.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "shouwang" / "field" / "static" / "field" / "icons"
NAVY, RED, WHITE = (31, 58, 96), (179, 38, 30), (255, 255, 255)
FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
)


def draw(size: int, *, maskable: bool) -> Image.Image:
    img = Image.new("RGB", (size, size), NAVY)
    d = ImageDraw.Draw(img)
    # Maskable icons keep their content inside the central 80 % "safe zone".
    inset = size * (0.1 if maskable else 0)
    d.rectangle([0, size * 0.84, size, size], fill=RED)
    font_path = next((f for f in FONTS if Path(f).exists()), None)
    if font_path:
        font = ImageFont.truetype(font_path, int((size - 2 * inset) * 0.58))
        d.text((size / 2, size * 0.44), "守", font=font, fill=WHITE, anchor="mm")
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    print(f"icons written to {OUT}")


if __name__ == "__main__":
    main()
