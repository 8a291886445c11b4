//! The query protocol's inputs and outputs: form-encoded parameters in, XML out.
//!
//! Parameters come from the query string and the form body together. Lists are flattened as
//! `Name.member.1`, `Name.member.2`, …; structures in lists as `Tags.member.1.Key`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// The parameters of one query-protocol request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    values: HashMap<String, String>,
}

impl QueryParams {
    /// Reads the parameters of the query string, then of the form body (which wins).
    pub fn parse(query: Option<&str>, body: &[u8]) -> Self {
        let mut values = HashMap::new();
        let query = form_urlencoded::parse(query.unwrap_or_default().as_bytes());
        for (name, value) in query.chain(form_urlencoded::parse(body)) {
            values.insert(name.into_owned(), value.into_owned());
        }
        Self { values }
    }

    /// The value of `name`, if the request has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The members of the list `name`, in index order: `name.member.1`, `name.member.2`, …
    /// Each member is the parameters under its prefix with that prefix removed (`Key`, `Value`),
    /// or the empty name for a list of plain values.
    pub fn members(&self, name: &str) -> Vec<QueryParams> {
        // One pass over the parameters, each member found by its index in a map: linear in the
        // request whatever the number of members.
        let prefix = format!("{name}.member.");
        let mut members: BTreeMap<usize, QueryParams> = BTreeMap::new();
        for (key, value) in &self.values {
            let Some(rest) = key.strip_prefix(&prefix) else {
                continue;
            };
            let (index, field) = rest.split_once('.').unwrap_or((rest, ""));
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            members
                .entry(index)
                .or_default()
                .values
                .insert(field.to_owned(), value.clone());
        }
        members.into_values().collect()
    }
}

/// Escapes text for an XML element's content or an attribute value.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

/// Builds an XML document element by element, escaping every text.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

impl Xml {
    pub fn new() -> Self {
        Self::default()
    }

    /// `<name>text</name>`.
    pub fn text(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.out, "<{name}>{}</{name}>", xml_escape(text));
        self
    }

    /// What has been written.
    pub fn into_string(self) -> String {
        self.out
    }

    /// `<name>text</name>` when there is a text.
    pub fn text_opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.text(name, text);
        }
        self
    }

    /// `<name>…</name>` around what `inner` writes.
    pub fn element(&mut self, name: &str, inner: impl FnOnce(&mut Self)) -> &mut Self {
        let _ = write!(self.out, "<{name}>");
        inner(self);
        let _ = write!(self.out, "</{name}>");
        self
    }

    /// The document: `<{action}Response xmlns=…><{action}Result>…</…Result><ResponseMetadata>…`.
    pub fn response(
        action: &str,
        namespace: &str,
        request_id: &str,
        result: impl FnOnce(&mut Self),
    ) -> String {
        let mut xml = Self::new();
        let _ = write!(xml.out, "<{action}Response xmlns=\"{namespace}\">");
        xml.element(&format!("{action}Result"), result);
        xml.element("ResponseMetadata", |xml| {
            xml.text("RequestId", request_id);
        });
        let _ = write!(xml.out, "</{action}Response>");
        xml.out
    }

    /// A response with no result element, as IAM sends for deletes and puts.
    pub fn empty_response(action: &str, namespace: &str, request_id: &str) -> String {
        let mut xml = Self::new();
        let _ = write!(xml.out, "<{action}Response xmlns=\"{namespace}\">");
        xml.element("ResponseMetadata", |xml| {
            xml.text("RequestId", request_id);
        });
        let _ = write!(xml.out, "</{action}Response>");
        xml.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_parameters_are_decoded_and_lists_read_in_index_order() {
        let params = QueryParams::parse(
            Some("Action=CreateRole"),
            b"RoleName=a%2Bb&Tags.member.2.Key=k2&Tags.member.1.Key=k1&Tags.member.1.Value=v+1\
              &Tags.member.10.Key=k10&Names.member.1=x",
        );
        assert_eq!(params.get("Action"), Some("CreateRole"));
        assert_eq!(params.get("RoleName"), Some("a+b"));
        let tags = params.members("Tags");
        let keys: Vec<_> = tags.iter().map(|tag| tag.get("Key").unwrap()).collect();
        assert_eq!(keys, ["k1", "k2", "k10"]);
        assert_eq!(tags[0].get("Value"), Some("v 1"));
        assert_eq!(params.members("Names")[0].get(""), Some("x"));
        assert!(params.members("Missing").is_empty());
    }

    #[test]
    fn xml_texts_are_escaped() {
        assert_eq!(xml_escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn responses_escape_their_texts() {
        let xml = Xml::response("GetThing", "urn:x", "req-1", |xml| {
            xml.text("Name", "a<b&c");
        });
        assert_eq!(
            xml,
            "<GetThingResponse xmlns=\"urn:x\"><GetThingResult><Name>a&lt;b&amp;c</Name>\
             </GetThingResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\
             </GetThingResponse>"
        );
    }
}
