//! The AWS CLI equivalents `lab lessons` shows are correct when pasted into a shell: run by
//! bash with the real AWS CLI against a `lab sandbox`, lesson 1's commands build a working API.
//! Variables are left to the shell (`"${API_ID}"`), set from each command's JSON output as the
//! lab's instructions have students do.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use lab_engine::lesson::action::CliContext;
use lab_engine::lesson::{Library, Vars};

use crate::sandbox::SandboxProcess;

/// Runs `script` in bash with the AWS CLI on PATH, throwaway credentials and `variables`.
fn bash(script: &str, variables: &BTreeMap<String, String>, home: &std::path::Path) -> String {
    let path = format!(
        "{}:{}",
        lab_testkit::python_tools().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Paths in the commands (a lesson's site/ folder) are the source tree's, as a student pastes
    // them at its top.
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.."));
    let output = Command::new("bash")
        .args(["-c", script])
        .current_dir(root)
        .envs(variables)
        .env("PATH", path)
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", "AKIDSANDBOX")
        .env("AWS_SECRET_ACCESS_KEY", "sandbox-secret")
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_DEFAULT_OUTPUT", "json")
        .env("AWS_PAGER", "")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "{script}\nfailed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn lesson_one_s_commands_build_the_api_when_pasted_into_bash() {
    let data = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let sandbox = SandboxProcess::start(data.path());
    let library = Library::load(&Library::default_dir()).unwrap();
    let lesson = library.get("crud-http-api").unwrap();
    let zip_dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../target/lambda"
    ))
    .canonicalize()
    .expect("the functions are packaged: run `make lambdas`");
    let zip_dir = zip_dir.display().to_string();
    let unset = Vars::default();
    let context = CliContext {
        lesson: &lesson.id,
        target: "sandbox",
        region: "${REGION}",
        endpoint_url: Some(&sandbox.endpoint),
        vars: &unset,
        zip_dir: &zip_dir,
    };

    let mut shell_vars = BTreeMap::from([
        ("ACCOUNT_ID".to_owned(), "000000000000".to_owned()),
        ("REGION".to_owned(), "us-east-1".to_owned()),
        (
            "WEBSITE_DOMAIN".to_owned(),
            lab_engine::lesson::website::website_domain("us-east-1", Some(&sandbox.endpoint)),
        ),
    ]);
    for step in &lesson.steps {
        if let Some(action) = &step.action {
            for command in action.cli(&context) {
                let output = bash(&command.to_string(), &shell_vars, home.path());
                if step.outputs.is_empty() {
                    continue;
                }
                let json: serde_json::Value =
                    serde_json::from_str(&output).unwrap_or_else(|error| {
                        panic!("{command}\nprinted no JSON ({error}): {output}")
                    });
                for (name, field) in &step.outputs {
                    let pointer = format!("/{}", field.replace('.', "/"));
                    let value = json
                        .pointer(&pointer)
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_else(|| panic!("{command}\nprinted no {field}: {output}"));
                    shell_vars.insert(name.clone(), value.to_owned());
                }
            }
        }
        let mut known = Vars::default();
        for (name, value) in &shell_vars {
            known.set(name.clone(), value.clone());
        }
        for (name, template) in &step.vars {
            shell_vars.insert(name.clone(), known.fill(template).unwrap());
        }
    }

    let added = bash(
        r#"curl -sS -X POST "$URL" -H 'content-type: application/json' -d '{"TableName": "ccbda-lambda-first", "Item": {"thingID": {"S": "lamp"}}}'"#,
        &shell_vars,
        home.path(),
    );
    assert!(added.contains("\"HTTPStatusCode\":200"), "{added}");
    let listed = bash(
        r#"curl -sS "${URL}?TableName=ccbda-lambda-first""#,
        &shell_vars,
        home.path(),
    );
    assert!(
        listed.contains(r#""Items":[{"thingID":{"S":"lamp"}}]"#),
        "{listed}"
    );
}
