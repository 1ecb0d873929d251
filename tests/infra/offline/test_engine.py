"""The engine records what the SDK sends, masks secrets and unknowns, and refuses unanswered invokes."""

import re

import pulumi
import pulumi_aws as aws
import pytest

from infra.offline.engine import ProgramError, run_program
from infra.offline.invokes import UnansweredInvokeError


def test_secret_inputs_and_outputs_are_masked_and_unknowns_marked(register):
    def program():
        vpc = aws.ec2.Vpc("v", cidr_block="10.0.0.0/16", tags={"token": pulumi.Output.secret("hunter2")})
        aws.ec2.Subnet("s", vpc_id=vpc.id, cidr_block="10.0.1.0/24")
        pulumi.export("token", pulumi.Output.secret("hunter2"))
        pulumi.export("cidr", vpc.cidr_block)

    reg = register(program, stand_ins=False)
    assert reg.one("aws:ec2/vpc:Vpc").inputs["tags"] == {"token": "[secret]"}
    assert reg.one("aws:ec2/subnet:Subnet").inputs["vpcId"] == "[unknown]"
    assert reg.run.outputs == {"token": "[secret]", "cidr": "10.0.0.0/16"}
    assert "hunter2" not in repr([r.inputs for r in reg.resources]) + repr(reg.run.outputs)
    # With stand-ins (the default) the id is the VPC's stand-in, in EC2's documented shape; secrets stay masked.
    standing = register(program)
    vpc_id = standing.one("aws:ec2/vpc:Vpc").stand_ins["id"]
    assert standing.one("aws:ec2/subnet:Subnet").inputs["vpcId"] == vpc_id
    assert re.fullmatch(r"vpc-[0-9a-f]{17}", vpc_id)
    assert "hunter2" not in repr([r.inputs for r in standing.resources]) + repr(standing.run.outputs)


def test_options_are_recorded_whole(register):
    def program():
        provider = aws.Provider("p", region="eu-west-1")
        aws.s3.Bucket("b", bucket="x", opts=pulumi.ResourceOptions(
            provider=provider, protect=True, retain_on_delete=True, delete_before_replace=True,
            ignore_changes=["tags"]))

    reg = register(program)
    bucket = reg.one("aws:s3/bucket:Bucket")
    provider = reg.one("pulumi:providers:aws")
    assert bucket.provider == f"{provider.urn}::offline-p"
    assert bucket.options() == {"protect": True, "retainOnDelete": True, "deleteBeforeReplace": True,
                                "ignoreChanges": ["tags"], "dependencies": [], "propertyDependencies": {}}
    assert provider.inputs["region"] == "eu-west-1"


def test_invokes_get_fixed_answers_for_the_stacks_region(register):
    from infra.offline.invokes import OfflineContext

    def program():
        pulumi.export("account", aws.get_caller_identity_output().account_id)
        pulumi.export("zones", aws.get_availability_zones_output().names)

    reg = register(program, context=OfflineContext(aws_region="eu-west-1"))
    assert reg.run.outputs["account"] == "123456789012"
    assert reg.run.outputs["zones"][:2] == ["eu-west-1a", "eu-west-1b"]
    assert sorted(set(reg.run.invokes)) == ["aws:index/getAvailabilityZones:getAvailabilityZones",
                                            "aws:index/getCallerIdentity:getCallerIdentity"]


def test_an_invoke_without_an_answer_is_an_error_naming_it():
    def program():
        pulumi.export("ami", aws.ec2.get_ami_output(owners=["amazon"], most_recent=True).id)

    with pytest.raises(ProgramError) as err:
        run_program(program)
    assert isinstance(err.value.cause, UnansweredInvokeError) or "aws:ec2/getAmi:getAmi" in str(err.value)
    assert "the offline engine has no answer for invoke 'aws:ec2/getAmi:getAmi'" in str(err.value)


def test_runs_do_not_leak_into_each_other(register):
    first = register(lambda: aws.s3.Bucket("one", bucket="one"), stack="a")
    second = register(lambda: aws.s3.Bucket("two", bucket="two"), stack="b")
    assert [r.name for r in first.resources] == ["one"]
    assert [r.name for r in second.resources] == ["two"]
    assert second.resources[0].urn == "urn:pulumi:b::mlinfra::aws:s3/bucket:Bucket::two"


def test_monitor_calls_run_on_one_worker_and_the_runtime_is_put_back_after():
    import sys
    import threading

    from pulumi.runtime.sync_await import _ensure_event_loop

    loop = _ensure_event_loop()
    executor_before, interval_before = getattr(loop, "_default_executor", None), sys.getswitchinterval()
    threads: set[str] = set()

    def program():
        vpc = aws.ec2.Vpc("v", cidr_block="10.0.0.0/16")
        for index in range(8):  # registered concurrently: the SDK sends them all before any answers
            aws.ec2.Subnet(f"s{index}", vpc_id=vpc.id, cidr_block=f"10.0.{index}.0/24")

    run = run_program(program, on_register=lambda record: threads.add(threading.current_thread().name))
    assert len(run.resources) == 9
    assert threads == {"mlinfra-monitor_0"}  # one worker, not the loop's default pool of six
    assert getattr(loop, "_default_executor", None) is executor_before
    assert sys.getswitchinterval() == interval_before
