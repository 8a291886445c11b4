//! The policies a role or a user has — inline ones by name, attached managed ones by ARN — and
//! the operations that change and list them, the same for both (`PutRolePolicy`,
//! `PutUserPolicy`, …).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::role::{check_name, check_policy, error, url_encode, validation};
use crate::wire::{AwsError, QueryParams, Xml};

/// A role's or a user's identity policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policies {
    /// Inline policies by name, documents as given.
    pub inline: BTreeMap<String, String>,
    /// Attached managed policies' ARNs, in attachment order.
    pub attached: Vec<String>,
}

/// What the policies belong to: `role` or `user`, as IAM's messages name it.
pub type Owner = &'static str;

impl Policies {
    /// `Put{Role,User}Policy`: adds or replaces an inline policy, within IAM's quota for the
    /// owner's inline policies together (whitespace not counted): 10,240 characters for a role,
    /// 2,048 for a user.
    pub fn put_inline(&mut self, owner: Owner, params: &QueryParams) -> Result<(), AwsError> {
        let name = check_name("policyName", params.get("PolicyName"), 128)?;
        let document = check_policy("policyDocument", params.get("PolicyDocument"))?;
        let quota = if owner == "user" { 2_048 } else { 10_240 };
        let counted = |text: &str| text.chars().filter(|c| !c.is_whitespace()).count();
        let total: usize = self
            .inline
            .iter()
            .filter(|(existing, _)| **existing != name)
            .map(|(_, text)| counted(text))
            .sum::<usize>()
            + counted(&document);
        if total > quota {
            let owner_name = params
                .get(if owner == "user" {
                    "UserName"
                } else {
                    "RoleName"
                })
                .unwrap_or_default();
            return Err(error(
                "LimitExceeded",
                StatusCode::CONFLICT,
                format!("Maximum policy size of {quota} bytes exceeded for {owner} {owner_name}"),
            ));
        }
        self.inline.insert(name, document);
        Ok(())
    }

    /// `Delete{Role,User}Policy`.
    pub fn delete_inline(&mut self, owner: Owner, params: &QueryParams) -> Result<(), AwsError> {
        let name = check_name("policyName", params.get("PolicyName"), 128)?;
        self.inline
            .remove(&name)
            .map(drop)
            .ok_or_else(|| no_such_policy(owner, &name))
    }

    /// `Get{Role,User}Policy`'s name and document.
    pub fn inline_policy(
        &self,
        owner: Owner,
        params: &QueryParams,
    ) -> Result<(String, String), AwsError> {
        let name = check_name("policyName", params.get("PolicyName"), 128)?;
        let document = self
            .inline
            .get(&name)
            .ok_or_else(|| no_such_policy(owner, &name))?;
        Ok((name, url_encode(document)))
    }

    /// `Attach{Role,User}Policy`.
    pub fn attach(&mut self, params: &QueryParams) -> Result<(), AwsError> {
        let arn = check_policy_arn(params.get("PolicyArn"))?;
        if !self.attached.contains(&arn) {
            self.attached.push(arn);
        }
        Ok(())
    }

    /// `Detach{Role,User}Policy`.
    pub fn detach(&mut self, params: &QueryParams) -> Result<(), AwsError> {
        let arn = check_policy_arn(params.get("PolicyArn"))?;
        let before = self.attached.len();
        self.attached.retain(|attached| attached != &arn);
        if self.attached.len() == before {
            return Err(error(
                "NoSuchEntity",
                StatusCode::NOT_FOUND,
                format!("Policy {arn} was not found."),
            ));
        }
        Ok(())
    }

    /// `List{Role,User}Policies`' members.
    pub fn write_names(&self, xml: &mut Xml) {
        xml.element("PolicyNames", |xml| {
            for name in self.inline.keys() {
                xml.text("member", name);
            }
        })
        .text("IsTruncated", "false");
    }

    /// `ListAttached{Role,User}Policies`' members.
    pub fn write_attached(&self, xml: &mut Xml) {
        xml.element("AttachedPolicies", |xml| {
            for arn in &self.attached {
                let name = arn.rsplit('/').next().unwrap_or(arn);
                xml.element("member", |xml| {
                    xml.text("PolicyName", name).text("PolicyArn", arn);
                });
            }
        })
        .text("IsTruncated", "false");
    }

    /// Refuses to delete an owner that still has policies, as IAM does.
    pub fn check_deletable(&self) -> Result<(), AwsError> {
        let conflict = |message: &str| error("DeleteConflict", StatusCode::CONFLICT, message);
        if !self.inline.is_empty() {
            return Err(conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !self.attached.is_empty() {
            return Err(conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        Ok(())
    }
}

/// One of the seven policy operations IAM has for both roles and users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyOperation {
    Put,
    Get,
    List,
    Delete,
    Attach,
    Detach,
    ListAttached,
}

impl PolicyOperation {
    /// The operation `action` is for an owner `kind` (`Role`, `User`): `PutRolePolicy` → `Put`.
    pub fn of(action: &str, kind: &str) -> Option<Self> {
        let operation = match action.replacen(kind, "", 1).as_str() {
            "PutPolicy" => Self::Put,
            "GetPolicy" => Self::Get,
            "ListPolicies" => Self::List,
            "DeletePolicy" => Self::Delete,
            "AttachPolicy" => Self::Attach,
            "DetachPolicy" => Self::Detach,
            "ListAttachedPolicies" => Self::ListAttached,
            _ => return None,
        };
        action.contains(kind).then_some(operation)
    }

    /// Whether the operation changes the policies (the others only read them).
    pub fn changes(self) -> bool {
        matches!(self, Self::Put | Self::Delete | Self::Attach | Self::Detach)
    }

    /// Changes `policies` as the operation says (nothing for the reading operations).
    pub fn change(
        self,
        policies: &mut Policies,
        owner: Owner,
        params: &QueryParams,
    ) -> Result<(), AwsError> {
        match self {
            Self::Put => policies.put_inline(owner, params),
            Self::Delete => policies.delete_inline(owner, params),
            Self::Attach => policies.attach(params),
            Self::Detach => policies.detach(params),
            Self::Get | Self::List | Self::ListAttached => Ok(()),
        }
    }

    /// What a reading operation answers about the policies of `owner` named `name`, written
    /// into the response; `name_member` is `RoleName` or `UserName`.
    pub fn read(
        self,
        policies: &Policies,
        owner: Owner,
        params: &QueryParams,
        name_member: &str,
        name: &str,
    ) -> Result<impl Fn(&mut Xml), AwsError> {
        let inline = match self {
            Self::Get => Some(policies.inline_policy(owner, params)?),
            _ => None,
        };
        let (policies, name_member, name) =
            (policies.clone(), name_member.to_owned(), name.to_owned());
        Ok(move |xml: &mut Xml| match (&inline, self) {
            (Some((policy, document)), _) => {
                xml.text(&name_member, &name)
                    .text("PolicyName", policy)
                    .text("PolicyDocument", document);
            }
            (None, Self::ListAttached) => policies.write_attached(xml),
            (None, _) => policies.write_names(xml),
        })
    }
}

fn no_such_policy(owner: Owner, name: &str) -> AwsError {
    error(
        "NoSuchEntity",
        StatusCode::NOT_FOUND,
        format!("The {owner} policy with name {name} cannot be found."),
    )
}

/// A managed policy ARN the sandbox can attach: any AWS managed policy.
fn check_policy_arn(value: Option<&str>) -> Result<String, AwsError> {
    let arn = value.ok_or_else(|| {
        validation(
            "1 validation error detected: Value null at 'policyArn' failed to satisfy \
             constraint: Member must not be null",
        )
    })?;
    if !arn.starts_with("arn:aws:iam::") {
        return Err(error(
            "InvalidInput",
            StatusCode::BAD_REQUEST,
            format!("ARN {arn} is not valid."),
        ));
    }
    if !arn.starts_with("arn:aws:iam::aws:policy/") {
        // Customer managed policies (CreatePolicy) are not part of the sandbox.
        return Err(error(
            "NoSuchEntity",
            StatusCode::NOT_FOUND,
            format!("Policy {arn} does not exist or is not attachable."),
        ));
    }
    Ok(arn.to_owned())
}
