"""docs/architecture.md shows the model's own output, not a hand-computed copy, and the cost
paragraph of docs/operations.md quotes the model's figures, rounded as the paragraph rounds them."""

from __future__ import annotations

import dataclasses

from cost import model, prices
from cost.__main__ import report
from cost.usage import Usage, load_settings, usage_for
from hello_stack import limits, workload
from tests.conftest import ROOT


def test_architecture_doc_holds_the_models_report() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    assert report(model.NONE, markdown=True) in doc, "paste `python -m cost --markdown`"
    assert "(cost.svg)" in doc


def cost_paragraph() -> str:
    operations = (ROOT / "docs" / "operations.md").read_text()
    start = operations.index("**What it costs and what binds first**")
    return " ".join(operations[start : operations.index("\n\n", start)].split())


def stated_figures() -> list[str]:
    """Each figure the cost paragraph states, from the model, as the text rounds it."""
    dev_settings, prod_settings = load_settings("dev"), load_settings("prod")
    dev, prod = usage_for("dev", dev_settings), usage_for("prod", prod_settings)
    dev_items, prod_items = model.serverless(dev, 1e6), model.serverless(prod, 1e6)

    def checks_add(usage: Usage) -> float:
        without = dataclasses.replace(usage, checks=())
        return model.monthly(model.serverless(usage, 1e6)) - model.monthly(
            model.serverless(without, 1e6)
        )

    one_version = prod.memory_gb * workload.MONTH_SECONDS * prices.SNAP_START_CACHE_GB_SECOND
    found = [model.crossover(usage) for usage in (dev, prod)]
    crossovers = sorted(c for c in found if c is not None)
    assert len(crossovers) == len(found)  # each stack has a crossover in the model's range
    reserved = next(
        x for x in limits.limits(prod_settings) if x.key == "lambda-reserved-concurrency"
    )
    return [
        f"about ${model.monthly(dev_items):.0f} in dev and "
        f"${model.monthly(prod_items):.0f} in prod",
        f"X-Ray adds ${dev_items['xray']:.0f}–{prod_items['xray']:.0f}",
        f"(${dev_items['monitoring']:.0f} dev, ${prod_items['monitoring']:.0f} prod",
        f"(${checks_add(dev):.1f} dev, ${checks_add(prod):.1f} prod",
        f"the WAF (~${prod_items['waf']:.0f}",
        f"cached snapshots (~${model.snap_start_cache(prod):.0f}",
        f"would leave ~${one_version:.0f})",
        f"restore tests (~${prod_items['restore_tests']:.0f})",
        f"about {crossovers[0] / 1e6:.0f}–{crossovers[1] / 1e6:.0f} million",
        f"({workload.average_rps(crossovers[0]):.0f}–{workload.average_rps(crossovers[1]):.0f}"
        " req/s on average)",
        f"({limits.stage_binds_at_rps(prod_settings):.0f} req/s prod, "
        f"{limits.stage_binds_at_rps(dev_settings):.0f} dev",
        f"reserved concurrency at ~{round(reserved.binds_at_rps, -2):,.0f} req/s",
    ]


def test_the_cost_paragraph_quotes_the_models_figures() -> None:
    """Computed in the test, not at collection: the figures evaluate both stacks, which every
    xdist worker would otherwise do at once while collecting."""
    paragraph = cost_paragraph()
    missing = [figure for figure in stated_figures() if figure not in paragraph]
    assert missing == [], "update docs/operations.md's cost paragraph from `make cost`"
