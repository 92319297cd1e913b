#!/usr/bin/env python3
"""Renders examples/bir/corpus/notice.png: a short printed notice for the
BIR example's OCR step (black text on white, 2 lines, about 3 KB).

    python3 -m venv /tmp/v && /tmp/v/bin/pip install pillow==13.0.0
    /tmp/v/bin/python3 examples/bir/make_corpus.py
"""

import os

from PIL import Image, ImageDraw, ImageFont

LINES = ["Garden club meets on Friday", "Bring seeds and spare pots"]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "notice.png")


def main():
    font = ImageFont.load_default(size=28)
    img = Image.new("L", (520, 110), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(LINES):
        draw.text((16, 14 + 44 * i), line, fill=0, font=font)
    img.save(OUT, optimize=True)
    print(f"{os.path.getsize(OUT)} bytes: {OUT}")


if __name__ == "__main__":
    main()
