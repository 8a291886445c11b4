//! Any bytes as the body of any DynamoDB operation, against one sandbox state that grows as the
//! fuzzer finds valid requests: every answer is a response or an AWS error, never a panic.

#![no_main]

use std::sync::OnceLock;

use lab_sandbox::dynamodb::DynamoDb;
use lab_sandbox::store::{Scope, Store, StoreThread};
use libfuzzer_sys::fuzz_target;

const OPERATIONS: [&str; 20] = [
    "CreateTable",
    "DescribeTable",
    "ListTables",
    "UpdateTable",
    "DeleteTable",
    "PutItem",
    "GetItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchWriteItem",
    "BatchGetItem",
    "TransactWriteItems",
    "TransactGetItems",
    "TagResource",
    "UntagResource",
    "ListTagsOfResource",
    "UpdateTimeToLive",
    "DescribeTimeToLive",
];

struct Harness {
    runtime: tokio::runtime::Runtime,
    dynamodb: DynamoDb,
    /// Held, not forgotten, so the leak checker sees the writer thread as reachable.
    _store_thread: StoreThread,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        // The state directory and the writer threads live as long as the fuzzer.
        let dir = lab_sandbox::store::temporary_data_dir()
            .expect("a temporary directory")
            .keep();
        let (store, stored, store_thread) = Store::open(Some(&dir)).expect("a store");
        let dynamodb = runtime
            .block_on(DynamoDb::open(&dir, &store, stored.tables))
            .expect("an empty state loads");
        Harness {
            runtime,
            dynamodb,
            _store_thread: store_thread,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let operation = OPERATIONS[usize::from(selector) % OPERATIONS.len()];
    let harness = harness();
    let scope = Scope {
        account: "000000000000".into(),
        region: "us-east-1".into(),
    };
    let _ = harness
        .runtime
        .block_on(harness.dynamodb.handle(&scope, operation, body));
});
