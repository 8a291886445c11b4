//! S3 through the real `aws-sdk-s3` client: buckets, objects (ranges, conditions, copies,
//! listings), multipart uploads, settings, presigned URLs; and what a browser meets — the
//! website endpoint, anonymous reads decided by the bucket policy and Block Public Access, CORS.

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CompletedMultipartUpload, CompletedPart, CorsConfiguration, CorsRule,
    CreateBucketConfiguration, Delete, ErrorDocument, IndexDocument, ObjectIdentifier, Tag,
    Tagging, WebsiteConfiguration,
};

use crate::fixture::Sandbox;

fn s3(sandbox: &Sandbox) -> aws_sdk_s3::Client {
    s3_in(sandbox, "us-east-1")
}

fn s3_in(sandbox: &Sandbox, region: &str) -> aws_sdk_s3::Client {
    lab_testkit::sandbox_client!(aws_sdk_s3, sandbox.endpoint(), region)
}

fn code_of<E: aws_sdk_s3::error::ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<impl std::fmt::Debug, aws_sdk_s3::error::SdkError<E>>,
) -> String {
    let error = result.expect_err("the call fails");
    let service = error
        .as_service_error()
        .map(|e| e.code().unwrap_or_default().to_owned());
    service.unwrap_or_else(|| format!("{error:?}"))
}

async fn put(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    body: &[u8],
    content_type: &str,
) {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .unwrap();
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::Digest as _;
    md5::Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_are_created_listed_and_deleted_as_on_s3() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    client
        .create_bucket()
        .bucket("lab-site")
        .send()
        .await
        .unwrap();
    // Again in us-east-1: S3 answers OK, for legacy reasons.
    client
        .create_bucket()
        .bucket("lab-site")
        .send()
        .await
        .unwrap();
    let head = client
        .head_bucket()
        .bucket("lab-site")
        .send()
        .await
        .unwrap();
    assert_eq!(head.bucket_region(), Some("us-east-1"));

    let europe = s3_in(&sandbox, "eu-west-1");
    europe
        .create_bucket()
        .bucket("lab-eu")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let again = europe
        .create_bucket()
        .bucket("lab-eu")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await;
    assert_eq!(code_of(again), "BucketAlreadyOwnedByYou");
    let unspecified = europe.create_bucket().bucket("lab-eu-2").send().await;
    assert_eq!(code_of(unspecified), "IllegalLocationConstraintException");
    let location = europe
        .get_bucket_location()
        .bucket("lab-eu")
        .send()
        .await
        .unwrap();
    assert_eq!(
        location.location_constraint().map(|c| c.as_str()),
        Some("eu-west-1")
    );
    let invalid = client.create_bucket().bucket("Not_Valid").send().await;
    assert_eq!(code_of(invalid), "InvalidBucketName");

    let listed = client.list_buckets().send().await.unwrap();
    let names: Vec<_> = listed.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["lab-eu", "lab-site"]);

    put(
        &client,
        "lab-site",
        "index.html",
        b"<h1>hi</h1>",
        "text/html",
    )
    .await;
    let busy = client.delete_bucket().bucket("lab-site").send().await;
    assert_eq!(code_of(busy), "BucketNotEmpty");
    client
        .delete_object()
        .bucket("lab-site")
        .key("index.html")
        .send()
        .await
        .unwrap();
    client
        .delete_bucket()
        .bucket("lab-site")
        .send()
        .await
        .unwrap();
    let gone = client.head_bucket().bucket("lab-site").send().await;
    assert!(gone.is_err());
    let missing = client.list_objects_v2().bucket("lab-site").send().await;
    assert_eq!(code_of(missing), "NoSuchBucket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_keep_their_bytes_headers_and_digests() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    client
        .create_bucket()
        .bucket("objects")
        .send()
        .await
        .unwrap();
    let body = b"hello, objects".to_vec();
    let written = client
        .put_object()
        .bucket("objects")
        .key("dir/hello.txt")
        .content_type("text/plain")
        .cache_control("max-age=60")
        .metadata("lesson", "crud-http-api")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .unwrap();
    let etag = format!("\"{}\"", md5_hex(&body));
    assert_eq!(written.e_tag(), Some(etag.as_str()));

    let read = client
        .get_object()
        .bucket("objects")
        .key("dir/hello.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(read.content_type(), Some("text/plain"));
    assert_eq!(read.cache_control(), Some("max-age=60"));
    assert_eq!(read.content_length(), Some(body.len() as i64));
    assert_eq!(read.metadata().unwrap()["lesson"], "crud-http-api");
    assert_eq!(read.e_tag(), Some(etag.as_str()));
    assert_eq!(
        read.body.collect().await.unwrap().into_bytes().as_ref(),
        body.as_slice()
    );

    let head = client
        .head_object()
        .bucket("objects")
        .key("dir/hello.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(body.len() as i64));

    let part = client
        .get_object()
        .bucket("objects")
        .key("dir/hello.txt")
        .range("bytes=7-13")
        .send()
        .await
        .unwrap();
    assert_eq!(part.content_range(), Some("bytes 7-13/14"));
    assert_eq!(
        part.body.collect().await.unwrap().into_bytes().as_ref(),
        b"objects"
    );
    let past = client
        .get_object()
        .bucket("objects")
        .key("dir/hello.txt")
        .range("bytes=100-")
        .send()
        .await;
    assert_eq!(code_of(past), "InvalidRange");

    let unchanged = client
        .get_object()
        .bucket("objects")
        .key("dir/hello.txt")
        .if_none_match(&etag)
        .send()
        .await;
    assert!(format!("{unchanged:?}").contains("304"), "{unchanged:?}");
    let changed = client
        .get_object()
        .bucket("objects")
        .key("dir/hello.txt")
        .if_match("\"other\"")
        .send()
        .await;
    assert_eq!(code_of(changed), "PreconditionFailed");
    let exclusive = client
        .put_object()
        .bucket("objects")
        .key("dir/hello.txt")
        .if_none_match("*")
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(code_of(exclusive), "PreconditionFailed");

    let missing = client
        .get_object()
        .bucket("objects")
        .key("nope")
        .send()
        .await;
    assert_eq!(code_of(missing), "NoSuchKey");

    client
        .copy_object()
        .bucket("objects")
        .key("copy.txt")
        .copy_source("objects/dir/hello.txt")
        .send()
        .await
        .unwrap();
    let copied = client
        .get_object()
        .bucket("objects")
        .key("copy.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(copied.metadata().unwrap()["lesson"], "crud-http-api");
    assert_eq!(
        copied.body.collect().await.unwrap().into_bytes().as_ref(),
        body.as_slice()
    );
    let to_itself = client
        .copy_object()
        .bucket("objects")
        .key("copy.txt")
        .copy_source("objects/copy.txt")
        .send()
        .await;
    assert_eq!(code_of(to_itself), "InvalidRequest");

    // A key with spaces, a plus and non-ASCII text comes back as it was.
    let odd = "a dir/ü+ß é.txt";
    put(&client, "objects", odd, b"odd", "text/plain").await;
    let listed = client
        .list_objects_v2()
        .bucket("objects")
        .prefix("a dir/")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.contents()[0].key(), Some(odd));
    let read = client
        .get_object()
        .bucket("objects")
        .key(odd)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.body.collect().await.unwrap().into_bytes().as_ref(),
        b"odd"
    );

    let deleted = client
        .delete_objects()
        .bucket("objects")
        .delete(
            Delete::builder()
                .objects(ObjectIdentifier::builder().key("copy.txt").build().unwrap())
                .objects(ObjectIdentifier::builder().key(odd).build().unwrap())
                .objects(
                    ObjectIdentifier::builder()
                        .key("never-there")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.deleted().len(), 3);
    let left = client
        .list_objects_v2()
        .bucket("objects")
        .send()
        .await
        .unwrap();
    let keys: Vec<_> = left.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["dir/hello.txt"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_upload_arrives_whole_with_its_trailing_checksum() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    client
        .create_bucket()
        .bucket("streams")
        .send()
        .await
        .unwrap();
    // From a file the SDK streams the body as aws-chunked, its CRC32 in a trailer.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload.bin");
    let bytes: Vec<u8> = (0..3 * 1024 * 1024 + 17)
        .map(|i| (i * 7 % 256) as u8)
        .collect();
    std::fs::write(&path, &bytes).unwrap();
    // Its Content-Length counts more bytes than it sends: S3 reads the encoding to its end.
    let written = client
        .put_object()
        .bucket("streams")
        .key("upload.bin")
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Crc32)
        .body(ByteStream::from_path(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    let crc = written.checksum_crc32().unwrap().to_owned();
    let read = client
        .get_object()
        .bucket("streams")
        .key("upload.bin")
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(read.checksum_crc32(), Some(crc.as_str()));
    assert_eq!(
        read.e_tag(),
        Some(format!("\"{}\"", md5_hex(&bytes)).as_str())
    );
    let back = read.body.collect().await.unwrap().into_bytes();
    assert!(
        back.as_ref() == bytes.as_slice(),
        "the streamed bytes came back changed"
    );

    // The virtual-host address of the same object, as a browser or curl would use it.
    let port = sandbox.running.local_addr().port();
    let by_host = reqwest::Client::new()
        .head(format!("http://127.0.0.1:{port}/upload.bin"))
        .header("host", format!("streams.s3.localhost:{port}"))
        .send()
        .await
        .unwrap();
    // Anonymous, and the bucket is private: refused, not misrouted.
    assert_eq!(by_host.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_page_and_roll_up_at_the_delimiter() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    client
        .create_bucket()
        .bucket("listing")
        .send()
        .await
        .unwrap();
    let keys = [
        "a.txt",
        "css/a.css",
        "css/b.css",
        "img/1.png",
        "index.html",
        "js/app.js",
    ];
    for key in keys {
        put(&client, "listing", key, key.as_bytes(), "text/plain").await;
    }
    let top = client
        .list_objects_v2()
        .bucket("listing")
        .delimiter("/")
        .send()
        .await
        .unwrap();
    let files: Vec<_> = top.contents().iter().filter_map(|o| o.key()).collect();
    let dirs: Vec<_> = top
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(files, ["a.txt", "index.html"]);
    assert_eq!(dirs, ["css/", "img/", "js/"]);

    let mut pages = client
        .list_objects_v2()
        .bucket("listing")
        .max_keys(2)
        .into_paginator()
        .send();
    let mut seen = Vec::new();
    let mut count = 0;
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        count += 1;
        seen.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned)),
        );
    }
    assert_eq!(seen, keys);
    assert_eq!(count, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_upload_joins_its_parts() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    client.create_bucket().bucket("big").send().await.unwrap();
    let parts: Vec<Vec<u8>> = vec![
        (0..5 * 1024 * 1024).map(|i| (i % 251) as u8).collect(),
        (0..5 * 1024 * 1024).map(|i| (i % 241) as u8).collect(),
        b"the end".to_vec(),
    ];
    let upload = client
        .create_multipart_upload()
        .bucket("big")
        .key("file.bin")
        .content_type("application/octet-stream")
        .send()
        .await
        .unwrap();
    let id = upload.upload_id().unwrap();
    let mut completed = Vec::new();
    for (index, bytes) in parts.iter().enumerate() {
        let number = index as i32 + 1;
        let part = client
            .upload_part()
            .bucket("big")
            .key("file.bin")
            .upload_id(id)
            .part_number(number)
            .body(ByteStream::from(bytes.clone()))
            .send()
            .await
            .unwrap();
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(part.e_tag().unwrap())
                .build(),
        );
    }
    let done = client
        .complete_multipart_upload()
        .bucket("big")
        .key("file.bin")
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        done.e_tag().unwrap().ends_with("-3\""),
        "{:?}",
        done.e_tag()
    );
    let read = client
        .get_object()
        .bucket("big")
        .key("file.bin")
        .send()
        .await
        .unwrap();
    let bytes = read.body.collect().await.unwrap().into_bytes();
    assert_eq!(bytes.as_ref(), parts.concat().as_slice());

    // Parts below 5 MiB before the last are refused; an aborted upload is gone.
    let small = client
        .create_multipart_upload()
        .bucket("big")
        .key("small")
        .send()
        .await
        .unwrap();
    let small_id = small.upload_id().unwrap();
    let mut listed = Vec::new();
    for number in 1..=2 {
        let part = client
            .upload_part()
            .bucket("big")
            .key("small")
            .upload_id(small_id)
            .part_number(number)
            .body(ByteStream::from_static(b"tiny"))
            .send()
            .await
            .unwrap();
        listed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(part.e_tag().unwrap())
                .build(),
        );
    }
    let refused = client
        .complete_multipart_upload()
        .bucket("big")
        .key("small")
        .upload_id(small_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(listed))
                .build(),
        )
        .send()
        .await;
    assert_eq!(code_of(refused), "EntityTooSmall");
    client
        .abort_multipart_upload()
        .bucket("big")
        .key("small")
        .upload_id(small_id)
        .send()
        .await
        .unwrap();
    let gone = client
        .upload_part()
        .bucket("big")
        .key("small")
        .upload_id(small_id)
        .part_number(3)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(code_of(gone), "NoSuchUpload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_and_settings_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let sandbox = Sandbox::start_in(dir.path()).await;
        let client = s3(&sandbox);
        client
            .create_bucket()
            .bucket("durable")
            .send()
            .await
            .unwrap();
        put(&client, "durable", "kept.txt", b"still here", "text/plain").await;
        client
            .put_bucket_tagging()
            .bucket("durable")
            .tagging(
                Tagging::builder()
                    .tag_set(
                        Tag::builder()
                            .key("serverless-lab:lesson")
                            .value("crud")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        sandbox.running.shutdown().await;
    }
    let sandbox = Sandbox::start_in(dir.path()).await;
    let client = s3(&sandbox);
    let read = client
        .get_object()
        .bucket("durable")
        .key("kept.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.body.collect().await.unwrap().into_bytes().as_ref(),
        b"still here"
    );
    let tags = client
        .get_bucket_tagging()
        .bucket("durable")
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tag_set()[0].value(), "crud");
}

/// A raw request, as a browser or `curl` would make it (no signature).
async fn browser_get(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_website_serves_what_its_policy_makes_public() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    let port = sandbox.running.local_addr().port();
    client.create_bucket().bucket("site").send().await.unwrap();
    put(&client, "site", "index.html", b"<h1>home</h1>", "text/html").await;
    put(&client, "site", "error.html", b"<h1>lost</h1>", "text/html").await;
    put(
        &client,
        "site",
        "docs/index.html",
        b"<h1>docs</h1>",
        "text/html",
    )
    .await;
    put(
        &client,
        "site",
        "app.js",
        b"console.log(1)",
        "application/javascript",
    )
    .await;
    let site = format!("http://127.0.0.1:{port}/_aws/s3-website/site");

    let unconfigured = browser_get(&format!("{site}/"), &[]).await;
    assert_eq!(unconfigured.status(), 404);
    assert!(
        unconfigured
            .text()
            .await
            .unwrap()
            .contains("NoSuchWebsiteConfiguration")
    );

    client
        .put_bucket_website()
        .bucket("site")
        .website_configuration(
            WebsiteConfiguration::builder()
                .index_document(
                    IndexDocument::builder()
                        .suffix("index.html")
                        .build()
                        .unwrap(),
                )
                .error_document(ErrorDocument::builder().key("error.html").build().unwrap())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let private = browser_get(&format!("{site}/"), &[]).await;
    assert_eq!(private.status(), 403);

    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}]
    })
    .to_string();
    let blocked = client
        .put_bucket_policy()
        .bucket("site")
        .policy(&policy)
        .send()
        .await;
    assert_eq!(code_of(blocked), "AccessDenied");
    client
        .delete_public_access_block()
        .bucket("site")
        .send()
        .await
        .unwrap();
    client
        .put_bucket_policy()
        .bucket("site")
        .policy(&policy)
        .send()
        .await
        .unwrap();

    let home = browser_get(&format!("{site}/"), &[]).await;
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["content-type"], "text/html");
    assert_eq!(home.text().await.unwrap(), "<h1>home</h1>");
    let script = browser_get(&format!("{site}/app.js"), &[]).await;
    assert_eq!(script.headers()["content-type"], "application/javascript");
    let directory = browser_get(&format!("{site}/docs"), &[]).await;
    assert_eq!(directory.status(), 302);
    assert_eq!(
        directory.headers()["location"],
        "/_aws/s3-website/site/docs/"
    );
    let docs = browser_get(&format!("{site}/docs/"), &[]).await;
    assert_eq!(docs.text().await.unwrap(), "<h1>docs</h1>");
    let lost = browser_get(&format!("{site}/nowhere"), &[]).await;
    assert_eq!(lost.status(), 404);
    assert_eq!(lost.text().await.unwrap(), "<h1>lost</h1>");

    // The host form, as a browser sends it for http://site.s3-website.localhost:PORT/.
    let by_host = browser_get(
        &format!("http://127.0.0.1:{port}/"),
        &[("host", &format!("site.s3-website.localhost:{port}"))],
    )
    .await;
    assert_eq!(by_host.text().await.unwrap(), "<h1>home</h1>");

    // Anonymous REST reads follow the same policy; listing is not granted.
    let object = browser_get(&format!("http://127.0.0.1:{port}/site/index.html"), &[]).await;
    assert_eq!(object.status(), 200);
    let listing = browser_get(&format!("http://127.0.0.1:{port}/site"), &[]).await;
    assert_eq!(listing.status(), 403);
    assert!(
        listing
            .text()
            .await
            .unwrap()
            .contains("<Code>AccessDenied</Code>")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_meet_the_buckets_cors_and_never_its_signed_api() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    let port = sandbox.running.local_addr().port();
    client
        .create_bucket()
        .bucket("assets")
        .send()
        .await
        .unwrap();
    put(&client, "assets", "data.json", b"{}", "application/json").await;
    client
        .delete_public_access_block()
        .bucket("assets")
        .send()
        .await
        .unwrap();
    let policy = serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::assets/*"]}]});
    client
        .put_bucket_policy()
        .bucket("assets")
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let page = "http://app.localhost:5173";
    let url = format!("http://127.0.0.1:{port}/assets/data.json");
    let http = reqwest::Client::new();
    let preflight = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", page)
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 403);
    assert!(
        preflight
            .text()
            .await
            .unwrap()
            .contains("CORS is not enabled for this bucket")
    );

    client
        .put_bucket_cors()
        .bucket("assets")
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(
                    CorsRule::builder()
                        .allowed_origins(page)
                        .allowed_methods("GET")
                        .allowed_headers("*")
                        .max_age_seconds(600)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let rules = client
        .get_bucket_cors()
        .bucket("assets")
        .send()
        .await
        .unwrap();
    assert_eq!(rules.cors_rules()[0].allowed_origins(), [page]);
    let preflight = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", page)
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "x-lab")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    assert_eq!(preflight.headers()["access-control-allow-origin"], page);
    assert_eq!(preflight.headers()["access-control-allow-headers"], "x-lab");
    let read = http.get(&url).header("origin", page).send().await.unwrap();
    assert_eq!(read.status(), 200);
    assert_eq!(read.headers()["access-control-allow-origin"], page);
    let other = http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://evil.localhost")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);

    // A signed S3 call from a page is a service API call: refused like any other.
    let signed = http
        .delete(&url)
        .header("origin", page)
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20261208/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 403);
    let refusal = signed.text().await.unwrap();
    assert!(
        refusal.contains("<Code>AccessDenied</Code>")
            && refusal.contains("Requests from web pages are refused"),
        "an S3 client reads the refusal: {refusal}"
    );
    let still = client
        .head_object()
        .bucket("assets")
        .key("data.json")
        .send()
        .await;
    assert!(still.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presigned_url_reads_until_it_expires() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    client
        .create_bucket()
        .bucket("shared")
        .send()
        .await
        .unwrap();
    put(&client, "shared", "report.txt", b"numbers", "text/plain").await;
    let presigned = client
        .get_object()
        .bucket("shared")
        .key("report.txt")
        .response_content_disposition("attachment; filename=report.txt")
        .presigned(PresigningConfig::expires_in(std::time::Duration::from_secs(300)).unwrap())
        .await
        .unwrap();
    let read = browser_get(presigned.uri(), &[]).await;
    assert_eq!(read.status(), 200);
    assert_eq!(
        read.headers()["content-disposition"],
        "attachment; filename=report.txt"
    );
    assert_eq!(read.text().await.unwrap(), "numbers");

    let past = presigned.uri().replace(
        &presigned.uri()[presigned.uri().find("X-Amz-Date=").unwrap()..][..27],
        "X-Amz-Date=20200101T000000Z",
    );
    let expired = browser_get(&past, &[]).await;
    assert_eq!(expired.status(), 403);
    assert!(
        expired
            .text()
            .await
            .unwrap()
            .contains("Request has expired")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tagged_buckets_are_found_by_the_tagging_api() {
    let sandbox = Sandbox::start().await;
    let client = s3(&sandbox);
    client
        .create_bucket()
        .bucket("tagged-site")
        .send()
        .await
        .unwrap();
    client
        .create_bucket()
        .bucket("untagged-site")
        .send()
        .await
        .unwrap();
    client
        .put_bucket_tagging()
        .bucket("tagged-site")
        .tagging(
            Tagging::builder()
                .tag_set(
                    Tag::builder()
                        .key("serverless-lab:target")
                        .value("sandbox")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let tagging = lab_testkit::sandbox_client!(aws_sdk_resourcegroupstagging, sandbox.endpoint());
    let found = tagging
        .get_resources()
        .tag_filters(
            aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                .key("serverless-lab:target")
                .values("sandbox")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let arns: Vec<_> = found
        .resource_tag_mapping_list()
        .iter()
        .filter_map(|mapping| mapping.resource_arn())
        .collect();
    assert_eq!(arns, ["arn:aws:s3:::tagged-site"]);
    let none = client
        .get_bucket_tagging()
        .bucket("untagged-site")
        .send()
        .await;
    assert_eq!(code_of(none), "NoSuchTagSet");
}
