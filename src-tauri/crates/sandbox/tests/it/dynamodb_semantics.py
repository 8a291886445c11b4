"""What DynamoDB's operations mean, as boto3 meets them, checked against a sandbox: condition and
update semantics, the legacy parameters, key conditions, consumed capacity, UpdateTable's index
rules, tags and time to live; and, through plain HTTP, compressed bodies and the endpoint's
health check.

Usage: python3 dynamodb_semantics.py ENDPOINT. Prints each broken rule and exits 1 if any is
broken. The expected codes and messages are AWS's own.
"""

import gzip
import json
import urllib.error
import urllib.request
import zlib

from dynamodb_checks import ENDPOINT, ddb, expect, expect_error, finish, n, s

VALIDATION = "ValidationException"
FAILED = "ConditionalCheckFailedException"


def update(key, **parameters):
    return lambda: ddb.update_item(TableName="sem", Key={"p": s(key)}, **parameters)


def item(key):
    return ddb.get_item(TableName="sem", Key={"p": s(key)}, ConsistentRead=True).get("Item")


ddb.create_table(
    TableName="sem",
    KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)

# Sets are equal whatever the order their members were added in.
ddb.put_item(TableName="sem", Item={"p": s("set"), "a": {"SS": ["dog", "cat"]}})
ddb.update_item(
    TableName="sem", Key={"p": s("set")}, UpdateExpression="ADD a :more", ExpressionAttributeValues={":more": {"SS": ["mouse"]}}
)
try:
    update(
        "set",
        UpdateExpression="SET b = :one",
        ConditionExpression="a = :same",
        ExpressionAttributeValues={":one": n(1), ":same": {"SS": ["mouse", "cat", "dog"]}},
    )()
except Exception as error:  # noqa: BLE001 - any failure breaks the rule
    expect("sets compare equal in any order", False, error)

# Function operands.
expect_error(
    "attribute_exists of a value",
    update("set", UpdateExpression="SET b = :v", ConditionExpression="attribute_exists(:v)", ExpressionAttributeValues={":v": n(1)}),
    VALIDATION,
    "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists",
)
expect_error(
    "size of a number value",
    update("set", UpdateExpression="SET b = :v", ConditionExpression="size(:v) > :v", ExpressionAttributeValues={":v": n(1)}),
    VALIDATION,
    "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
)
expect_error(
    "size with two operands",
    update("set", UpdateExpression="SET b = :v", ConditionExpression="size(a, a) > :v", ExpressionAttributeValues={":v": n(1)}),
    VALIDATION,
    "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2",
)
ddb.update_item(
    TableName="sem",
    Key={"p": s("set")},
    UpdateExpression="SET b = :v",
    ConditionExpression="attribute_type(:v, :n) AND size(:text) = :three",
    ExpressionAttributeValues={":v": n(1), ":n": s("N"), ":text": s("abc"), ":three": n(3)},
)
expect_error(
    "BETWEEN bounds of different types",
    update(
        "set",
        UpdateExpression="SET b = :v",
        ConditionExpression="b BETWEEN :v AND :dog",
        ExpressionAttributeValues={":v": n(1), ":dog": s("dog")},
    ),
    VALIDATION,
    "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:dog}",
)
expect_error(
    "a name starting with an underscore",
    update("set", UpdateExpression="SET _a = :v", ExpressionAttributeValues={":v": n(1)}),
    VALIDATION,
    'Invalid UpdateExpression: Syntax error; token: "_", near: "SET _"',
)

# Update paths.
ddb.put_item(TableName="sem", Item={"p": s("paths"), "a": {"L": [s("one")]}, "t": s("text")})
ddb.update_item(
    TableName="sem",
    Key={"p": s("paths")},
    UpdateExpression="SET a[9] = :x, a[5] = :y",
    ExpressionAttributeValues={":x": s("x"), ":y": s("y")},
)
expect("indexes past the end append lowest first", item("paths")["a"] == {"L": [s("one"), s("y"), s("x")]}, item("paths"))
for expression in ["REMOVE t.c", "REMOVE gone.c", "REMOVE t[0]"]:
    expect_error(
        f"{expression} through what is not a map or list",
        update("paths", UpdateExpression=expression),
        VALIDATION,
        "The document path provided in the update expression is invalid for update",
    )
expect_error(
    "conflicting update paths",
    update("paths", UpdateExpression="SET a.b = :v, a[1] = :v", ExpressionAttributeValues={":v": n(1)}),
    VALIDATION,
    "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]",
)
expect_error(
    "conflicting projection paths",
    lambda: ddb.get_item(TableName="sem", Key={"p": s("paths")}, ProjectionExpression="a.b, a[1]"),
    VALIDATION,
    "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]",
)
expect_error(
    "a list index out of range",
    lambda: ddb.get_item(TableName="sem", Key={"p": s("paths")}, ProjectionExpression="a[99999999999999]"),
    VALIDATION,
    "Invalid ProjectionExpression: List index is not within the allowable range; index: [99999999999999]",
)

# An update that only removes does not create the item.
response = ddb.update_item(TableName="sem", Key={"p": s("ghost")}, UpdateExpression="REMOVE a", ReturnValues="ALL_NEW")
expect("REMOVE on a missing item returns nothing", "Attributes" not in response, response)
expect("REMOVE on a missing item creates nothing", item("ghost") is None, item("ghost"))
ddb.update_item(TableName="sem", Key={"p": s("ghost")}, AttributeUpdates={"a": {"Action": "DELETE"}})
expect("a legacy DELETE on a missing item creates nothing", item("ghost") is None, item("ghost"))

# The legacy parameters.
expect_error(
    "AttributeUpdates with a ConditionExpression",
    update("set", AttributeUpdates={"z": {"Value": n(1), "Action": "PUT"}}, ConditionExpression="attribute_exists(p)"),
    VALIDATION,
    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {ConditionExpression}",
)
legacy = {"AttributeUpdates": {"z": {"Value": n(1), "Action": "PUT"}}}
for rule, expected, message in [
    (
        "LT on a list",
        {"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"L": [n(1)]}]}},
        "One or more parameter values were invalid: ComparisonOperator LT is not valid for L AttributeValue type",
    ),
    (
        "IN of mixed types",
        {"a": {"ComparisonOperator": "IN", "AttributeValueList": [n(1), s("x")]}},
        "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type",
    ),
    (
        "BETWEEN reversed",
        {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [n(4), n(3)]}},
        "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
    ),
    (
        "Exists with ComparisonOperator",
        {"a": {"Exists": True, "ComparisonOperator": "EQ", "AttributeValueList": [n(1)]}},
        "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a",
    ),
    (
        "Value with AttributeValueList",
        {"a": {"Value": n(1), "ComparisonOperator": "EQ", "AttributeValueList": [n(1)]}},
        "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: a",
    ),
    (
        "ComparisonOperator alone",
        {"a": {"ComparisonOperator": "LT"}},
        "One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a",
    ),
]:
    expect_error(rule, update("set", Expected=expected, **legacy), VALIDATION, message)
expect_error(
    "NOT_CONTAINS of a missing attribute",
    update("set", Expected={"q": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [n(1)]}}, **legacy),
    FAILED,
    "The conditional request failed",
)
expect_error(
    "ConditionalOperator without Expected",
    update("set", ConditionalOperator="OR", **legacy),
    VALIDATION,
    "One or more parameter values were invalid: ConditionalOperator cannot be used without a non-empty Expected",
)
ddb.put_item(TableName="sem", Item={"p": s("typed"), "a": s("text")})
expect_error(
    "a legacy DELETE of a set from a string",
    lambda: ddb.update_item(TableName="sem", Key={"p": s("typed")}, AttributeUpdates={"a": {"Action": "DELETE", "Value": {"SS": ["x"]}}}),
    VALIDATION,
    "One or more parameter values were invalid: Type mismatch for attribute to update",
)
expect_error(
    "AttributesToGet twice the same",
    lambda: ddb.get_item(TableName="sem", Key={"p": s("set")}, AttributesToGet=["a", "a"]),
    VALIDATION,
    "One or more parameter values were invalid: Duplicate value in attribute name: a",
)

# Numbers and names.
expect_error(
    "a number that is not one",
    update("set", UpdateExpression="SET b = :v", ExpressionAttributeValues={":v": {"N": "dog"}}),
    VALIDATION,
    "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value: dog for key :v",
)
expect_error(
    "a sum that needs more than 38 digits",
    update("set", UpdateExpression="SET b = :big + :one", ExpressionAttributeValues={":big": n("1e50"), ":one": n(1)}),
    VALIDATION,
    "Number overflow. Attempting to store a number with magnitude larger than supported range",
)
expect_error(
    "an attribute name over 65535 bytes",
    lambda: ddb.put_item(TableName="sem", Item={"p": s("long"), "x" * 65536: n(1)}),
    VALIDATION,
    "1 validation error detected: Attribute name is too large, must be less than 65536 bytes",
)

# Key conditions accept only what a key can be asked.
for expression, message in [
    ("p = :p AND c <> :p", "Invalid operator used in KeyConditionExpression: <>"),
    ("p = :p AND attribute_exists(c)", "Invalid operator used in KeyConditionExpression: attribute_exists"),
    ("p = :p AND a.b < :p", "KeyConditionExpressions cannot have conditions on nested attributes"),
]:
    expect_error(
        f"KeyConditionExpression {expression}",
        lambda expression=expression: ddb.query(
            TableName="sem", KeyConditionExpression=expression, ExpressionAttributeValues={":p": s("x")}
        ),
        VALIDATION,
        message,
    )
ddb.query(
    TableName="sem",
    KeyConditions={"p": {"ComparisonOperator": "EQ", "AttributeValueList": [s("set")]}},
    ProjectionExpression="a",
)

# Consumed capacity: per table for a batch, each item rounded up on its own; per index with INDEXES.
ddb.put_item(TableName="sem", Item={"p": s("big"), "a": s("a" * 5000)})
consumed = ddb.batch_get_item(
    RequestItems={"sem": {"Keys": [{"p": s("big")}, {"p": s("set")}], "ConsistentRead": True}},
    ReturnConsumedCapacity="TOTAL",
)["ConsumedCapacity"]
expect("BatchGetItem capacity", consumed == [{"TableName": "sem", "CapacityUnits": 3.0}], consumed)
ddb.create_table(
    TableName="semi",
    KeySchema=[{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
    AttributeDefinitions=[
        {"AttributeName": "p", "AttributeType": "S"},
        {"AttributeName": "c", "AttributeType": "S"},
        {"AttributeName": "x", "AttributeType": "S"},
    ],
    GlobalSecondaryIndexes=[
        {"IndexName": "gsi", "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}
    ],
    LocalSecondaryIndexes=[
        {
            "IndexName": "lsi",
            "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"}, {"AttributeName": "x", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    ],
    BillingMode="PAY_PER_REQUEST",
)
consumed = ddb.put_item(
    TableName="semi", Item={"p": s("p"), "c": s("c"), "x": s("x"), "y": s("y")}, ReturnConsumedCapacity="INDEXES"
)["ConsumedCapacity"]
expect(
    "a put's capacity per index",
    consumed
    == {
        "TableName": "semi",
        "CapacityUnits": 3.0,
        "Table": {"CapacityUnits": 1.0},
        "GlobalSecondaryIndexes": {"gsi": {"CapacityUnits": 1.0}},
        "LocalSecondaryIndexes": {"lsi": {"CapacityUnits": 1.0}},
    },
    consumed,
)
def query_index(index, condition, **parameters):
    """Queries an index of table semi for the item put above."""
    values = {name: s(name[1:]) for name in [":p", ":x"] if name in condition}
    return ddb.query(
        TableName="semi", IndexName=index, KeyConditionExpression=condition, ExpressionAttributeValues=values, **parameters
    )


consumed = query_index("gsi", "x = :x", ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
expect(
    "a query of an index spends on the index only",
    consumed == {"TableName": "semi", "CapacityUnits": 0.5, "GlobalSecondaryIndexes": {"gsi": {"CapacityUnits": 0.5}}},
    consumed,
)
# A local index fetches from the table what it does not project.
found = query_index("lsi", "p = :p AND x = :x", ProjectionExpression="y")["Items"]
expect("a local index reads unprojected attributes from the table", found == [{"y": s("y")}], found)

# UpdateTable's index rules.
def create_index(name, definitions):
    """UpdateTable creating a global index on `x` of table semi."""
    create = {"IndexName": name, "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}
    return lambda: ddb.update_table(
        TableName="semi", AttributeDefinitions=definitions, GlobalSecondaryIndexUpdates=[{"Create": create}]
    )


for rule, call, message in [
    (
        "a GSI created again",
        create_index("lsi", [{"AttributeName": "x", "AttributeType": "S"}]),
        "One or more parameter values were invalid: Attempting to create an index which already exists: lsi",
    ),
    (
        "a GSI whose key the request does not define",
        create_index("gsi2", []),
        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [x], AttributeDefinitions: []",
    ),
]:
    expect_error(rule, call, VALIDATION, message)
ddb.update_table(TableName="semi", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "gsi"}}])
definitions = ddb.describe_table(TableName="semi")["Table"]["AttributeDefinitions"]
expect("a deleted index keeps the definitions its key needs", len(definitions) == 3, definitions)

# DeleteTable describes what it deleted without its schema.
deleted = ddb.delete_table(TableName="semi")["TableDescription"]
expect(
    "DeleteTable's description",
    deleted["TableStatus"] == "DELETING" and "KeySchema" not in deleted and "CreationDateTime" not in deleted,
    deleted,
)

# Tags and time to live.
arn = ddb.describe_table(TableName="sem")["Table"]["TableArn"]
expect_error(
    "a tag with a forbidden character",
    lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "hi!", "Value": "v"}]),
    VALIDATION,
    "1 validation error detected: Value 'hi!' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
)
expect_error(
    "more than 50 tags",
    lambda: ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": str(i), "Value": "v"} for i in range(51)]),
    VALIDATION,
    "One or more parameter values were invalid: The number of tags exceeds the limit of 50 per resource",
)
expect_error(
    "an index ARN",
    lambda: ddb.list_tags_of_resource(ResourceArn=arn + "/index/gsi"),
    VALIDATION,
    f"Invalid TableArn: Invalid ResourceArn provided as input {arn}/index/gsi",
)
ddb.update_time_to_live(TableName="sem", TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True})
expect_error(
    "disabling time to live on another attribute",
    lambda: ddb.update_time_to_live(TableName="sem", TimeToLiveSpecification={"AttributeName": "other", "Enabled": False}),
    VALIDATION,
    "TimeToLive is active on a different AttributeName: current AttributeName is expires",
)

# Compressed bodies: requests are unpacked, answers over 4 KB packed as the client asks.
def raw(operation, body, **headers):
    """POSTs `body` as `operation`; returns the status, the headers and the body as received."""
    request = urllib.request.Request(
        ENDPOINT + "/",
        data=body,
        method="POST",
        headers={"X-Amz-Target": f"DynamoDB_20120810.{operation}", "Content-Type": "application/x-amz-json-1.0", **headers},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


put = json.dumps({"TableName": "sem", "Item": {"p": s("packed"), "a": s("a" * 5000)}}).encode()
status, _, body = raw("PutItem", gzip.compress(put), **{"Content-Encoding": "gzip"})
expect("a gzip request is unpacked", status == 200 and item("packed") is not None, (status, body))
garbage = json.dumps({"TableName": "sem", "Item": {"p": s("garbage")}}).encode()
status, _, _ = raw("PutItem", garbage, **{"Content-Encoding": "gzip"})
expect("a body that is not gzip is a 500 and changes nothing", status == 500 and item("garbage") is None, status)
status, _, _ = raw("PutItem", garbage, **{"Content-Encoding": "garbage"})
expect("an unknown encoding is a 500", status == 500, status)
get = json.dumps({"TableName": "sem", "Key": {"p": s("packed")}}).encode()
status, headers, body = raw("GetItem", get, **{"Accept-Encoding": "br, deflate;q=0.5, gzip;q=0.2"})
expect(
    "a large answer comes in the preferred encoding with the CRC32 of what was sent",
    headers.get("Content-Encoding") == "deflate"
    and json.loads(zlib.decompress(body))["Item"]["a"] == s("a" * 5000)
    and headers.get("x-amz-crc32") == str(zlib.crc32(body)),
    (status, dict(headers)),
)
status, headers, body = raw("GetItem", json.dumps({"TableName": "sem", "Key": {"p": s("set")}}).encode(), **{"Accept-Encoding": "gzip"})
expect("a small answer is not packed", "Content-Encoding" not in headers and json.loads(body)["Item"], dict(headers))
with urllib.request.urlopen(ENDPOINT + "/") as response:
    health = response.read().decode()
expect("GET / is the endpoint's health check", health == "healthy: " + ENDPOINT.split("://", 1)[1], health)

finish()
