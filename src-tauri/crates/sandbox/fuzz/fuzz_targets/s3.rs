//! Any bytes as an S3 request to a bucket that exists: the first byte picks the method and how
//! the body is framed (plain or `aws-chunked`), the second the subresource and whether an object
//! is addressed; the rest is the body — request documents (XML, policies), object bytes, chunked
//! framing. Every answer is a response, never a panic.

#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use lab_sandbox::s3::{Address, S3};
use lab_sandbox::store::{Store, StoreThread};
use libfuzzer_sys::fuzz_target;

const METHODS: [Method; 6] = [
    Method::GET,
    Method::PUT,
    Method::POST,
    Method::DELETE,
    Method::HEAD,
    Method::OPTIONS,
];

const QUERIES: [&str; 12] = [
    "",
    "website",
    "cors",
    "policy",
    "tagging",
    "publicAccessBlock",
    "delete",
    "uploads",
    "list-type=2&prefix=a&delimiter=/&max-keys=2",
    "uploadId=missing&partNumber=1",
    "location",
    "continuation-token=%2F%2F",
];

struct Harness {
    runtime: tokio::runtime::Runtime,
    s3: S3,
    /// Held, not forgotten, so the leak checker sees the writer thread as reachable.
    _store_thread: StoreThread,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let dir = lab_sandbox::store::temporary_data_dir()
            .expect("a temporary directory")
            .keep();
        let (store, stored, store_thread) = Store::open(Some(&dir)).expect("a store");
        let s3 = S3::load(&dir, store, stored.buckets, stored.objects, stored.uploads)
            .expect("an empty state loads");
        let harness = Harness {
            runtime,
            s3,
            _store_thread: store_thread,
        };
        let created = harness.runtime.block_on(harness.s3.serve(
            Address::Rest {
                bucket: Some("fuzz".into()),
                key: None,
            },
            (Method::PUT, Uri::from_static("/fuzz"), signed(false)),
            Body::empty(),
            "000000000000",
        ));
        assert!(created.status().is_success(), "the bucket is made");
        harness
    })
}

fn signed(chunked: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "authorization",
        HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=AKID/20261208/us-east-1/s3/aws4_request, \
             SignedHeaders=host, Signature=00",
        ),
    );
    headers.insert("content-md5", HeaderValue::from_static("1B2M2Y8AsgTpgAEAAAAAAA=="));
    if chunked {
        headers.insert(
            "x-amz-content-sha256",
            HeaderValue::from_static("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
        );
        headers.insert("x-amz-trailer", HeaderValue::from_static("x-amz-checksum-crc32"));
    }
    headers
}

fuzz_target!(|data: &[u8]| {
    let [first, second, body @ ..] = data else {
        return;
    };
    let harness = harness();
    let method = METHODS[usize::from(*first) % METHODS.len()].clone();
    let chunked = first & 0x80 != 0;
    let query = QUERIES[usize::from(second & 0x7f) % QUERIES.len()];
    let object = second & 0x80 != 0;
    let path = if object { "/fuzz/key" } else { "/fuzz" };
    let uri: Uri = if query.is_empty() {
        path.parse().expect("a path")
    } else {
        format!("{path}?{query}").parse().expect("a path and query")
    };
    let address = Address::Rest {
        bucket: Some("fuzz".into()),
        key: object.then(|| "key".to_owned()),
    };
    let response = harness.runtime.block_on(harness.s3.serve(
        address,
        (method, uri, signed(chunked)),
        Body::from(body.to_vec()),
        "000000000000",
    ));
    assert!(response.status().as_u16() >= 200);
});
