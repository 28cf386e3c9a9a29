"""What the bootstrap stack reads from a stage's committed stack file (Pulumi.<stage>.yaml).

The bootstrap stack never reads a stage's state, but a stage's boundary depends on one of its
settings: only a stage that backs its table up runs restore tests, whose tables (named by AWS
Backup, not by the stage) its boundary must then reach. And a two-region stage's deploy role may
change only its own records in the operator's hosted zone (failover_records).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pulumi
import yaml

from hello_stack import failover
from hello_stack.config import StackConfig, full_key

ROOT = Path(__file__).resolve().parents[1]


def _field(name: str) -> dataclasses.Field[Any]:
    """The setting StackConfig names so: its key and default are its own, never copied here."""
    return next(each for each in dataclasses.fields(StackConfig) if each.name == name)


_BACKUP_RETENTION = _field("backup_retention_days")


def _config(stage: str, project_dir: Path) -> dict[str, Any]:
    path = project_dir / f"Pulumi.{stage}.yaml"
    if not path.exists():
        return {}
    return (yaml.safe_load(path.read_text()) or {}).get("config") or {}


def backs_up(stage: str, project_dir: Path = ROOT) -> bool:
    """Whether the stage's stack file turns AWS Backup (and so restore testing) on; a stage
    without a stack file in this repository has neither."""
    values = _config(stage, project_dir)
    return int(values.get(full_key(_BACKUP_RETENTION), _BACKUP_RETENTION.default)) > 0


_ACTIVE_REGIONS = _field("active_regions")


def active_regions(stage: str, project_dir: Path = ROOT) -> tuple[str, ...]:
    """The regions the stage's stack file serves from (hello:activeRegions), none when it names
    none (one region: aws:region)."""
    value = _config(stage, project_dir).get(full_key(_ACTIVE_REGIONS))
    return tuple(str(value).split(",")) if value else ()


def fails_over(stage: str, project_dir: Path = ROOT) -> bool:
    """Whether the stage's stack file serves from more than one region (hello:activeRegions):
    only then does its stack hold Route 53 failover, custom domains and the FIS drill."""
    return len(active_regions(stage, project_dir)) > 1


_HOSTED_ZONE, _FAILOVER_DOMAIN = _field("hosted_zone_id"), _field("failover_domain")


@dataclasses.dataclass(frozen=True)
class FailoverRecords:
    """The records a two-region stage's stack writes in the operator's hosted zone
    (components/regional_endpoint.py): the failover name's two (one per region, one name) and
    each active region's health name, all of one type."""

    zone_id: str  # hello:hostedZoneId
    names: tuple[str, ...]  # hello:failoverDomain, then each region's health name, as written
    record_type: str = failover.RECORD_TYPE


def failover_records(stage: str, project_dir: Path = ROOT) -> FailoverRecords | None:
    """The stage's records in its stack file's hosted zone, named as its stack names them
    (hello:failoverDomain and hello_stack.failover.health_domain for each of
    hello:activeRegions); None for a stage that does not fail over. A stage that fails over
    without a zone or a failover name is refused: its deploy role's record changes are held to
    them (the stage's own stack refuses it too)."""
    if not fails_over(stage, project_dir):
        return None
    values = _config(stage, project_dir)
    zone, domain = (values.get(full_key(each)) for each in (_HOSTED_ZONE, _FAILOVER_DOMAIN))
    missing = [full_key(f) for f, v in ((_HOSTED_ZONE, zone), (_FAILOVER_DOMAIN, domain)) if not v]
    if missing:
        raise pulumi.RunError(
            f"invalid bootstrap config: Pulumi.{stage}.yaml serves from two regions but sets no "
            f"{' or '.join(missing)}: its deploy role may change only that zone's records of "
            "that name and its regions' health names."
        )
    names = (
        str(domain),
        *(failover.health_domain(str(domain), each) for each in active_regions(stage, project_dir)),
    )
    return FailoverRecords(str(zone), names)


def region(stage: str, project_dir: Path = ROOT) -> str | None:
    """The region the stage's stack file deploys to (aws:region), None when it names none."""
    value = _config(stage, project_dir).get("aws:region")
    return str(value) if value else None


def refuse_shared_restore_tests(
    stages: tuple[str, ...], default_region: str, project_dir: Path = ROOT
) -> None:
    """Two stages that back up in one account and region would share AWS Backup's restore-test
    copies, whose names AWS Backup gives, not the stage: each stage's restore tests and their
    boundary could then reach the other's copies. One bootstrap stack holds one account, so
    refuse it here, naming the stack files."""
    by_region: dict[str, list[str]] = {}
    for stage in stages:
        if backs_up(stage, project_dir):
            by_region.setdefault(region(stage, project_dir) or default_region, []).append(stage)
    shared = {where: names for where, names in by_region.items() if len(names) > 1}
    if shared:
        raise pulumi.RunError(
            "invalid bootstrap config: stages that back up share an account and region ("
            + "; ".join(
                f"{where}: " + ", ".join(f"Pulumi.{name}.yaml" for name in names)
                for where, names in sorted(shared.items())
            )
            + "): their restore-test copies would be one namespace. Turn "
            "hello:backupRetentionDays off in all but one, or put them in separate accounts "
            "or regions."
        )
