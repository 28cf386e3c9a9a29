"""Chalice's own packager and swagger generator, wrapped for use from a Pulumi program.

Nothing here talks to AWS: the zip is built locally (cached under the project's
`.chalice/deployments`, keyed by Chalice on the app files' hash) and the swagger body is
generated from the app's routes.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from typing import Any

from chalice.cli.factory import CLIFactory
from chalice.deploy.packager import DependencyBuilder, LambdaDeploymentPackager
from chalice.deploy.swagger import SwaggerGenerator
from chalice.utils import UI, OSUtils


class ReproducibleOSUtils(OSUtils):
    """Walks directories in sorted order and skips bytecode caches.

    Chalice's zip writer already pins timestamps; file order from os.walk depends on the file
    system, and __pycache__ depends on whether tests ran. Without both fixed, the same sources
    could give different zips, and Pulumi would publish a new Lambda version for nothing.
    """

    def walk(self, path: str, followlinks: bool = False) -> Iterator[tuple[str, list, list]]:
        for root, dirnames, filenames in os.walk(path, followlinks=followlinks):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            yield root, dirnames, sorted(f for f in filenames if not f.endswith(".pyc"))


def build_deployment_package(project_dir: str, runtime: str, architecture: str) -> str:
    """The Lambda zip for a Chalice project, as `chalice package` builds it; returns its path."""
    osutils = ReproducibleOSUtils()
    packager = LambdaDeploymentPackager(
        osutils=osutils,
        dependency_builder=DependencyBuilder(osutils),
        ui=UI(out=io.StringIO(), err=io.StringIO()),
        architecture=architecture,
    )
    return packager.create_deployment_package(os.path.abspath(project_dir), runtime)


def load_app(project_dir: str) -> Any:
    """The Chalice app object, loaded the way the Chalice CLI loads it.

    Chalice imports the module `app`, so one Python process serves one Chalice project.
    """
    return CLIFactory(project_dir=os.path.abspath(project_dir)).load_chalice_app()


class InvokeArnSwaggerGenerator(SwaggerGenerator):
    """Chalice's swagger generator with integrations invoking a given invoke ARN, the way its
    own Terraform and CloudFormation generators substitute theirs."""

    def __init__(self, invoke_arn: str) -> None:
        super().__init__(region="", deployed_resources={})
        self._invoke_arn = invoke_arn

    def _uri(self, lambda_arn: str | None = None) -> str:
        return self._invoke_arn


def swagger_body(app: Any, invoke_arn: str) -> str:
    """The REST API definition for the app's routes, every integration invoking invoke_arn
    (an alias's, so that moving the alias never changes the API)."""
    generator = InvokeArnSwaggerGenerator(invoke_arn)
    return json.dumps(generator.generate_swagger(app), sort_keys=True)
