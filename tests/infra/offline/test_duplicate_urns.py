"""Two registrations with one URN are refused as `pulumi preview` refuses them, naming both."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest
from click.testing import CliRunner

from infra.cli.main import main
from infra.offline.engine import STACKS_DIR, ProgramError, run_program
from infra.offline.monitor import DuplicateUrnError

TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def test_a_second_registration_of_one_urn_is_refused_naming_both():
    def program():
        aws.sns.TopicSubscription("alerts-ops@example.com", topic=TOPIC, protocol="email",
                                  endpoint="ops@example.com")
        aws.sns.TopicSubscription("alerts-ops@example.com", topic=TOPIC, protocol="email",
                                  endpoint="ops@example.com")

    with pytest.raises(ProgramError) as raised:
        run_program(program)
    cause = raised.value.cause
    urn = "urn:pulumi:test::mlinfra::aws:sns/topicSubscription:TopicSubscription::alerts-ops@example.com"
    assert isinstance(cause, DuplicateUrnError) and cause.urn == urn
    assert str(cause).startswith(f"Duplicate resource URN '{urn}'; try giving it a unique name. Registered twice: "
                                 "first as aws:sns/topicSubscription:TopicSubscription 'alerts-ops@example.com'")
    # The first registration went through, as under the engine; the second was never recorded.
    assert [r.urn for r in raised.value.resources] == [urn]


def test_a_urn_carries_the_parent_type_not_its_name_so_children_need_their_own_names():
    """As under the engine: a URN is stack, project, parent *type* chain, type and name (habit 5)."""
    class Box(pulumi.ComponentResource):
        def __init__(self, name, child):
            super().__init__("test:index:Box", name)
            aws.sns.Topic(child, opts=pulumi.ResourceOptions(parent=self))

    run = run_program(lambda: (Box("a", "a-topic"), Box("b", "b-topic")))
    assert len({r.urn for r in run.resources}) == len(run.resources) == 4
    with pytest.raises(ProgramError) as raised:
        run_program(lambda: (Box("a", "topic"), Box("b", "topic")))
    assert "first as aws:sns/topic:Topic 'topic' (parent urn:pulumi:test::mlinfra::test:index:Box::a), then again " \
           "as aws:sns/topic:Topic (parent urn:pulumi:test::mlinfra::test:index:Box::b)" in str(raised.value.cause)


def test_a_hostname_listed_twice_makes_the_plan_exit_2(tmp_path):
    text = (STACKS_DIR / "Pulumi.prod.yaml").read_text()
    once = "hostnames: [infer-aws.acme-ml.example.com]"
    assert once in text
    (tmp_path / "Pulumi.prod.yaml").write_text(
        text.replace(once, "hostnames: [infer-aws.acme-ml.example.com, infer-aws.acme-ml.example.com]"))
    result = CliRunner().invoke(main, ["plan", "prod", "--stacks-dir", str(tmp_path), "--format", "json"])
    assert result.exit_code == 2, (result.exit_code, result.stderr[-2000:])
    assert "Duplicate resource URN '" in result.stderr and "Registered twice: first as" in result.stderr
