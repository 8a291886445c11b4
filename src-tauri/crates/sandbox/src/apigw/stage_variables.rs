//! Stage variables where API Gateway substitutes them per request: `${stageVariables.name}` in
//! integration URIs (a Lambda function's name or alias, an HTTP URL) and
//! `$stageVariables.name` as a parameter mapping's value.

use std::collections::BTreeMap;

/// Why a setting could not be resolved on a stage: written to the feed, the sandbox's log and
/// the access log's `$context.integrationErrorMessage`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unresolved {
    #[error(
        "the stage variable {name} is used by the integration but stage {stage} does not define it"
    )]
    Undefined { name: String, stage: String },
    #[error("the reference ${{stageVariables.{0}}} is not closed with \"}}\"")]
    Unclosed(String),
}

const OPENING: &str = "${stageVariables.";

/// Whether `text` refers to a stage variable.
pub fn uses_any(text: &str) -> bool {
    text.contains(OPENING)
}

/// `text` with every `${stageVariables.name}` replaced by the stage's value.
pub fn substitute(
    text: &str,
    stage: &str,
    variables: &BTreeMap<String, String>,
) -> Result<String, Unresolved> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(OPENING) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPENING.len()..];
        let Some(end) = after.find('}') else {
            return Err(Unresolved::Unclosed(after.to_owned()));
        };
        let name = &after[..end];
        out.push_str(lookup(name, stage, variables)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The value of the stage variable `name`, or why there is none.
pub fn lookup<'a>(
    name: &str,
    stage: &str,
    variables: &'a BTreeMap<String, String>,
) -> Result<&'a str, Unresolved> {
    variables
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| Unresolved::Undefined {
            name: name.to_owned(),
            stage: stage.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("lambdaAlias".to_owned(), "DEV".to_owned()),
            ("host".to_owned(), "example.com".to_owned()),
        ])
    }

    #[test]
    fn references_are_replaced_wherever_they_stand() {
        let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello:${stageVariables.lambdaAlias}/invocations";
        assert_eq!(
            substitute(uri, "dev", &variables()).unwrap(),
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:hello:DEV/invocations"
        );
        assert_eq!(
            substitute(
                "http://${stageVariables.host}/a?q=${stageVariables.lambdaAlias}",
                "dev",
                &variables()
            )
            .unwrap(),
            "http://example.com/a?q=DEV"
        );
        assert_eq!(
            substitute("no references", "dev", &variables()).unwrap(),
            "no references"
        );
    }

    #[test]
    fn an_undefined_or_unclosed_reference_says_so() {
        assert_eq!(
            substitute("f:${stageVariables.alias}", "prod", &variables())
                .unwrap_err()
                .to_string(),
            "the stage variable alias is used by the integration but stage prod does not define it"
        );
        assert!(matches!(
            substitute("f:${stageVariables.alias", "prod", &variables()),
            Err(Unresolved::Unclosed(_))
        ));
    }
}
