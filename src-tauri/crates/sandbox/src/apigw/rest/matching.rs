//! Which resource of a deployment a request path selects, as API Gateway chooses: at each level
//! a literal path part before a `{parameter}`, and a greedy `{proxy+}` last, taking the rest of
//! the path; and the selection patterns (whole-string regular expressions) that pick an
//! integration response.

use std::collections::BTreeMap;

use super::model::Resource;

/// A request path's resource and the values of its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub resource_id: String,
    pub path_parameters: BTreeMap<String, String>,
}

/// The resource of `resources` (rooted at `root`) that `path` — percent-decoded, after the
/// stage — selects, if any.
pub fn select(resources: &BTreeMap<String, Resource>, root: &str, path: &str) -> Option<Matched> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut children: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
    for resource in resources.values() {
        if let Some(parent) = &resource.parent_id {
            children.entry(parent.as_str()).or_default().push(resource);
        }
    }
    let mut parameters = BTreeMap::new();
    let found = descend(&children, root, &segments, &mut parameters)?;
    Some(Matched {
        resource_id: found.to_owned(),
        path_parameters: parameters,
    })
}

/// The resource under `at` that `rest` selects. Depth is bounded by the tree's, since it only
/// follows resources that exist.
fn descend<'a>(
    children: &BTreeMap<&str, Vec<&'a Resource>>,
    at: &'a str,
    rest: &[&str],
    parameters: &mut BTreeMap<String, String>,
) -> Option<&'a str> {
    let Some((first, remaining)) = rest.split_first() else {
        return Some(at);
    };
    let under = children.get(at).map(Vec::as_slice).unwrap_or_default();
    let part = |resource: &&Resource| resource.path_part.as_deref().unwrap_or_default().to_owned();
    if let Some(literal) = under.iter().find(|r| part(r) == *first)
        && let Some(found) = descend(children, &literal.id, remaining, parameters)
    {
        return Some(found);
    }
    if let Some(variable) = under.iter().find(|r| {
        let part = part(r);
        part.starts_with('{') && !part.ends_with("+}")
    }) {
        let name = part(variable).trim_matches(['{', '}']).to_owned();
        let previous = parameters.insert(name.clone(), (*first).to_owned());
        if let Some(found) = descend(children, &variable.id, remaining, parameters) {
            return Some(found);
        }
        match previous {
            Some(value) => parameters.insert(name, value),
            None => parameters.remove(&name),
        };
    }
    let greedy = under.iter().find(|r| part(r).ends_with("+}"))?;
    let name = part(greedy)
        .trim_start_matches('{')
        .trim_end_matches("+}")
        .to_owned();
    parameters.insert(name, rest.join("/"));
    Some(&greedy.id)
}

/// The longest selection pattern API Gateway's sandbox compiles.
const MAX_PATTERN_BYTES: usize = 4096;

/// `pattern` compiled to match a whole string (API Gateway's selection patterns are anchored).
pub fn selection_regex(pattern: &str) -> Result<regex_lite::Regex, String> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(format!(
            "the pattern is {} bytes, over the {MAX_PATTERN_BYTES} allowed",
            pattern.len()
        ));
    }
    regex_lite::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .nest_limit(64)
        .build()
        .map_err(|error| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(parts: &[(&str, &str, &str)]) -> BTreeMap<String, Resource> {
        let mut resources = BTreeMap::from([(
            "root".to_owned(),
            Resource {
                id: "root".into(),
                parent_id: None,
                path_part: None,
                methods: BTreeMap::new(),
            },
        )]);
        for (id, parent, part) in parts {
            resources.insert(
                (*id).to_owned(),
                Resource {
                    id: (*id).to_owned(),
                    parent_id: Some((*parent).to_owned()),
                    path_part: Some((*part).to_owned()),
                    methods: BTreeMap::new(),
                },
            );
        }
        resources
    }

    fn selected(
        resources: &BTreeMap<String, Resource>,
        path: &str,
    ) -> Option<(String, Vec<(String, String)>)> {
        select(resources, "root", path).map(|matched| {
            (
                matched.resource_id,
                matched.path_parameters.into_iter().collect(),
            )
        })
    }

    #[test]
    fn literals_win_over_parameters_and_parameters_over_greedy() {
        let resources = tree(&[
            ("items", "root", "items"),
            ("new", "items", "new"),
            ("id", "items", "{id}"),
            ("proxy", "root", "{proxy+}"),
        ]);
        assert_eq!(selected(&resources, "/"), Some(("root".into(), vec![])));
        assert_eq!(
            selected(&resources, "/items/"),
            Some(("items".into(), vec![]))
        );
        assert_eq!(
            selected(&resources, "/items/new"),
            Some(("new".into(), vec![]))
        );
        assert_eq!(
            selected(&resources, "/items/42"),
            Some(("id".into(), vec![("id".into(), "42".into())]))
        );
        assert_eq!(
            selected(&resources, "/items/42/more"),
            Some((
                "proxy".into(),
                vec![("proxy".into(), "items/42/more".into())]
            ))
        );
        assert_eq!(
            selected(&resources, "/other"),
            Some(("proxy".into(), vec![("proxy".into(), "other".into())]))
        );
    }

    #[test]
    fn a_path_no_resource_takes_selects_nothing() {
        let resources = tree(&[("items", "root", "items"), ("id", "items", "{id}")]);
        assert_eq!(selected(&resources, "/users"), None);
        assert_eq!(selected(&resources, "/items/1/2"), None);
    }

    #[test]
    fn a_parameter_tried_and_abandoned_leaves_no_value() {
        let resources = tree(&[
            ("a", "root", "{first}"),
            ("b", "a", "only"),
            ("proxy", "root", "{rest+}"),
        ]);
        assert_eq!(
            selected(&resources, "/x/y"),
            Some(("proxy".into(), vec![("rest".into(), "x/y".into())]))
        );
    }

    #[test]
    fn selection_patterns_match_whole_strings() {
        let pattern = selection_regex(".*Not Found.*").unwrap();
        assert!(pattern.is_match("Item Not Found here"));
        let pattern = selection_regex("4\\d{2}").unwrap();
        assert!(pattern.is_match("404"));
        assert!(!pattern.is_match("1404"));
        assert!(selection_regex("(").is_err());
        assert!(selection_regex(&"a".repeat(5000)).is_err());
    }
}
