// Exchanges as people reuse them: a curl command, a HAR file, pretty JSON bodies.
import type { ExchangeView } from "./bindings";

/** Quotes a word for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) {
    return word;
  }
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** Headers curl sets itself or that only make sense for the original request. */
const SKIPPED = new Set(["content-length", "host", "authorization", "x-amz-security-token"]);

/** The curl command that sends the same request (secrets left out). */
export function toCurl(exchange: ExchangeView): string {
  const parts = ["curl", "-i", "-X", exchange.method, shellWord(exchange.url)];
  for (const header of exchange.request_headers) {
    if (!SKIPPED.has(header.name.toLowerCase())) {
      parts.push("-H", shellWord(`${header.name}: ${header.value}`));
    }
  }
  if (exchange.request_body) {
    parts.push("--data", shellWord(exchange.request_body));
  }
  return parts.join(" ");
}

/** The body as indented JSON when it is JSON, else as it is. */
export function prettyBody(body: string): string {
  if (!body) {
    return "";
  }
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** A HAR 1.2 log of `exchanges`, as browsers and API clients import it. */
export function toHar(exchanges: ExchangeView[]): string {
  const entries = exchanges.map((exchange) => {
    const url = safeUrl(exchange.url);
    return {
      startedDateTime: new Date(exchange.started_at_ms).toISOString(),
      time: exchange.duration_ms,
      request: {
        method: exchange.method,
        url: exchange.url,
        httpVersion: "HTTP/1.1",
        headers: exchange.request_headers.map(({ name, value }) => ({ name, value })),
        queryString: url
          ? [...url.searchParams.entries()].map(([name, value]) => ({ name, value }))
          : [],
        cookies: [],
        headersSize: -1,
        bodySize: exchange.request_body.length,
        ...(exchange.request_body
          ? { postData: { mimeType: contentType(exchange, "request"), text: exchange.request_body } }
          : {}),
      },
      response: {
        status: exchange.status ?? 0,
        statusText: exchange.error ?? "",
        httpVersion: "HTTP/1.1",
        headers: exchange.response_headers.map(({ name, value }) => ({ name, value })),
        cookies: [],
        content: {
          size: exchange.response_body.length,
          mimeType: contentType(exchange, "response"),
          text: exchange.response_body,
        },
        redirectURL: "",
        headersSize: -1,
        bodySize: exchange.response_body.length,
      },
      cache: {},
      timings: { send: 0, wait: exchange.duration_ms, receive: 0 },
      comment: exchange.label,
    };
  });
  return JSON.stringify(
    { log: { version: "1.2", creator: { name: "Serverless Lab", version: "1" }, entries } },
    null,
    2,
  );
}

function safeUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function contentType(exchange: ExchangeView, side: "request" | "response"): string {
  const headers = side === "request" ? exchange.request_headers : exchange.response_headers;
  return (
    headers.find((header) => header.name.toLowerCase() === "content-type")?.value ??
    "application/octet-stream"
  );
}

/** The API Gateway request id on an answer (an HTTP API's `apigw-requestid`, a REST API's
 * `x-amzn-RequestId`), which links it to the server side. */
export function gatewayRequestId(exchange: ExchangeView): string | null {
  const named = (name: string) =>
    exchange.response_headers.find((header) => header.name.toLowerCase() === name)?.value;
  return named("apigw-requestid") ?? named("x-amzn-requestid") ?? null;
}

/** What an authorizer's detail is, in words: a token's claims, a function's context, a signer. */
export function authorizerDetail(kind: string, decision: string): string {
  switch (kind) {
    case "JWT":
    case "COGNITO_USER_POOLS":
      return decision === "allowed" ? "The token's claims (verified)" : "The token's claims as presented (not verified)";
    case "AWS_IAM":
      return "Who signed the request";
    default:
      return decision === "allowed" ? "The context the function returned" : "What the function answered";
  }
}
