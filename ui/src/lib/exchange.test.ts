import { describe, expect, it } from "vitest";
import type { ExchangeView } from "./bindings";
import { authorizerDetail, gatewayRequestId, prettyBody, shellWord, toCurl, toHar } from "./exchange";

const exchange: ExchangeView = {
  id: 1,
  origin: "try-it",
  label: "Add an item",
  method: "POST",
  url: "http://127.0.0.1:4566/_aws/execute-api/abc/prod/?x=1",
  request_headers: [
    { name: "content-type", value: "application/json" },
    { name: "authorization", value: "<redacted>" },
  ],
  request_body: '{"Item":{"thingID":{"S":"it\'s"}}}',
  status: 200,
  response_headers: [
    { name: "content-type", value: "application/json" },
    { name: "apigw-requestid", value: "Jq7bYhcZIAMEb8A=" },
  ],
  response_body: '{"ok":true}',
  error: null,
  started_at_ms: 1_700_000_000_000,
  duration_ms: 12.5,
};

describe("exchanges", () => {
  it("become curl commands a shell accepts, without secrets", () => {
    const curl = toCurl(exchange);
    expect(curl).toBe(
      "curl -i -X POST 'http://127.0.0.1:4566/_aws/execute-api/abc/prod/?x=1' " +
        "-H 'content-type: application/json' " +
        `--data '{"Item":{"thingID":{"S":"it'"'"'s"}}}'`,
    );
    expect(shellWord("plain-word")).toBe("plain-word");
  });

  it("export as HAR with their query, bodies and timings", () => {
    const har = JSON.parse(toHar([exchange]));
    const entry = har.log.entries[0];
    expect(har.log.version).toBe("1.2");
    expect(entry.request.queryString).toEqual([{ name: "x", value: "1" }]);
    expect(entry.request.postData.text).toBe(exchange.request_body);
    expect(entry.response.status).toBe(200);
    expect(entry.time).toBe(12.5);
  });

  it("pretty-print JSON bodies and leave others alone", () => {
    expect(prettyBody('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyBody("not json")).toBe("not json");
  });

  it("name the gateway request that links to the server side", () => {
    expect(gatewayRequestId(exchange)).toBe("Jq7bYhcZIAMEb8A=");
    const rest = {
      ...exchange,
      response_headers: [{ name: "x-amzn-RequestId", value: "6b1c8f2e-1d3a-4c55-9a57-0f1e2d3c4b5a" }],
    };
    expect(gatewayRequestId(rest)).toBe("6b1c8f2e-1d3a-4c55-9a57-0f1e2d3c4b5a");
  });
});

describe("authorizerDetail", () => {
  it("says whether a token's claims were verified", () => {
    expect(authorizerDetail("JWT", "allowed")).toBe("The token's claims (verified)");
    expect(authorizerDetail("JWT", "refused")).toBe("The token's claims as presented (not verified)");
    expect(authorizerDetail("REQUEST", "allowed")).toBe("The context the function returned");
    expect(authorizerDetail("AWS_IAM", "allowed")).toBe("Who signed the request");
  });
});
