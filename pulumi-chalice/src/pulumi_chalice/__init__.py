"""pulumi-chalice: any AWS Chalice project deployed by Pulumi, from Chalice's own application
graph (see the package's README)."""

from pulumi_chalice.chalice_app import TYPE_TOKEN, ChaliceApp, ChaliceAppArgs
from pulumi_chalice.checks import ChaliceProjectError, UnsupportedChaliceFeature

__version__ = "0.1.0"

__all__ = [
    "TYPE_TOKEN",
    "ChaliceApp",
    "ChaliceAppArgs",
    "ChaliceProjectError",
    "UnsupportedChaliceFeature",
    "__version__",
]
