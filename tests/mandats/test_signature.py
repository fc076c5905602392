import json

import pytest

from mandats.models import SignatureKind
from mandats.signature import InvalidSignatureError, drawn_signature, signature_svg, typed_signature
from tests.mandats.conftest import SIGNATURE_JSON


def test_drawn_signature_is_canonical_and_hashable():
    signature = drawn_signature(SIGNATURE_JSON)
    assert signature.kind == SignatureKind.DRAWN
    assert json.loads(signature.data)["strokes"][1][2] == [130.0, 90.0]
    assert drawn_signature(signature.data) == signature
    assert len(signature.sha256) == 64


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"width": 600, "height": 200, "strokes": []}',
        '{"width": 600, "height": 200, "strokes": [[[1, 1], [2, 2]]]}',
        '{"width": 600, "height": 200, "strokes": [[[1, 1], [2, 2], [3, 3], [4, 4], [900, 9]]]}',
        '{"width": 0, "height": 200, "strokes": [[[1, 1]]]}',
        '{"width": 600, "height": 200, "strokes": [[["<svg>", 1]]]}',
        '{"width": 600, "height": 200, "strokes": "M 0 0"}',
    ],
)
def test_bad_drawn_signatures_are_refused(raw):
    with pytest.raises(InvalidSignatureError):
        drawn_signature(raw)


def test_svg_contains_only_numbers_and_escaped_text():
    svg = signature_svg(SignatureKind.DRAWN, drawn_signature(SIGNATURE_JSON).data)
    assert svg.startswith("<svg") and "<path" in svg
    typed = typed_signature("  Angela   <b>Dubois</b> ")
    assert typed.data == "Angela <b>Dubois</b>"
    assert "&lt;b&gt;" in signature_svg(SignatureKind.TYPED, typed.data)
    with pytest.raises(InvalidSignatureError):
        typed_signature(" ")
