"""hello's cost model: list prices, usage per request from the stack's settings, cost per month.

`python -m cost` (`make cost`) prints it for every stack file and writes docs/cost.svg.
"""
