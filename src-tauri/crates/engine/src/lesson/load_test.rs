//! A step's load test (`[load]`): a request sent by virtual users for a while, kept as a run
//! under a label so the lesson's runs can be compared, with thresholds checked like a step's
//! checks and, when the step names the function, an estimated cost.

use serde::Deserialize;

use crate::load::cost::ApiKind;
use crate::load::{Plan, Profile, Threshold, parse_duration};

/// `[load]` in a step block.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadTest {
    /// What the run is called beside the others (`128 MB`).
    pub label: String,
    #[serde(default = "post")]
    pub method: String,
    pub url: String,
    pub body: Option<String>,
    /// `Name: value` headers.
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default = "five")]
    pub vus: usize,
    /// `30s`, `2m`, `500ms`.
    #[serde(default = "thirty_seconds")]
    pub duration: String,
    #[serde(default = "fixed")]
    pub profile: String,
    /// Conditions the run must meet (`p95 < 300ms`, `errors < 1%`), checked as the step's checks.
    #[serde(default)]
    pub thresholds: Vec<String>,
    /// The function behind the API, whose REPORT lines price the run.
    pub function: Option<String>,
    /// The API's kind (`rest`, `http`), which prices its requests.
    pub api: Option<String>,
}

impl LoadTest {
    pub(crate) fn texts(&self) -> Vec<&str> {
        let mut texts = vec![self.label.as_str(), &self.method, &self.url];
        texts.extend(self.body.as_deref());
        texts.extend(self.headers.iter().map(String::as_str));
        texts.extend(self.function.as_deref());
        texts
    }

    /// What is wrong with its fixed parts (variables aside), in words.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Err(error) = parse_duration(&self.duration) {
            problems.push(error);
        }
        if let Err(error) = self.profile.parse::<Profile>() {
            problems.push(error.to_string());
        }
        for threshold in &self.thresholds {
            if let Err(error) = Threshold::parse(threshold) {
                problems.push(error.to_string());
            }
        }
        if let Some(api) = &self.api
            && let Err(error) = api.parse::<ApiKind>()
        {
            problems.push(error);
        }
        if self.headers.iter().any(|header| !header.contains(':')) {
            problems.push("a load test's headers are `Name: value`".to_owned());
        }
        problems
    }

    /// The plan it runs, its texts filled by `fill`; `duration` replaces the lesson's when given
    /// (shorter runs in class or in tests).
    pub fn plan(
        &self,
        fill: impl Fn(&str) -> String,
        duration: Option<std::time::Duration>,
    ) -> Result<Plan, String> {
        let mut plan = Plan::new(
            &fill(&self.method),
            &fill(&self.url),
            self.vus,
            match duration {
                Some(duration) => duration,
                None => parse_duration(&self.duration)?,
            },
        );
        plan.body = self.body.as_deref().map(&fill);
        for header in &self.headers {
            if let Some((name, value)) = header.split_once(':') {
                plan.headers
                    .push((name.trim().to_owned(), fill(value.trim())));
            }
        }
        plan.profile = self
            .profile
            .parse()
            .map_err(|error: crate::load::profile::UnknownProfile| error.to_string())?;
        plan.thresholds = self
            .thresholds
            .iter()
            .map(|text| Threshold::parse(text).map_err(|error| error.to_string()))
            .collect::<Result<_, _>>()?;
        crate::load::check(&plan).map_err(|error| error.to_string())?;
        Ok(plan)
    }

    /// The API kind that prices its requests.
    pub fn api_kind(&self) -> ApiKind {
        self.api
            .as_deref()
            .and_then(|api| api.parse().ok())
            .unwrap_or_default()
    }
}

fn post() -> String {
    "POST".to_owned()
}
fn five() -> usize {
    5
}
fn thirty_seconds() -> String {
    "30s".to_owned()
}
fn fixed() -> String {
    "fixed".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test(toml_text: &str) -> LoadTest {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn a_load_test_becomes_a_plan_with_its_variables_filled() {
        let load = test(
            r#"label = "128 MB"
url = "${URL}"
body = '{"id": "{{$guid}}"}'
headers = ["x-lab: ${REGION}"]
vus = 3
duration = "20s"
profile = "ramp-up"
thresholds = ["errors < 1%"]"#,
        );
        assert!(load.problems().is_empty());
        let fill = |text: &str| {
            text.replace("${URL}", "http://127.0.0.1:1/x")
                .replace("${REGION}", "us-east-1")
        };
        let plan = load.plan(fill, None).unwrap();
        assert_eq!(
            (plan.method.as_str(), plan.url.as_str()),
            ("POST", "http://127.0.0.1:1/x")
        );
        assert_eq!(plan.duration, std::time::Duration::from_secs(20));
        assert_eq!(plan.headers, [("x-lab".to_owned(), "us-east-1".to_owned())]);
        assert_eq!(plan.thresholds.len(), 1);
        let short = load
            .plan(fill, Some(std::time::Duration::from_secs(2)))
            .unwrap();
        assert_eq!(short.duration, std::time::Duration::from_secs(2));
    }

    #[test]
    fn every_fixed_part_is_checked() {
        let load = test(
            r#"label = "x"
url = "http://h/"
duration = "soon"
profile = "sine"
thresholds = ["fast"]
api = "graphql"
headers = ["no colon"]"#,
        );
        assert_eq!(load.problems().len(), 5, "{:?}", load.problems());
    }
}
