"""Both stacks build offline with their intended shape."""

from collections import Counter


def test_prod_spans_three_zones_with_a_nat_gateway_each(prod_stack):
    assert len(prod_stack.of_type("aws:ec2/subnet:Subnet")) == 9
    assert len(prod_stack.of_type("aws:ec2/natGateway:NatGateway")) == 3
    instance = prod_stack.one("aws:rds/instance:Instance").props
    assert instance["multiAz"] is True and instance["backupRetentionPeriod"] >= 14


def test_staging_is_cheaper_with_the_same_controls(staging_stack, prod_stack):
    assert len(staging_stack.of_type("aws:ec2/subnet:Subnet")) == 6
    assert len(staging_stack.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert staging_stack.one("aws:rds/instance:Instance").props["multiAz"] is False
    protective = {"aws:ec2/flowLog:FlowLog", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
                  "aws:backup/vaultLockConfiguration:VaultLockConfiguration", "aws:backup/vaultPolicy:VaultPolicy",
                  "aws:backup/selection:Selection", "aws:kms/key:Key"}
    count = lambda stack: Counter(r.type for r in stack if r.type in protective)  # noqa: E731
    assert count(staging_stack) == count(prod_stack)


def test_database_and_every_store_are_in_the_backup_selection(prod_stack):
    selection = prod_stack.one("aws:backup/selection:Selection").props
    stores = prod_stack.of_type("aws:rds/instance:Instance") + prod_stack.of_type("aws:dynamodb/table:Table")
    assert len(stores) == 4
    assert {s.props["arn"] for s in stores} == set(selection["resources"])


def test_every_resource_records_where_it_was_declared(prod_stack):
    for resource in prod_stack:
        assert resource.source is not None and resource.source.line > 0, resource.urn
