"""docs/architecture.md shows the model's own output, not a hand-computed copy."""

from __future__ import annotations

from cost import model
from cost.__main__ import report
from tests.conftest import ROOT


def test_architecture_doc_holds_the_models_report() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    assert report(model.NONE, markdown=True) in doc, "paste `python -m cost --markdown`"
    assert "(cost.svg)" in doc
