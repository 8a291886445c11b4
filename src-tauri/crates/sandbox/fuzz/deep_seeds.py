"""Writes the fuzz targets' deep seeds: the shapes that once overflowed the parsers' stacks, 10^5
levels deep, and the last shapes within DynamoDB's limits. Generated (not committed) because
they are megabytes; `make fuzz` runs this first."""

import os
import sys

LEVELS = 100_000
# The first byte of a `requests` input picks the operation: 5 is PutItem.
PUT_ITEM = "\x05"


def item(depth):
    nested = '{"M":{"a":' * depth + '{"S":"x"}' + "}}" * depth
    return PUT_ITEM + '{"TableName":"t","Item":{"id":{"S":"k"},"deep":' + nested + "}}"


SEEDS = {
    "expressions": {
        "and-groups": "a<b and (" * LEVELS + "a<b" + ")" * LEVELS,
        "parentheses": "(" * LEVELS + "a<b" + ")" * LEVELS,
        "unclosed": "(" * LEVELS,
        "nots": "NOT " * LEVELS + "a<b",
        "functions": "a < " + "f(" * LEVELS + "b" + ")" * LEVELS,
        "sizes": "a < " + "size(" * LEVELS + "b" + ")" * LEVELS,
        "path": "a" + ".b" * LEVELS,
        "indexes": "SET l" + "[0]" * LEVELS + " = :n",
        "list-appends": "SET l = " + "list_append(" * LEVELS + ":l" + ", :l)" * LEVELS,
        "or-chain": " OR ".join(["a < :n"] * LEVELS),
        "long-name": "a" + "z" * LEVELS,
        "within-4k-groups": "(" * 2046 + "a<b" + ")" * 2046,
        "within-4k-nots": "not " * 1000 + "a<b",
        "within-4k-or-groups": "a<b " + "or (a<b " * 454 + ")" * 454,
        "deepest-path": "a" + ".b" * 31,
    },
    "templates": {
        "ifs": "#if(true)" * LEVELS + "x" + "#end" * LEVELS,
        "foreach": "#foreach($i in [1..2])" * LEVELS + "x" + "#end" * LEVELS,
        "parentheses": "#set($x = " + "(" * LEVELS + "1" + ")" * LEVELS + ")",
        "nots": "#set($x = " + "!" * LEVELS + "true)",
        "calls": "$a" + ".b(" * LEVELS + ")" * LEVELS,
        "lists": "#set($x = " + "[" * LEVELS + "]" * LEVELS + ")",
        "strings": "#set($x = " + '"$x.concat(' * 2000 + "'a'" + ')"' * 2000 + ")",
        "loops": "#foreach($a in [1..1000])#foreach($b in [1..1000])$a$b#end#end",
        "doubling": "#set($s = 'ab')#foreach($i in [1..64])#set($s = \"$s$s\")#end$s",
        "payload": "$input.json('$..a')\x00" + '{"a":' * 120 + "1" + "}" * 120,
        "within-depth": "#if(true)" * 98 + "x" + "#end" * 98,
    },
    "requests": {
        "item-33": item(33),
        "item-deep": item(LEVELS),
        "brackets": PUT_ITEM + "[" * LEVELS + "]" * LEVELS,
        "objects": PUT_ITEM + '{"a":' * LEVELS + "1" + "}" * LEVELS,
    },
    # The first byte picks the method (1: PUT; with 0x80, aws-chunked), the second the
    # subresource (1: website, 2: cors, 6: delete; with 0x80, an object).
    "s3": {
        "website-deep": "\x01\x01" + "<WebsiteConfiguration>" + "<a>" * LEVELS,
        "cors-wide": "\x01\x02<CORSConfiguration>" + "<CORSRule/>" * LEVELS + "</CORSConfiguration>",
        "delete-many": "\x02\x06<Delete>" + "<Object><Key>k</Key></Object>" * 2000 + "</Delete>",
        "chunk-header": "\x81\x80" + "f" * LEVELS,
        "chunk-sizes": "\x81\x80" + "1\r\na\r\n" * 1000 + "0\r\n" + "x:" * LEVELS,
    },
}


def main(corpus):
    for target, seeds in SEEDS.items():
        folder = os.path.join(corpus, target, "deep")
        os.makedirs(folder, exist_ok=True)
        for name, text in seeds.items():
            with open(os.path.join(folder, name), "w", encoding="utf-8") as out:
                out.write(text)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus"))
