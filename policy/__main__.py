"""The policy pack the preview and deploy workflows run (`--policy-pack policy`): every policy
mandatory, so a violation stops `pulumi preview` and `pulumi up`."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.hello_policies import POLICIES

PolicyPack("hello", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
