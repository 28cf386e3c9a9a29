"""The policy pack the preview and deploy workflows run (`--policy-pack policy`): every policy
mandatory, so a violation stops `pulumi preview` and `pulumi up`."""

from __future__ import annotations

import sys
from pathlib import Path

# Pulumi runs the pack from policy/; the policies import the app's contract from the root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.hello_policies import POLICIES

PolicyPack("hello", enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
