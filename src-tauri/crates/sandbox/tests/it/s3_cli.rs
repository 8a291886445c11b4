//! `aws s3` against the sandbox as the course uses it: make a bucket, copy files up and down
//! (a 20 MB one as a multipart upload, checked byte for byte), sync a site folder, list, turn on
//! website hosting, and remove the bucket with everything in it.

use crate::fixture::Sandbox;
use crate::outside_clients::{run, stdout_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_copies_syncs_hosts_and_removes() {
    let tools = lab_testkit::python_tools();
    let sandbox = Sandbox::start().await;
    let endpoint = sandbox.running.endpoint();
    let port = sandbox.running.local_addr().port();
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let aws = |args: &[&str]| {
        let mut all = vec!["--endpoint-url", endpoint.as_str()];
        all.extend_from_slice(args);
        run(tools.join("bin/aws"), &all, home.path())
    };

    stdout_text(&aws(&["s3", "mb", "s3://lab-cli-site"]));

    // 20 MB: above the CLI's 8 MB threshold, so it is uploaded in parts.
    let big: Vec<u8> = (0..20 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let big_path = work.path().join("big.bin");
    std::fs::write(&big_path, &big).unwrap();
    stdout_text(&aws(&[
        "s3",
        "cp",
        big_path.to_str().unwrap(),
        "s3://lab-cli-site/data/big.bin",
    ]));
    let back = work.path().join("back.bin");
    stdout_text(&aws(&[
        "s3",
        "cp",
        "s3://lab-cli-site/data/big.bin",
        back.to_str().unwrap(),
    ]));
    assert!(
        std::fs::read(&back).unwrap() == big,
        "the 20 MB file came back changed"
    );
    let head = aws(&[
        "s3api",
        "head-object",
        "--bucket",
        "lab-cli-site",
        "--key",
        "data/big.bin",
    ]);
    let head: serde_json::Value = serde_json::from_str(&stdout_text(&head)).unwrap();
    assert!(head["ETag"].as_str().unwrap().ends_with("-3\""), "{head}");

    let site = work.path().join("site");
    std::fs::create_dir_all(site.join("css")).unwrap();
    std::fs::write(site.join("index.html"), "<h1>Items</h1>").unwrap();
    std::fs::write(site.join("error.html"), "<h1>Not here</h1>").unwrap();
    std::fs::write(site.join("css/site.css"), "h1 { color: teal }").unwrap();
    stdout_text(&aws(&[
        "s3",
        "sync",
        site.to_str().unwrap(),
        "s3://lab-cli-site/",
    ]));
    // A second sync has nothing to copy.
    let again = stdout_text(&aws(&[
        "s3",
        "sync",
        site.to_str().unwrap(),
        "s3://lab-cli-site/",
    ]));
    assert!(again.trim().is_empty(), "{again}");

    let listed = stdout_text(&aws(&["s3", "ls", "s3://lab-cli-site/"]));
    for line in ["PRE css/", "PRE data/", "index.html", "error.html"] {
        assert!(listed.contains(line), "{line} in {listed}");
    }
    let recursive = stdout_text(&aws(&["s3", "ls", "--recursive", "s3://lab-cli-site/"]));
    assert_eq!(recursive.lines().count(), 4, "{recursive}");

    stdout_text(&aws(&[
        "s3",
        "website",
        "s3://lab-cli-site/",
        "--index-document",
        "index.html",
        "--error-document",
        "error.html",
    ]));
    stdout_text(&aws(&[
        "s3api",
        "delete-public-access-block",
        "--bucket",
        "lab-cli-site",
    ]));
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PublicReadGetObject", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lab-cli-site/*"}]
    })
    .to_string();
    stdout_text(&aws(&[
        "s3api",
        "put-bucket-policy",
        "--bucket",
        "lab-cli-site",
        "--policy",
        &policy,
    ]));
    let home_page = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/"))
        .header("host", format!("lab-cli-site.s3-website.localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(home_page.status(), 200);
    assert_eq!(home_page.headers()["content-type"], "text/html");
    assert_eq!(home_page.text().await.unwrap(), "<h1>Items</h1>");
    let style = reqwest::get(format!(
        "http://127.0.0.1:{port}/_aws/s3-website/lab-cli-site/css/site.css"
    ))
    .await
    .unwrap();
    assert_eq!(style.headers()["content-type"], "text/css");

    let refused = aws(&["s3", "rb", "s3://lab-cli-site"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("BucketNotEmpty"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    stdout_text(&aws(&["s3", "rb", "--force", "s3://lab-cli-site"]));
    let buckets = stdout_text(&aws(&["s3", "ls"]));
    assert!(buckets.trim().is_empty(), "{buckets}");
}
