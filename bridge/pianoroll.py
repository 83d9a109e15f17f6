"""Piano rolls of note lists side by side, as a PNG (Pillow): ``segue continue --png`` (seed |
continuation) and ``bench.quality`` (seed | real continuation | each answer) draw with it.

Each panel is one note list (a seed, a real continuation, an answer) with its label; time runs left to
right, pitch bottom to top. All panels share one pitch range and one scale of beats per pixel, so a bar
is as wide in every panel and a pitch lies at the same height; each panel starts at the bar line at or
before its first note. Bar lines are drawn from ``bar_origin`` every ``bar_beats`` beats
(labelled with their beat, as room allows), beat lines fainter, and the C of every octave is
labelled on the left.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from bridge.notes import Note

COLOURS = ((70, 110, 200), (40, 160, 90), (215, 100, 40), (160, 70, 170), (190, 150, 30), (50, 160, 170))
BACKGROUND = (255, 255, 255)
LANE = (246, 246, 246)
BAR = (120, 120, 120)
BEAT = (222, 222, 222)
TEXT = (20, 20, 20)
LABEL_PX = 36  # least room for a bar label
NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def _font(size: int):  # noqa: ANN202 - a Pillow font object
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one fixed-size default font
        return ImageFont.load_default()


def render_roll(panels: Sequence[tuple[str, Sequence[Note]]], path: str | Path, *, width: int = 1200,
                height: int = 360, bar_beats: float = 4.0, bar_origin: float = 0.0, title: str = "",
                colours: Sequence[tuple[int, int, int]] = COLOURS) -> Path:
    """Draw ``panels`` (label, notes) side by side into a ``width`` x ``height`` PNG at ``path``."""
    from PIL import Image, ImageDraw

    if not panels:
        raise ValueError("render_roll needs at least one panel")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = _font(12)
    left, top_pad, label_h, gap, bottom = 34, (20 if title else 4), 16, 8, 16
    if title:
        draw.text((left, 3), title, fill=TEXT, font=font)
    every = [n for _, notes in panels for n in notes]
    lo = min((n.pitch for n in every), default=60) - 1
    hi = max((n.pitch for n in every), default=72) + 1
    top = top_pad + label_h
    lane_h = max(1.0, (height - top - bottom) / (hi - lo + 1))

    def y_of(pitch: int) -> float:
        return top + (hi - pitch) * lane_h

    def bar_at_or_before(beat: float) -> float:
        return bar_origin + math.floor((beat - bar_origin) / bar_beats + 1e-9) * bar_beats

    starts, spans = [], []
    for _, notes in panels:
        if notes:
            start = bar_at_or_before(min(n.start for n in notes))
            spans.append(max(n.end for n in notes) - start)
        else:
            start = 0.0
            spans.append(bar_beats)
        starts.append(start)
    panel_w = (width - left - gap * (len(panels) - 1)) / len(panels)
    px_per_beat = panel_w / max(max(spans), bar_beats)
    label_every = max(1, math.ceil(LABEL_PX / (bar_beats * px_per_beat)))  # bars between beat labels
    for pitch in range(lo, hi + 1):
        if pitch % 12 == 0:
            draw.text((2, y_of(pitch) - 2), f"{NAMES[pitch % 12]}{pitch // 12 - 1}", fill=TEXT, font=font)
    for k, (label, notes) in enumerate(panels):
        x0 = left + k * (panel_w + gap)
        x1 = x0 + panel_w
        colour = tuple(colours[k % len(colours)])
        draw.rectangle([x0, top, x1, height - bottom], fill=LANE)
        for pitch in range(lo, hi + 1):
            if pitch % 12 == 0:
                draw.line([x0, y_of(pitch - 1), x1, y_of(pitch - 1)], fill=BEAT)
        beat = 0.0
        while beat * px_per_beat <= panel_w + 1e-6:
            x = x0 + beat * px_per_beat
            bar = beat / bar_beats
            is_bar = abs(bar - round(bar)) < 1e-6
            draw.line([x, top, x, height - bottom], fill=BAR if is_bar else BEAT, width=1)
            if is_bar and round(bar) % label_every == 0 and x + LABEL_PX / 2 <= x1:  # not over the next panel
                draw.text((x + 2, height - bottom + 2), f"{starts[k] + beat:g}", fill=TEXT, font=font)
            beat += 1.0
        for n in notes:
            nx0 = x0 + (n.start - starts[k]) * px_per_beat
            nx1 = min(x1, max(nx0 + 2, x0 + (n.end - starts[k]) * px_per_beat - 1))
            ny = y_of(n.pitch)
            draw.rectangle([nx0, ny + 1, nx1, ny + max(2.0, lane_h - 1)], fill=colour, outline=(0, 0, 0))
        draw.text((x0 + 2, top_pad), f"{label} ({len(notes)} notes)", fill=colour, font=font)
    image.save(path, format="PNG")
    return path
