// Records as the app receives them, for the tests: every field empty unless given.
import type { ServerRecord } from "./bindings";

/** A feed record with `id`, its other fields empty unless `fields` sets them. */
export function serverRecord(id: number, fields: Partial<ServerRecord> = {}): ServerRecord {
  return {
    id,
    service: "apigateway",
    kind: "request",
    time: id,
    title: "",
    request_id: null,
    connection_id: null,
    event: null,
    answer: null,
    log: [],
    status: null,
    error: null,
    duration_ms: null,
    mapping: null,
    cache: null,
    authorizer: null,
    raw: "",
    ...fields,
  };
}
