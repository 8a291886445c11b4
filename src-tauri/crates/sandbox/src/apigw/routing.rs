//! Route keys (`GET /things/{id}`, `ANY /{proxy+}`, `$default`) and choosing the route for a
//! request as API Gateway documents it: the most specific full match first (literal segments
//! before `{param}`s, a method before `ANY`), then greedy `{proxy+}` paths, then `$default`.

use std::collections::BTreeMap;

/// A parsed route key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteKey {
    Default,
    Path {
        method: String,
        segments: Vec<Segment>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Param(String),
    /// `{name+}`: the rest of the path, one segment or more; only last.
    Greedy(String),
}

const METHODS: [&str; 8] = [
    "ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT",
];

impl RouteKey {
    /// Parses a route key as CreateRoute accepts it; the error is AWS's message.
    pub fn parse(key: &str) -> Result<Self, String> {
        if key == "$default" {
            return Ok(Self::Default);
        }
        let invalid = || {
            format!(
                "Unable to create route {key}: the route key must be $default or an HTTP method and a path such as 'GET /pets/{{petId}}'."
            )
        };
        let (method, path) = key.split_once(' ').ok_or_else(invalid)?;
        if !METHODS.contains(&method) || !path.starts_with('/') {
            return Err(invalid());
        }
        let parts: Vec<&str> = path[1..].split('/').filter(|s| !s.is_empty()).collect();
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if name.ends_with('+') => {
                    if i + 1 != parts.len() {
                        return Err(invalid());
                    }
                    Segment::Greedy(name.trim_end_matches('+').to_owned())
                }
                Some(name) if !name.is_empty() => Segment::Param(name.to_owned()),
                Some(_) => return Err(invalid()),
                None => Segment::Literal((*part).to_owned()),
            };
            segments.push(segment);
        }
        Ok(Self::Path {
            method: method.to_owned(),
            segments,
        })
    }

    /// The path parameters if `method` and `path` match this key.
    pub fn matches(&self, method: &str, path: &str) -> Option<BTreeMap<String, String>> {
        let Self::Path {
            method: wanted,
            segments,
        } = self
        else {
            return None;
        };
        if wanted != "ANY" && wanted != method {
            return None;
        }
        let parts: Vec<&str> = path
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        let mut parameters = BTreeMap::new();
        for (i, segment) in segments.iter().enumerate() {
            match segment {
                Segment::Literal(literal) => {
                    if parts.get(i) != Some(&literal.as_str()) {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    parameters.insert(name.clone(), (*parts.get(i)?).to_owned());
                }
                Segment::Greedy(name) => {
                    if parts.len() <= i {
                        return None;
                    }
                    parameters.insert(name.clone(), parts[i..].join("/"));
                    return Some(parameters);
                }
            }
        }
        (parts.len() == segments.len()).then_some(parameters)
    }

    /// How specific the key is; higher wins.
    fn rank(&self) -> (bool, usize, usize, bool) {
        match self {
            Self::Default => (false, 0, 0, false),
            Self::Path { method, segments } => {
                let greedy = segments.iter().any(|s| matches!(s, Segment::Greedy(_)));
                let literals = segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count();
                (!greedy, segments.len(), literals, method != "ANY")
            }
        }
    }
}

/// The route (by index into `keys`) a request selects, with its path parameters.
pub fn select(
    keys: &[RouteKey],
    method: &str,
    path: &str,
) -> Option<(usize, BTreeMap<String, String>)> {
    let mut best: Option<(usize, BTreeMap<String, String>)> = None;
    for (index, key) in keys.iter().enumerate() {
        if let Some(parameters) = key.matches(method, path)
            && best
                .as_ref()
                .is_none_or(|(current, _)| key.rank() > keys[*current].rank())
        {
            best = Some((index, parameters));
        }
    }
    best.or_else(|| {
        keys.iter()
            .position(|key| *key == RouteKey::Default)
            .map(|index| (index, BTreeMap::new()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(list: &[&str]) -> Vec<RouteKey> {
        list.iter().map(|k| RouteKey::parse(k).unwrap()).collect()
    }

    #[test]
    fn selects_the_most_specific_route() {
        let routes = keys(&[
            "GET /",
            "ANY /pets",
            "GET /pets",
            "GET /pets/{id}",
            "GET /pets/dog",
            "ANY /{proxy+}",
            "GET /files/{path+}",
            "$default",
        ]);
        let cases = [
            ("GET", "/", "GET /", ""),
            ("GET", "/pets", "GET /pets", ""),
            ("POST", "/pets", "ANY /pets", ""),
            ("GET", "/pets/cat", "GET /pets/{id}", "id=cat"),
            ("GET", "/pets/dog", "GET /pets/dog", ""),
            (
                "GET",
                "/pets/cat/toys",
                "ANY /{proxy+}",
                "proxy=pets/cat/toys",
            ),
            (
                "GET",
                "/files/a/b.txt",
                "GET /files/{path+}",
                "path=a/b.txt",
            ),
            ("DELETE", "/", "$default", ""),
        ];
        let names = [
            "GET /",
            "ANY /pets",
            "GET /pets",
            "GET /pets/{id}",
            "GET /pets/dog",
            "ANY /{proxy+}",
            "GET /files/{path+}",
            "$default",
        ];
        for (method, path, expected, parameters) in cases {
            let (index, found) = select(&routes, method, path).unwrap();
            let found: Vec<String> = found.iter().map(|(k, v)| format!("{k}={v}")).collect();
            assert_eq!(
                (names[index], found.join(",")),
                (expected, parameters.to_owned()),
                "{method} {path}"
            );
        }
        assert_eq!(select(&keys(&["GET /pets"]), "GET", "/other"), None);
    }

    #[test]
    fn rejects_malformed_keys() {
        for key in ["GET", "FETCH /", "GET pets", "GET /{proxy+}/x", "GET /{}"] {
            assert!(RouteKey::parse(key).is_err(), "{key}");
        }
    }
}
