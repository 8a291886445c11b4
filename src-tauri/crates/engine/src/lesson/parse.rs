//! Reads a lesson file and checks it, collecting every problem (file and line) before giving
//! up, so an instructor fixes them all in one pass.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::vars::{self, BUILT_IN};
use super::{Action, Check, Choice, Lesson, LoadTest, Problem, Problems, Question, Step, TryIt};

/// The ```` ```lesson ```` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonBlock {
    id: String,
    summary: String,
}

/// A ```` ```step ```` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepBlock {
    id: String,
    choice: Option<Choice>,
    action: Option<String>,
    params: Option<toml::Table>,
    #[serde(default)]
    outputs: BTreeMap<String, String>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    #[serde(default)]
    checks: Vec<Check>,
    #[serde(default, rename = "try")]
    try_it: Vec<TryIt>,
    load: Option<LoadTest>,
    logs: Option<String>,
    page: Option<String>,
    #[serde(default)]
    questions: Vec<Question>,
}

/// A fenced block: its info string, the line of its opening fence, its text.
struct Fence {
    info: String,
    line: usize,
    text: String,
}

/// A `## ` section before it is checked.
struct Section {
    title: String,
    line: usize,
    prose: Vec<String>,
    fences: Vec<Fence>,
}

/// Reads the lesson in `text` (from `file`, for messages).
pub fn parse(file: &Path, text: &str) -> Result<Lesson, Problems> {
    let mut problems = Vec::new();
    let mut report = |line: usize, message: String| {
        problems.push(Problem {
            file: file.to_path_buf(),
            line,
            message,
        });
    };

    let (title, intro, sections) = split(text);
    let lesson_blocks: Vec<&Fence> = intro
        .fences
        .iter()
        .filter(|fence| fence.info == "lesson")
        .collect();
    let block = match lesson_blocks.as_slice() {
        [] => {
            report(
                1,
                "no ```lesson block (id and summary) before the first step".into(),
            );
            None
        }
        [fence] => read_toml::<LessonBlock>(fence, &mut report),
        [_, extra, ..] => {
            report(
                extra.line,
                "a second ```lesson block; a lesson has one".into(),
            );
            None
        }
    };
    if title.is_none() {
        report(1, "no `# ` title line".into());
    }
    if sections.is_empty() {
        report(1, "no steps: each step starts with a `## ` heading".into());
    }

    let mut known: HashSet<String> = BUILT_IN.iter().map(|name| (*name).to_owned()).collect();
    let mut step_ids = HashSet::new();
    let mut question_ids = HashSet::new();
    let mut steps = Vec::new();
    for section in &sections {
        let step_fences: Vec<&Fence> = section
            .fences
            .iter()
            .filter(|fence| fence.info == "step")
            .collect();
        let fence = match step_fences.as_slice() {
            [fence] => *fence,
            [] => {
                report(
                    section.line,
                    format!("step \"{}\" has no ```step block", section.title),
                );
                continue;
            }
            [_, extra, ..] => {
                report(extra.line, "a second ```step block in one step".into());
                continue;
            }
        };
        let Some(block) = read_toml::<StepBlock>(fence, &mut report) else {
            continue;
        };
        let line = fence.line;
        if !is_slug(&block.id) {
            report(
                line,
                format!(
                    "step id \"{}\" must be lower-case words joined by -",
                    block.id
                ),
            );
        }
        if !step_ids.insert(block.id.clone()) {
            report(line, format!("step id \"{}\" is used twice", block.id));
        }
        let action = match (&block.action, block.params) {
            (Some(name), params) => match Action::parse(name, params.unwrap_or_default()) {
                Ok(action) => Some(action),
                Err(message) => {
                    report(line, format!("step \"{}\": {message}", block.id));
                    None
                }
            },
            (None, Some(_)) => {
                report(
                    line,
                    format!("step \"{}\" has params but no action", block.id),
                );
                None
            }
            (None, None) => None,
        };

        // What each part may use: what earlier steps (and, after the action, this one) define.
        let step_id = block.id.clone();
        let unknown_refs = |texts: Vec<&str>, known: &HashSet<String>, what: &str| {
            undefined(texts, known)
                .into_iter()
                .map(|name| {
                    format!(
                        "step \"{step_id}\": {what} uses ${{{name}}}, which no earlier step defines"
                    )
                })
                .collect::<Vec<_>>()
        };
        if let Some(choice) = &block.choice {
            for problem in choice.problems() {
                report(line, format!("step \"{}\": {problem}", block.id));
            }
            known.insert(choice.name.clone());
        }
        if let Some(action) = &action {
            for message in unknown_refs(action.texts(), &known, "the action") {
                report(line, message);
            }
        }
        for (name, field) in &block.outputs {
            if !vars::is_name(name) {
                report(
                    line,
                    format!("output variable \"{name}\" must be UPPER_CASE"),
                );
            }
            match &action {
                Some(action) if !action.outputs().contains(&field.as_str()) => report(
                    line,
                    format!(
                        "step \"{}\": the action gives no \"{field}\" (it gives: {})",
                        block.id,
                        action.outputs().join(", ")
                    ),
                ),
                None => report(
                    line,
                    format!("step \"{}\" captures outputs but has no action", block.id),
                ),
                Some(_) => {}
            }
            known.insert(name.clone());
        }
        for (name, template) in &block.vars {
            if !vars::is_name(name) {
                report(line, format!("variable \"{name}\" must be UPPER_CASE"));
            }
            for message in unknown_refs(vec![template], &known, &format!("variable {name}")) {
                report(line, message);
            }
        }
        known.extend(block.vars.keys().cloned());
        let check_texts = block.checks.iter().flat_map(Check::texts).collect();
        for message in unknown_refs(check_texts, &known, "a check") {
            report(line, message);
        }
        for problem in block.try_it.iter().filter_map(TryIt::shape_problem) {
            report(line, problem);
        }
        let try_texts = block.try_it.iter().flat_map(TryIt::texts).collect();
        for message in unknown_refs(try_texts, &known, "a try-it request") {
            report(line, message);
        }
        if let Some(load) = &block.load {
            for problem in load.problems() {
                report(line, format!("step \"{}\": {problem}", block.id));
            }
            for message in unknown_refs(load.texts(), &known, "the load test") {
                report(line, message);
            }
        }
        for message in unknown_refs(
            block.logs.iter().map(String::as_str).collect(),
            &known,
            "logs",
        ) {
            report(line, message);
        }
        for message in unknown_refs(
            block.page.iter().map(String::as_str).collect(),
            &known,
            "the page",
        ) {
            report(line, message);
        }
        for question in &block.questions {
            if !question_ids.insert(question.id.clone()) {
                report(
                    line,
                    format!("question id \"{}\" is used twice", question.id),
                );
            }
        }

        steps.push(Step {
            id: block.id,
            title: section.title.clone(),
            line: section.line,
            prose: section.prose.join("\n").trim().to_owned(),
            choice: block.choice,
            action,
            outputs: block.outputs.into_iter().collect(),
            vars: block.vars.into_iter().collect(),
            checks: block.checks,
            try_it: block.try_it,
            load: block.load,
            logs: block.logs,
            page: block.page,
            questions: block.questions,
        });
    }

    match (problems.is_empty(), block, title) {
        (true, Some(block), Some(title)) => Ok(Lesson {
            id: block.id,
            title,
            summary: block.summary,
            introduction: intro.prose.join("\n").trim().to_owned(),
            steps,
            site: Vec::new(),
        }),
        _ => Err(Problems(problems)),
    }
}

/// Splits the file into its title, the introduction, and the `## ` sections, keeping fenced
/// blocks apart from prose (a `#` inside a fence is not a heading).
fn split(text: &str) -> (Option<String>, Section, Vec<Section>) {
    let mut title = None;
    let mut intro = Section {
        title: String::new(),
        line: 1,
        prose: Vec::new(),
        fences: Vec::new(),
    };
    let mut sections: Vec<Section> = Vec::new();
    let mut open_fence: Option<(String, usize, Vec<&str>)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let before_first_step = sections.is_empty();
        let current = sections.last_mut().unwrap_or(&mut intro);
        if let Some((info, start, body)) = &mut open_fence {
            if line.trim_start().starts_with("```") {
                let fence = Fence {
                    info: std::mem::take(info),
                    line: *start,
                    text: body.join("\n"),
                };
                open_fence = None;
                if fence.info == "lesson" || fence.info == "step" {
                    current.fences.push(fence);
                } else {
                    // Other fences (shell sessions, JSON) are prose.
                    current.prose.push(format!("```{}", fence.info));
                    current.prose.extend(fence.text.lines().map(str::to_owned));
                    current.prose.push("```".to_owned());
                }
            } else {
                body.push(line);
            }
            continue;
        }
        if let Some(info) = line.trim_start().strip_prefix("```") {
            open_fence = Some((info.trim().to_owned(), number, Vec::new()));
        } else if let Some(heading) = line.strip_prefix("## ") {
            sections.push(Section {
                title: heading.trim().to_owned(),
                line: number,
                prose: Vec::new(),
                fences: Vec::new(),
            });
        } else if let (Some(heading), true) = (line.strip_prefix("# "), before_first_step) {
            if title.is_none() {
                title = Some(heading.trim().to_owned());
            } else {
                current.prose.push(line.to_owned());
            }
        } else {
            current.prose.push(line.to_owned());
        }
    }
    if let Some((info, _, body)) = open_fence {
        // An unclosed fence: keep its text as prose; the missing block is reported later.
        let current = sections.last_mut().unwrap_or(&mut intro);
        current.prose.push(format!("```{info}"));
        current.prose.extend(body.into_iter().map(str::to_owned));
    }
    (title, intro, sections)
}

/// Reads a block's TOML; a problem names the line inside the file.
fn read_toml<T: DeserializeOwned>(
    fence: &Fence,
    report: &mut impl FnMut(usize, String),
) -> Option<T> {
    match toml::from_str(&fence.text) {
        Ok(value) => Some(value),
        Err(error) => {
            let offset = error
                .span()
                .map(|span| {
                    fence.text[..span.start.min(fence.text.len())]
                        .lines()
                        .count()
                })
                .unwrap_or(1)
                .max(1);
            report(
                fence.line + offset,
                format!("in the ```{} block: {}", fence.info, error.message()),
            );
            None
        }
    }
}

/// The referenced names in `texts` that `known` lacks, each once.
fn undefined(texts: Vec<&str>, known: &HashSet<String>) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for name in texts.into_iter().flat_map(vars::references) {
        if !known.contains(&name) && !missing.contains(&name) {
            missing.push(name);
        }
    }
    missing
}

fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"# A small lesson

```lesson
id = "small"
summary = "One table, one function."
```

Welcome.

## Create the table

A table holds the items.

```step
id = "table"
action = "dynamodb.create-table"
params = { table = "things", partition_key = "thingID" }
outputs = { TABLE_ARN = "TableDescription.TableArn" }
checks = [{ kind = "table-active", table = "things" }]
```

```bash
# not a heading: a comment in a shell session
aws dynamodb list-tables
```

## Deploy the function

```step
id = "function"
action = "lambda.create-function"
params = { name = "Crud", code = "crud" }
outputs = { LAMBDA_ARN = "FunctionArn" }
vars = { CONSOLE = "https://console.aws.amazon.com/lambda/home?region=${REGION}" }
logs = "/aws/lambda/Crud"

[[questions]]
id = "Q1"
prompt = "What does ${LAMBDA_ARN} name?"
```
"#;

    fn problems(text: &str) -> Vec<String> {
        parse(Path::new("lessons/x/lesson.md"), text)
            .unwrap_err()
            .0
            .into_iter()
            .map(|problem| problem.to_string())
            .collect()
    }

    #[test]
    fn reads_prose_steps_and_their_blocks() {
        let lesson = parse(Path::new("lesson.md"), GOOD).unwrap();
        assert_eq!(lesson.id, "small");
        assert_eq!(lesson.title, "A small lesson");
        assert_eq!(lesson.introduction, "Welcome.");
        assert_eq!(lesson.steps.len(), 2);
        let table = &lesson.steps[0];
        assert_eq!((table.id.as_str(), table.line), ("table", 10));
        assert!(table.prose.starts_with("A table holds the items."));
        assert!(table.prose.contains("# not a heading"));
        assert_eq!(
            table.outputs,
            [(
                "TABLE_ARN".to_owned(),
                "TableDescription.TableArn".to_owned()
            )]
        );
        assert_eq!(
            table.checks,
            [Check::TableActive {
                table: "things".into()
            }]
        );
        let function = &lesson.steps[1];
        assert_eq!(function.logs.as_deref(), Some("/aws/lambda/Crud"));
        assert_eq!(function.questions[0].id, "Q1");
        assert!(matches!(function.action, Some(Action::CreateFunction(_))));
    }

    #[test]
    fn reports_every_problem_with_its_line() {
        let text = r#"# Broken

```lesson
id = "broken"
summary = "Many mistakes."
```

## One

```step
id = "one"
action = "dynamodb.create-table"
params = { table = "${TABLE}", partition_key = "k", colour = "red" }
```

## Two

```step
id = "one"
outputs = { api = "ApiId" }
```

## Three

```step
id = "three"
action = "apigatewayv2.create-api"
params = { name = "A", protocol = "HTTP" }
outputs = { API_ID = "Id" }
checks = [{ kind = "http", method = "GET", url = "${URL}", status = 200 }]
```

## Four

```step
id = "four"
action = = "x"
```

## Five

No block here.
"#;
        assert_eq!(
            problems(text),
            [
                "lessons/x/lesson.md:10: step \"one\": unknown field `colour`, expected one of `table`, `partition_key`, `key_type`",
                "lessons/x/lesson.md:18: step id \"one\" is used twice",
                "lessons/x/lesson.md:18: output variable \"api\" must be UPPER_CASE",
                "lessons/x/lesson.md:18: step \"one\" captures outputs but has no action",
                "lessons/x/lesson.md:25: step \"three\": the action gives no \"Id\" (it gives: ApiId, ApiEndpoint)",
                "lessons/x/lesson.md:25: step \"three\": a check uses ${URL}, which no earlier step defines",
                "lessons/x/lesson.md:37: in the ```step block: extra `=`, expected nothing",
                "lessons/x/lesson.md:40: step \"Five\" has no ```step block",
            ]
        );
    }

    #[test]
    fn a_file_without_a_lesson_block_or_steps_says_so() {
        assert_eq!(
            problems("Just prose.\n"),
            [
                "lessons/x/lesson.md:1: no ```lesson block (id and summary) before the first step",
                "lessons/x/lesson.md:1: no `# ` title line",
                "lessons/x/lesson.md:1: no steps: each step starts with a `## ` heading",
            ]
        );
    }

    #[test]
    fn an_action_may_not_use_a_variable_before_it_exists() {
        let text = GOOD.replace(
            "table = \"things\", partition_key",
            "table = \"${LAMBDA_ARN}\", partition_key",
        );
        assert_eq!(
            problems(&text),
            [
                "lessons/x/lesson.md:14: step \"table\": the action uses ${LAMBDA_ARN}, which no earlier step defines"
            ]
        );
    }
}
