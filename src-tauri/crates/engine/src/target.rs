//! [`Target`]: the cloud a lesson runs against. The sandbox and AWS go through the same code path;
//! only the endpoint and the credentials differ.

use std::fmt;

/// Where AWS calls go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The local cloud at `endpoint` (the app or CLI started it, or `--endpoint` named it).
    Sandbox { endpoint: String },
    /// A real AWS account, through the standard credential chain.
    Aws {
        region: Option<String>,
        profile: Option<String>,
    },
}

impl Target {
    /// The endpoint URL to give the AWS SDK, if it is not AWS's own.
    pub fn endpoint_url(&self) -> Option<&str> {
        match self {
            Self::Sandbox { endpoint } => Some(endpoint),
            Self::Aws { .. } => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sandbox { endpoint } => write!(f, "sandbox at {endpoint}"),
            Self::Aws { region, profile } => {
                write!(f, "AWS")?;
                if let Some(profile) = profile {
                    write!(f, " (profile {profile})")?;
                }
                if let Some(region) = region {
                    write!(f, " in {region}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_itself_for_humans() {
        let sandbox = Target::Sandbox {
            endpoint: "http://127.0.0.1:4566".into(),
        };
        assert_eq!(sandbox.to_string(), "sandbox at http://127.0.0.1:4566");
        assert_eq!(sandbox.endpoint_url(), Some("http://127.0.0.1:4566"));

        let aws = Target::Aws {
            region: Some("us-east-1".into()),
            profile: Some("academy".into()),
        };
        assert_eq!(aws.to_string(), "AWS (profile academy) in us-east-1");
        assert_eq!(aws.endpoint_url(), None);
    }
}
