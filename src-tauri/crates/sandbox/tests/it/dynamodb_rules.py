"""DynamoDB's validation rules as boto3 meets them, checked against a sandbox.

Usage: python3 dynamodb_rules.py ENDPOINT. Prints each broken rule and exits 1 if any is broken.
The expected codes and messages are AWS's own (including the "1 validation error detected: "
that PutItem, UpdateItem, DeleteItem and Query put before some of their checks, and Scan,
BatchGetItem and the transactions do not).
"""

from dynamodb_checks import ENDPOINT, ddb, expect, expect_error, finish, s

DETECTED = "1 validation error detected: "
EMPTY_INDEX_KEY = (
    "One or more parameter values are not valid. A value specified for a secondary index key "
    "is not supported. The AttributeValue for a key attribute cannot contain an empty string "
    "value. IndexName: by_g, IndexKey: g"
)


ddb.create_table(
    TableName="rules",
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "g", "AttributeType": "S"},
        {"AttributeName": "l", "AttributeType": "S"},
    ],
    GlobalSecondaryIndexes=[
        {
            "IndexName": "by_g",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
    LocalSecondaryIndexes=[
        {
            "IndexName": "by_l",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
    BillingMode="PAY_PER_REQUEST",
)
ddb.put_item(TableName="rules", Item={"pk": s("p"), "sk": s("1"), "g": s("x"), "l": s("a"), "other": s("o")})

# Secondary index keys: the type first, then emptiness, on every way of writing an item.
expect_error(
    "an empty GSI key in PutItem",
    lambda: ddb.put_item(TableName="rules", Item={"pk": s("p"), "sk": s("2"), "g": s("")}),
    "ValidationException",
    EMPTY_INDEX_KEY,
)
expect_error(
    "a GSI key of the wrong type",
    lambda: ddb.put_item(TableName="rules", Item={"pk": s("p"), "sk": s("2"), "g": {"N": "1"}}),
    "ValidationException",
    "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by_g",
)
expect_error(
    "a NULL GSI key",
    lambda: ddb.put_item(TableName="rules", Item={"pk": s("p"), "sk": s("2"), "g": {"NULL": True}}),
    "ValidationException",
    "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: NULL IndexName: by_g",
)
expect_error(
    "an update that empties an LSI key",
    lambda: ddb.update_item(
        TableName="rules",
        Key={"pk": s("p"), "sk": s("1")},
        UpdateExpression="SET l = :e",
        ExpressionAttributeValues={":e": s("")},
    ),
    "ValidationException",
    "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value.",
)
expect_error(
    "an empty GSI key in BatchWriteItem",
    lambda: ddb.batch_write_item(
        RequestItems={"rules": [{"PutRequest": {"Item": {"pk": s("p"), "sk": s("3"), "g": s("")}}}]}
    ),
    "ValidationException",
    EMPTY_INDEX_KEY,
)
expect_error(
    "an empty GSI key in a transaction fails the whole request",
    lambda: ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": "rules", "Item": {"pk": s("p"), "sk": s("4"), "g": s("")}}}]
    ),
    "ValidationException",
    EMPTY_INDEX_KEY,
)

# Key sizes: 2,048 bytes of partition key and 1,024 of sort key, no more.
ddb.put_item(TableName="rules", Item={"pk": s("x" * 2048), "sk": s("y" * 1024)})
expect_error(
    "a partition key over 2,048 bytes",
    lambda: ddb.put_item(TableName="rules", Item={"pk": s("x" * 2049), "sk": s("1")}),
    "ValidationException",
    "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
)
expect_error(
    "a sort key over 1,024 bytes",
    lambda: ddb.put_item(TableName="rules", Item={"pk": s("p"), "sk": s("y" * 1025)}),
    "ValidationException",
    "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
)
expect_error(
    "an update of a partition key over 2,048 bytes",
    lambda: ddb.update_item(
        TableName="rules",
        Key={"pk": s("x" * 2049), "sk": s("1")},
        UpdateExpression="SET body = :b",
        ExpressionAttributeValues={":b": s("b")},
    ),
    "ValidationException",
    "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
)

# CreateTable: key types are an enum, local indexes need the table's sort key.
expect_error(
    "a key type that is not HASH or RANGE",
    lambda: ddb.create_table(
        TableName="sorted",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "SORT"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    ),
    "ValidationException",
    "1 validation error detected: Value 'SORT' at 'keySchema.2.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
)
expect_error(
    "a GSI key type that is not HASH or RANGE, reported before its undefined attributes",
    lambda: ddb.create_table(
        TableName="sorted",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {
                "IndexName": "sorted-gsi",
                "KeySchema": [{"AttributeName": "n/a", "KeyType": "HASH"}, {"AttributeName": "sth", "KeyType": "SORT"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    ),
    "ValidationException",
    "1 validation error detected: Value 'SORT' at 'globalSecondaryIndexes.1.member.keySchema.2.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]",
)
expect_error(
    "a local index on a table without a sort key",
    lambda: ddb.create_table(
        TableName="hash-only",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        LocalSecondaryIndexes=[
            {
                "IndexName": "by_l",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    ),
    "ValidationException",
    "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
)

# Select, as Query (with the prefix) and Scan (without) report it.
QUERY = {"TableName": "rules", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("p")}}
for operation, prefix, base in [("query", DETECTED, QUERY), ("scan", "", {"TableName": "rules"})]:
    call = getattr(ddb, operation)
    expect_error(
        f"{operation}: ALL_PROJECTED_ATTRIBUTES on the table",
        lambda: call(**base, Select="ALL_PROJECTED_ATTRIBUTES"),
        "ValidationException",
        f"{prefix}ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
    )
    expect_error(
        f"{operation}: SPECIFIC_ATTRIBUTES without a projection",
        lambda: call(**base, Select="SPECIFIC_ATTRIBUTES"),
        "ValidationException",
        f"{prefix}Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
    )
    expect_error(
        f"{operation}: COUNT with a projection",
        lambda: call(**base, Select="COUNT", ProjectionExpression="pk"),
        "ValidationException",
        f"{prefix}Cannot specify the ProjectionExpression when choosing to get only the Count",
    )
    expect_error(
        f"{operation}: Select values are case sensitive",
        lambda: call(**base, Select="count"),
        "ValidationException",
        "1 validation error detected: Value 'count' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
    )
expect_error(
    "ALL_ATTRIBUTES from a GSI that does not project them",
    lambda: ddb.scan(TableName="rules", IndexName="by_g", Select="ALL_ATTRIBUTES"),
    "ValidationException",
    "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index by_g because its projection type is not ALL",
)
whole = ddb.query(**QUERY, IndexName="by_l", Select="ALL_ATTRIBUTES")["Items"]
expect("ALL_ATTRIBUTES from a local index fetches whole items", [i.get("other") for i in whole] == [s("o")], whole)
projected = ddb.query(**QUERY, IndexName="by_l")["Items"]
expect("a KEYS_ONLY local index projects only keys", all("other" not in i for i in projected), projected)

# The item writes' checks, reported with the prefix; the transactions' without.
expect_error(
    "an update's empty set",
    lambda: ddb.update_item(
        TableName="rules",
        Key={"pk": s("p"), "sk": s("1")},
        UpdateExpression="ADD tags :t",
        ExpressionAttributeValues={":t": {"SS": []}},
    ),
    "ValidationException",
    DETECTED + "One or more parameter values were invalid: An string set  may not be empty",
)
expect_error(
    "two SET clauses in UpdateItem",
    lambda: ddb.update_item(
        TableName="rules",
        Key={"pk": s("p"), "sk": s("1")},
        UpdateExpression="SET a = :v SET b = :v",
        ExpressionAttributeValues={":v": s("v")},
    ),
    "ValidationException",
    DETECTED + 'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
)
expect_error(
    "two SET clauses in a transaction",
    lambda: ddb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": "rules",
                    "Key": {"pk": s("p"), "sk": s("1")},
                    "UpdateExpression": "SET a = :v SET b = :v",
                    "ExpressionAttributeValues": {":v": s("v")},
                }
            }
        ]
    ),
    "ValidationException",
    'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
)
expect_error(
    "unused names in DeleteItem",
    lambda: ddb.delete_item(
        TableName="rules",
        Key={"pk": s("p"), "sk": s("9")},
        ConditionExpression="attribute_not_exists(pk)",
        ExpressionAttributeNames={"#count": "count"},
    ),
    "ValidationException",
    DETECTED + "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}",
)
expect_error(
    "BatchGetItem checks its expressions before looking for the table",
    lambda: ddb.batch_get_item(
        RequestItems={
            "no-such-table": {
                "Keys": [{"pk": s("a")}],
                "ProjectionExpression": "#a",
                "ExpressionAttributeNames": {"#a": "pk", "#count": "count"},
            }
        }
    ),
    "ValidationException",
    "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}",
)

# `<>` holds for a missing attribute: in a transaction, only the existing item fails.
response = expect_error(
    "a transaction of puts conditioned on pk <> an existing key",
    lambda: ddb.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": "rules",
                    "Item": {"pk": s(f"t{i}"), "sk": s("1")},
                    "ConditionExpression": "#k <> :taken",
                    "ExpressionAttributeNames": {"#k": "pk"},
                    "ExpressionAttributeValues": {":taken": s("p")},
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            for i in range(3)
        ]
        + [
            {
                "Put": {
                    "TableName": "rules",
                    "Item": {"pk": s("p"), "sk": s("1")},
                    "ConditionExpression": "#k <> :taken",
                    "ExpressionAttributeNames": {"#k": "pk"},
                    "ExpressionAttributeValues": {":taken": s("p")},
                }
            }
        ]
    ),
    "TransactionCanceledException",
    "Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, None, ConditionalCheckFailed]",
)
if response:
    codes = [reason["Code"] for reason in response["CancellationReasons"]]
    expect("cancellation reasons", codes == ["None", "None", "None", "ConditionalCheckFailed"], codes)

# A table's ARN names it in every operation.
arn = ddb.describe_table(TableName="rules")["Table"]["TableArn"]
ddb.put_item(TableName=arn, Item={"pk": s("by-arn"), "sk": s("1")})
expect("GetItem by ARN", "Item" in ddb.get_item(TableName=arn, Key={"pk": s("by-arn"), "sk": s("1")}))
ddb.batch_write_item(RequestItems={arn: [{"PutRequest": {"Item": {"pk": s("batch-arn"), "sk": s("1")}}}]})
expect(
    "BatchWriteItem by ARN",
    "Item" in ddb.get_item(TableName="rules", Key={"pk": s("batch-arn"), "sk": s("1")}),
)

# Index projections: INCLUDE names its attributes, ALL and KEYS_ONLY do not.
def table_with_projection(projection):
    return lambda: ddb.create_table(
        TableName="projected",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[
            {"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": projection}
        ],
    )


expect_error(
    "INCLUDE without NonKeyAttributes",
    table_with_projection({"ProjectionType": "INCLUDE"}),
    "ValidationException",
    "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified",
)
for kind in ["ALL", "KEYS_ONLY"]:
    expect_error(
        f"{kind} with NonKeyAttributes",
        table_with_projection({"ProjectionType": kind, "NonKeyAttributes": ["a"]}),
        "ValidationException",
        f"One or more parameter values were invalid: ProjectionType is {kind}, but NonKeyAttributes is specified",
    )

# Tags: keys of 1 to 128 characters, values up to 256.
expect_error(
    "a tag key over 128 characters",
    lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k" * 129, "Value": "v"}]),
    "ValidationException",
    f"1 validation error detected: Value '{'k' * 129}' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
)
expect_error(
    "a tag value over 256 characters",
    lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}, {"Key": "w", "Value": "v" * 257}]),
    "ValidationException",
    f"1 validation error detected: Value '{'v' * 257}' at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
)

# DescribeEndpoints names the sandbox itself, where the client reached it.
endpoints = ddb.describe_endpoints()["Endpoints"]
expect(
    "DescribeEndpoints",
    endpoints == [{"Address": ENDPOINT.split("://", 1)[1], "CachePeriodInMinutes": 1440}],
    endpoints,
)

finish()
