"""hello_stack/config.py's rules for regions: MRSC's region sets and three regions, Route 53
failover's two, and what failover needs; each refusal names its key."""

from __future__ import annotations

from collections.abc import Iterator

import pulumi
import pytest
from pulumi.runtime.config import set_all_config

from hello_stack.pulumi_config import load

BASE = {
    "aws:region": "eu-west-1",
    "hello:requireAlarmSubscriber": "false",
}
CERTIFICATES = (
    "arn:aws:acm:eu-west-1:123456789012:certificate/a,"
    "arn:aws:acm:eu-west-2:123456789012:certificate/b"
)
TWO_REGIONS = {
    "hello:activeRegions": "eu-west-1,eu-west-2",
    "hello:witnessRegion": "eu-west-3",
    "hello:hostedZoneId": "Z123ABC",
    "hello:failoverDomain": "origin.example.com",
    "hello:regionalCertificateArns": CERTIFICATES,
}


@pytest.fixture
def config() -> Iterator[dict[str, str]]:
    yield dict(BASE)
    set_all_config({})


def refused(config: dict[str, str], **raw: str) -> str:
    set_all_config({**config, **raw})
    with pytest.raises(pulumi.RunError) as error:
        load()
    return str(error.value)


def test_unset_means_aws_region_alone(config: dict[str, str]) -> None:
    set_all_config(config)
    settings = load()
    assert settings.regions == ["eu-west-1"]
    assert settings.multi_region is False
    assert settings.certificate_arns == {}


def test_two_regions_with_a_witness_and_failover_keys(config: dict[str, str]) -> None:
    set_all_config({**config, **TWO_REGIONS})
    settings = load()
    assert settings.regions == ["eu-west-1", "eu-west-2"]
    assert settings.multi_region is True
    assert settings.certificate_arns == {
        "eu-west-1": "arn:aws:acm:eu-west-1:123456789012:certificate/a",
        "eu-west-2": "arn:aws:acm:eu-west-2:123456789012:certificate/b",
    }


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        # the first active region is the stack's own (its provider, its table)
        ({"hello:activeRegions": "eu-west-2,eu-west-1"}, "hello:activeRegions must start with"),
        ({"hello:activeRegions": "eu-west-1,eu-west-1"}, "distinct regions"),
        # Route 53 failover: one primary, one secondary
        ({"hello:activeRegions": "eu-west-1,eu-west-2,eu-west-3"}, "hello:activeRegions must be"),
        # MRSC: three regions of one set (two replicas and a witness)
        ({"hello:witnessRegion": None}, "hello:witnessRegion must be set"),
        ({"hello:witnessRegion": "eu-west-2"}, "hello:witnessRegion must be set"),
        ({"hello:witnessRegion": "us-east-1"}, "one MRSC region set"),
        (
            {
                "hello:activeRegions": "eu-west-1,us-east-1",
                "hello:witnessRegion": "us-east-2",
                "hello:regionalCertificateArns": "arn:aws:acm:eu-west-1:123456789012:certificate/a,"
                "arn:aws:acm:us-east-1:123456789012:certificate/b",
            },
            "one MRSC region set",
        ),
        # certificates: one per region, in its region, in order
        (
            {"hello:regionalCertificateArns": "arn:aws:acm:eu-west-1:123456789012:certificate/a"},
            "hello:regionalCertificateArns must hold one certificate per active region",
        ),
        (
            {
                "hello:regionalCertificateArns": "arn:aws:acm:eu-west-2:123456789012:certificate/b,"
                "arn:aws:acm:eu-west-1:123456789012:certificate/a"
            },
            "hello:regionalCertificateArns must hold one certificate per active region",
        ),
        # replicas keep DynamoDB's default PITR period
        ({"hello:pitrRecoveryDays": "14"}, "hello:pitrRecoveryDays must be 35"),
        # checks measure from outside every serving region, and fit the SLI's ten metrics
        ({"hello:syntheticCheckRegions": "us-east-1,eu-west-2"}, "hello:syntheticCheckRegions"),
        (
            {"hello:syntheticCheckRegions": "us-east-1,us-west-2,ap-south-1,sa-east-1"},
            "hello:syntheticCheckRegions: at most 3",
        ),
    ],
)
def test_bad_region_settings_are_refused_naming_the_key(
    config: dict[str, str], raw: dict[str, str | None], named: str
) -> None:
    values = {**TWO_REGIONS, **raw}
    assert named in refused(config, **{k: v for k, v in values.items() if v is not None})


def test_each_missing_failover_key_is_named(config: dict[str, str]) -> None:
    message = refused(
        config, **{"hello:activeRegions": "eu-west-1,eu-west-2", "hello:witnessRegion": "eu-west-3"}
    )
    assert (
        "two active regions fail over through Route 53: set hello:hostedZoneId, "
        "hello:failoverDomain, hello:regionalCertificateArns"
    ) in message


@pytest.mark.parametrize(
    "key", ["witnessRegion", "hostedZoneId", "failoverDomain", "regionalCertificateArns"]
)
def test_failover_settings_without_a_second_region_are_refused(
    config: dict[str, str], key: str
) -> None:
    assert f"hello:{key}" in refused(config, **{f"hello:{key}": TWO_REGIONS[f"hello:{key}"]})


def test_the_failover_name_is_not_the_public_name(config: dict[str, str]) -> None:
    message = refused(
        {**config, **TWO_REGIONS},
        **{
            "hello:customDomain": "origin.example.com",
            "hello:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/c",
        },
    )
    assert "hello:failoverDomain must differ from hello:customDomain" in message
    set_all_config(
        {
            **config,
            **TWO_REGIONS,
            "hello:customDomain": "api.example.com",
            "hello:certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/c",
        }
    )
    assert load().custom_domain == "api.example.com"
