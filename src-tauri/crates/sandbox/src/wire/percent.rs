//! Percent-decoding, once for every service: path segments (`%XX` escapes only, a `+` is a
//! plus) and query strings (`application/x-www-form-urlencoded`, where `+` is a space).

/// A path segment or identifier with its `%XX` escapes decoded; bytes that are not UTF-8
/// become U+FFFD.
pub fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The name/value pairs of a query string, decoded, in their order.
pub fn query_pairs(query: Option<&str>) -> impl Iterator<Item = (String, String)> + '_ {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_keeps_its_plus_and_decodes_escapes_to_the_end() {
        assert_eq!(decode("a+b%20c%41"), "a+b cA");
        assert_eq!(decode("%E2%82%AC"), "€");
        assert_eq!(decode("100%"), "100%");
    }

    #[test]
    fn a_query_string_reads_plus_as_a_space() {
        let pairs: Vec<_> = query_pairs(Some("q=a+b&k=%2F")).collect();
        assert_eq!(
            pairs,
            [("q".into(), "a b".into()), ("k".into(), "/".into())]
        );
    }
}
