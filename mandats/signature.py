"""The usager's signature: validated stroke data (never client SVG) and its rendering."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from html import escape

from mandats.models import SignatureKind

MAX_STROKES = 200
MAX_POINTS = 20_000
MAX_CANVAS = 4000
MIN_POINTS = 5
_UNREADABLE = "La signature n'a pas pu être lue. Recommencez."


class InvalidSignatureError(ValueError):
    """The posted signature is not usable; the message is shown in French."""


@dataclass(frozen=True)
class Signature:
    kind: SignatureKind
    # Canonical form: compact JSON of the strokes, or the typed full name.
    data: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data.encode()).hexdigest()


def drawn_signature(raw: str) -> Signature:
    """Validates what signature_pad posted ({"width", "height", "strokes": [[[x, y], ...]]})
    and returns its canonical form. Coordinates are in CSS pixels of the drawing area."""
    if not raw.strip():
        raise InvalidSignatureError("Signez dans le cadre avant de continuer.")
    try:
        payload = json.loads(raw)
        width, height = int(payload["width"]), int(payload["height"])
        strokes = payload["strokes"]
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidSignatureError(_UNREADABLE) from exc
    if not (0 < width <= MAX_CANVAS and 0 < height <= MAX_CANVAS):
        raise InvalidSignatureError("La zone de signature est invalide.")
    if not isinstance(strokes, list) or not 0 < len(strokes) <= MAX_STROKES:
        raise InvalidSignatureError("Signez dans le cadre avant de continuer.")
    clean: list[list[list[float]]] = []
    total = 0
    for stroke in strokes:
        if not isinstance(stroke, list) or not stroke:
            raise InvalidSignatureError(_UNREADABLE)
        points = []
        for point in stroke:
            try:
                x, y = float(point[0]), float(point[1])
            except (ValueError, TypeError, IndexError) as exc:
                raise InvalidSignatureError(_UNREADABLE) from exc
            if not (0 <= x <= width and 0 <= y <= height):
                raise InvalidSignatureError("La signature dépasse du cadre. Recommencez.")
            points.append([round(x, 1), round(y, 1)])
        total += len(points)
        clean.append(points)
    if total > MAX_POINTS:
        raise InvalidSignatureError("La signature est trop longue. Recommencez.")
    if total < MIN_POINTS:
        raise InvalidSignatureError("Signez dans le cadre avant de continuer.")
    canonical = {"height": height, "strokes": clean, "width": width}
    return Signature(SignatureKind.DRAWN, json.dumps(canonical, separators=(",", ":")))


def typed_signature(full_name: str) -> Signature:
    name = " ".join(full_name.split())
    if len(name) < 2:
        raise InvalidSignatureError("Saisissez vos nom et prénom.")
    return Signature(SignatureKind.TYPED, name)


def signature_svg(kind: str, data: str) -> str:
    """An SVG image of the signature, built only from validated numbers or escaped text."""
    if kind == SignatureKind.TYPED:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 80" width="400" height="80">'
            f'<text x="10" y="50" font-size="28" font-style="italic">{escape(data)}</text></svg>'
        )
    payload = json.loads(data)
    paths = []
    for stroke in payload["strokes"]:
        if len(stroke) == 1:
            x, y = stroke[0]
            paths.append(f'<circle cx="{x}" cy="{y}" r="1.5"/>')
            continue
        d = "M" + " L".join(f"{x} {y}" for x, y in stroke)
        paths.append(f'<path d="{d}"/>')
    width, height = payload["width"], payload["height"]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><g fill="none" stroke="#000" stroke-width="2.5" '
        f'stroke-linecap="round" stroke-linejoin="round">{"".join(paths)}</g></svg>'
    )
