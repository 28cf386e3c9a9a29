"""The secret CloudFront sends in the origin header and the app checks.

Until pulumi-chalice, ChaliceApp made it as its child (`origin_secret_env_var`) and ChaliceApp's
type was hello's own: aliases keep both at the URNs the stacks hold, so neither the secret nor
anything under ChaliceApp is replaced (tests/infra/test_urn_aliases.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random

# ChaliceApp's type token when it was one of hello's components.
LEGACY_CHALICE_APP_TYPE = "hello:components:ChaliceApp"


def legacy_chalice_app_alias() -> pulumi.Alias:
    """For hello's ChaliceApp: it and everything under it keep their URNs (children follow)."""
    return pulumi.Alias(type_=LEGACY_CHALICE_APP_TYPE)


@dataclass
class OriginSecretArgs:
    # The instance name of the ChaliceApp that made the secret as its child, before
    # pulumi-chalice: the password keeps that URN through an alias. None: no such history.
    legacy_chalice_app_name: str | None = None
    # Letters and digits only: it travels in an HTTP header and a Lambda environment variable.
    length: int = 40


class OriginSecret(pulumi.ComponentResource):
    value: pulumi.Output[str]

    def __init__(
        self, name: str, args: OriginSecretArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("hello:components:OriginSecret", name, None, opts)
        legacy = args.legacy_chalice_app_name
        aliases = (
            # Where it was: `<app>-origin-secret` under that ChaliceApp, at the stack's root.
            [
                pulumi.Alias(
                    name=f"{legacy}-origin-secret",
                    parent=pulumi.create_urn(legacy, LEGACY_CHALICE_APP_TYPE),
                )
            ]
            if legacy
            else []
        )
        password = random.RandomPassword(
            f"{name}-origin-secret",
            length=args.length,
            special=False,
            opts=pulumi.ResourceOptions(parent=self, aliases=aliases),
        )
        self.value = pulumi.Output.secret(password.result)
        self.register_outputs({"value": self.value})
