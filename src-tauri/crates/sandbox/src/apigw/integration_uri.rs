//! Integration URIs: checked when an integration is made or changed, the way API Gateway
//! refuses them ("Invalid integration URI specified"), and read per request for the function an
//! AWS_PROXY integration invokes. Stage variable references (`${stageVariables.name}`) may stand
//! for a function's name or qualifier and for any part of an HTTP URL.

use super::model::IntegrationType;
use super::stage_variables;

/// API Gateway's answer to a URI it cannot use.
pub const INVALID: &str = "Invalid integration URI specified";

/// Whether `uri` is one API Gateway accepts for an integration of `kind` (`AWS_PROXY`,
/// `HTTP_PROXY`); other kinds take no URI of their own.
pub fn is_valid(kind: IntegrationType, uri: &str) -> bool {
    match kind {
        IntegrationType::AwsProxy => is_function_uri(uri),
        IntegrationType::HttpProxy => is_http_url(uri),
        _ => true,
    }
}

/// A Lambda function ARN (`arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]`),
/// bare or wrapped as `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`.
pub fn is_function_uri(uri: &str) -> bool {
    let arn = match uri.strip_prefix("arn:aws:apigateway:") {
        Some(rest) => {
            let Some((region, path)) = rest.split_once(":lambda:path/2015-03-31/functions/") else {
                return false;
            };
            let Some(arn) = path.strip_suffix("/invocations") else {
                return false;
            };
            if !is_region(region) {
                return false;
            }
            arn
        }
        None => uri,
    };
    is_function_arn(arn)
}

fn is_function_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    let [
        "arn",
        "aws",
        "lambda",
        region,
        account,
        "function",
        name,
        qualifier @ ..,
    ] = parts.as_slice()
    else {
        return false;
    };
    let segment = |text: &str, allowed: fn(char) -> bool| {
        !text.is_empty()
            && (stage_variables::uses_any(text) || text.chars().all(allowed))
            && text.len() <= 140
    };
    is_region(region)
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && segment(name, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && match qualifier {
            [] => true,
            [qualifier] => segment(qualifier, |c| {
                c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '$'
            }),
            _ => false,
        }
}

fn is_region(region: &str) -> bool {
    !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// An absolute http(s) URL with a host (or a stage variable standing for it), no whitespace or
/// quotes.
pub fn is_http_url(uri: &str) -> bool {
    let Some(rest) = uri
        .strip_prefix("http://")
        .or_else(|| uri.strip_prefix("https://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty()
        && !uri
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>'))
}

/// A REST API's Lambda integration URI: only the wrapped form,
/// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`.
pub fn is_lambda_invocation_uri(uri: &str) -> bool {
    uri.starts_with("arn:aws:apigateway:") && is_function_uri(uri)
}

/// A REST API's AWS service integration URI: `arn:aws:apigateway:{region}:{service}:path/…`
/// or `…:{service}:action/{Action}` (a Lambda function is `lambda:path/…/invocations`).
pub fn is_service_uri(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("arn:aws:apigateway:") else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let (Some(region), Some(service), Some(target)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    is_region(region)
        && !service.is_empty()
        && (target.starts_with("path/") || target.starts_with("action/"))
        && target
            .split_once('/')
            .is_some_and(|(_, rest)| !rest.is_empty())
}

/// The function an AWS_PROXY integration URI names: its (possibly qualified) ARN.
pub fn function_of(uri: &str) -> &str {
    match uri.split_once("/functions/") {
        Some((_, rest)) if uri.starts_with("arn:aws:apigateway:") => {
            rest.strip_suffix("/invocations").unwrap_or(rest)
        }
        _ => uri,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:hello";

    #[test]
    fn function_arns_in_both_forms_are_accepted_with_stage_variables() {
        for uri in [
            ARN.to_owned(),
            format!("{ARN}:DEV"),
            format!("{ARN}:$LATEST"),
            format!("{ARN}:${{stageVariables.lambdaAlias}}"),
            "arn:aws:lambda:us-east-1:000000000000:function:${stageVariables.function}".to_owned(),
            format!(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}:${{stageVariables.lambdaAlias}}/invocations"
            ),
        ] {
            assert!(is_valid(IntegrationType::AwsProxy, &uri), "{uri}");
        }
        assert_eq!(
            function_of(&format!(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}:DEV/invocations"
            )),
            format!("{ARN}:DEV")
        );
        assert_eq!(function_of(ARN), ARN);
    }

    #[test]
    fn what_api_gateway_refuses_is_refused() {
        for uri in [
            format!("\"{ARN}\""),
            "hello".to_owned(),
            format!("{ARN} "),
            "arn:aws:lambda:us-east-1:0000:function:hello".to_owned(),
            format!("{ARN}:a:b"),
            format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}"),
            String::new(),
        ] {
            assert!(!is_valid(IntegrationType::AwsProxy, &uri), "{uri}");
        }
        assert!(is_valid(
            IntegrationType::HttpProxy,
            "http://127.0.0.1:9/a/{proxy}"
        ));
        assert!(is_valid(
            IntegrationType::HttpProxy,
            "https://${stageVariables.host}/x"
        ));
        assert!(!is_valid(
            IntegrationType::HttpProxy,
            "\"http://example.com\""
        ));
        assert!(!is_valid(IntegrationType::HttpProxy, "example.com/x"));
        assert!(!is_valid(IntegrationType::HttpProxy, "http:///x"));
    }
}
