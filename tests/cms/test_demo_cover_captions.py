"""The demo's pictures carry their caption («Вокал», «Актёрское мастерство») where every crop the
site makes keeps it: cards, square gallery tiles, a winner's portrait crop and the VK link card."""

import pytest
from PIL import ImageChops

from cms.demo import FONT, draw_picture

# Width:height of the crops the templates ask Wagtail for (fill-…, centred) and of the link card.
CROPS = {"портрет 4:5": 4 / 5, "квадрат": 1, "карточка 4:3": 4 / 3, "обложка 16:9": 16 / 9, "ВКонтакте": 1074 / 480}


def kept_box(size, ratio):
    """The part of a picture a centred crop to `ratio` keeps: (left, top, right, bottom)."""
    width, height = size
    if width / height > ratio:
        kept = round(height * ratio)
        return ((width - kept) // 2, 0, (width + kept) // 2, height)
    kept = round(width / ratio)
    return (0, (height - kept) // 2, width, (height + kept) // 2)


@pytest.mark.skipif(not FONT.exists(), reason="нет шрифта DejaVu (fonts-dejavu-core)")
@pytest.mark.parametrize("caption", ["Вокал", "Актёрское мастерство", "Дизайн одежды", "Робототехника"])
def test_a_cover_caption_survives_every_crop(caption):
    size = (1200, 675)
    plain = draw_picture("vocal", size, False)
    captioned = draw_picture("vocal", size, False, caption=caption)
    drawn = ImageChops.difference(plain, captioned).getbbox()
    assert drawn, "подпись не нарисована"
    for name, ratio in CROPS.items():
        left, top, right, bottom = kept_box(size, ratio)
        assert drawn[0] >= left and drawn[2] <= right and drawn[1] >= top and drawn[3] <= bottom, (name, drawn)
