//! S3's request documents (`CreateBucketConfiguration`, `Delete`, `CompleteMultipartUpload`,
//! `WebsiteConfiguration`, …) read into a small element tree, bounded in depth and size before
//! anything is built; and the namespace its answers are written in.

use quick_xml::events::Event;

use super::error::S3Error;

/// The namespace of every S3 document.
pub const NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// The deepest nesting any S3 request document needs, with room to spare.
const MAX_DEPTH: usize = 16;

/// The most elements a document may have (10,000 parts of a multipart upload fit).
const MAX_ELEMENTS: usize = 200_000;

/// One element: its local name, its text, its children in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The trimmed text of the child `name`.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|child| child.text.trim())
    }
}

/// Parses a request document; anything that is not well-formed XML is `MalformedXML`.
pub fn parse(bytes: &[u8]) -> Result<Element, S3Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| S3Error::malformed_xml())?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut elements = 0usize;
    loop {
        let event = reader.read_event().map_err(|_| S3Error::malformed_xml())?;
        match event {
            Event::Start(start) => {
                elements += 1;
                if stack.len() >= MAX_DEPTH || elements > MAX_ELEMENTS || root.is_some() {
                    return Err(S3Error::malformed_xml());
                }
                stack.push(Element {
                    name: local_name(start.local_name().as_ref()),
                    ..Element::default()
                });
            }
            Event::Empty(empty) => {
                elements += 1;
                if elements > MAX_ELEMENTS || root.is_some() {
                    return Err(S3Error::malformed_xml());
                }
                let element = Element {
                    name: local_name(empty.local_name().as_ref()),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or_else(S3Error::malformed_xml)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                if let Some(element) = stack.last_mut() {
                    element.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(element) = stack.last_mut() {
                    element.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved =
                    resolve(&reference.into_inner()).ok_or_else(S3Error::malformed_xml)?;
                if let Some(element) = stack.last_mut() {
                    element.text.push(resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    match (root, stack.is_empty()) {
        (Some(root), true) => Ok(root),
        _ => Err(S3Error::malformed_xml()),
    }
}

fn local_name(name: &str) -> String {
    name.to_owned()
}

/// The character a predefined entity or a character reference stands for.
fn resolve(reference: &str) -> Option<char> {
    match reference {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = reference.strip_prefix('#')?;
            let code = match number.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

/// A document as S3 answers: the declaration, then `<{root} xmlns="…">…</{root}>`.
pub fn document(root: &str, inner: impl FnOnce(&mut crate::wire::Xml)) -> String {
    let mut xml = crate::wire::Xml::new();
    inner(&mut xml);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{NAMESPACE}\">{}</{root}>",
        xml.into_string()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_read_with_namespaces_entities_and_empty_elements() {
        let root = parse(
            br#"<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                <Object><Key>a&amp;b&#x20;c</Key></Object><Object><Key>d</Key><VersionId/></Object>
                <Quiet>true</Quiet></Delete>"#,
        )
        .unwrap();
        assert_eq!(root.name, "Delete");
        let keys: Vec<_> = root
            .all("Object")
            .filter_map(|o| o.text_of("Key"))
            .collect();
        assert_eq!(keys, ["a&b c", "d"]);
        assert_eq!(root.text_of("Quiet"), Some("true"));
    }

    #[test]
    fn malformed_deep_and_huge_documents_are_refused() {
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"not xml at all <",
            b"<a/><b/>",
            &[0xff, 0xfe],
        ] {
            assert_eq!(parse(bad).unwrap_err().code, "MalformedXML", "{bad:?}");
        }
        let deep = "<a>".repeat(100_000);
        assert_eq!(parse(deep.as_bytes()).unwrap_err().code, "MalformedXML");
        let wide = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS + 1));
        assert_eq!(parse(wide.as_bytes()).unwrap_err().code, "MalformedXML");
    }
}
