"""What the DynamoDB rule scripts share: a boto3 client for the sandbox named on the command line,
and checks that collect every broken rule instead of stopping at the first.
"""

import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1]
ddb = boto3.client(
    "dynamodb",
    endpoint_url=ENDPOINT,
    region_name="us-east-1",
    aws_access_key_id="AKIDRULES",
    aws_secret_access_key="rules",
)
broken = []


def s(text):
    return {"S": text}


def n(number):
    return {"N": str(number)}


def expect_error(rule, call, code, message, exact=True):
    """`call` must fail with `code` and `message` (or a message containing it)."""
    try:
        call()
    except ClientError as error:
        got_code = error.response["Error"]["Code"]
        got = error.response["Error"]["Message"]
        if got_code != code or (got != message if exact else message not in got):
            broken.append(f"{rule}: got {got_code} {got!r}, want {code} {message!r}")
        return error.response
    broken.append(f"{rule}: no error, want {code} {message!r}")
    return None


def expect(rule, condition, detail=""):
    if not condition:
        broken.append(f"{rule}: {detail}")


def finish():
    """Prints every broken rule; exits 1 if there is one."""
    for line in broken:
        print(line)
    sys.exit(1 if broken else 0)
