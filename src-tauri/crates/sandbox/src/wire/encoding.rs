//! Compressed bodies, as DynamoDB takes and sends them: a request body under
//! `Content-Encoding: gzip` or `deflate` is unpacked (with a running cap, so a small body cannot
//! unpack into an unbounded one), and an answer over 4 KB is packed in the encoding the client's
//! first `Accept-Encoding` header prefers, read the way DynamoDB reads it.

use std::io::{Read, Write};

use axum::http::{HeaderMap, header};

/// Answers up to this size go uncompressed.
pub const COMPRESSION_THRESHOLD: usize = 4096;

/// A content coding the sandbox reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
}

impl Coding {
    pub fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("gzip") {
            Some(Self::Gzip)
        } else if name.eq_ignore_ascii_case("deflate") {
            Some(Self::Deflate)
        } else {
            None
        }
    }
}

/// Why a request body could not be unpacked; the service answering says how (DynamoDB: a 500,
/// and a body over the limit as any oversized body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("Unsupported Content-Encoding: {0}")]
    Unsupported(String),
    #[error("The request body could not be decompressed")]
    Corrupt,
    #[error("the request body is too large once decompressed")]
    TooLarge,
}

/// The request body with its `Content-Encoding` undone, at most `limit` bytes once unpacked. One
/// coding at most: layered codings would each unpack up to the limit, multiplying the work.
pub fn decode_request(
    headers: &HeaderMap,
    body: axum::body::Bytes,
    limit: usize,
) -> Result<axum::body::Bytes, DecodeError> {
    let codings: Vec<&str> = headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
        .collect();
    match codings.as_slice() {
        [] => Ok(body),
        [coding] => {
            let coding = Coding::parse(coding)
                .ok_or_else(|| DecodeError::Unsupported((*coding).to_owned()))?;
            Ok(unpack(coding, &body, limit)?.into())
        }
        _ => Err(DecodeError::Unsupported(codings.join(", "))),
    }
}

/// Unpacks `packed` (gzip members one after another, or one zlib stream), stopping at `limit`.
fn unpack(coding: Coding, packed: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let reader: Box<dyn Read + '_> = match coding {
        Coding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(packed)),
        Coding::Deflate => Box::new(flate2::read::ZlibDecoder::new(packed)),
    };
    let mut unpacked = Vec::new();
    // One byte past the limit tells an oversized body from one exactly at it.
    let read = reader
        .take(limit as u64 + 1)
        .read_to_end(&mut unpacked)
        .map_err(|_| DecodeError::Corrupt)?;
    if read > limit {
        return Err(DecodeError::TooLarge);
    }
    Ok(unpacked)
}

/// The coding to answer in, from the first `Accept-Encoding` header: the acceptable one with the
/// highest quality; at equal quality one named outright beats one `*` allows, then the earlier
/// named, then gzip. A quality DynamoDB cannot read counts as 1, one above 1 as 1, one at or
/// below 0 refuses the coding.
pub fn preferred(headers: &HeaderMap) -> Option<Coding> {
    let accepted = headers.get(header::ACCEPT_ENCODING)?.to_str().ok()?;
    // Per coding: (quality, named outright, position).
    let mut best: [Option<(f64, bool, usize)>; 2] = [None, None];
    let mut wildcard: Option<(f64, usize)> = None;
    for (position, entry) in accepted.split(',').enumerate() {
        let mut parts = entry.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let quality = parts
            .find_map(|parameter| parameter.split_once("q=").map(|(_, value)| value))
            .map_or(1.0, |value| value.trim().parse::<f64>().unwrap_or(1.0))
            .min(1.0);
        if name == "*" {
            if wildcard.is_none_or(|(known, _)| quality > known) {
                wildcard = Some((quality, position));
            }
            continue;
        }
        let Some(coding) = Coding::parse(name) else {
            continue;
        };
        let slot = &mut best[coding as usize];
        match slot {
            Some((known, _, _)) if *known >= quality => {}
            Some((known, _, _)) => *known = quality,
            None => *slot = Some((quality, true, position)),
        }
    }
    let candidates = [Coding::Gzip, Coding::Deflate].map(|coding| {
        let offer = best[coding as usize]
            .or_else(|| wildcard.map(|(quality, position)| (quality, false, position)));
        offer.map(|(quality, named, position)| (coding, quality, named, position))
    });
    candidates
        .into_iter()
        .flatten()
        .filter(|(_, quality, _, _)| *quality > 0.0)
        .reduce(|a, b| {
            let better = (b.1 > a.1)
                || (b.1 == a.1 && b.2 && !a.2)
                || (b.1 == a.1 && b.2 == a.2 && b.3 < a.3);
            if better { b } else { a }
        })
        .map(|(coding, ..)| coding)
}

/// `body` packed in `coding`.
pub fn pack(coding: Coding, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let level = flate2::Compression::default();
    match coding {
        Coding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
            encoder.write_all(body)?;
            encoder.finish()
        }
        Coding::Deflate => {
            let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), level);
            encoder.write_all(body)?;
            encoder.finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> Option<&'static str> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            value.parse().expect("a header value"),
        );
        preferred(&headers).map(Coding::name)
    }

    #[test]
    fn the_preferred_coding_is_read_as_dynamodb_reads_it() {
        for (header, expected) in [
            ("identity", None),
            ("", None),
            ("br", None),
            ("x-gzip", None),
            ("gzip, deflate", Some("gzip")),
            ("br, identity, deflate, gzip", Some("deflate")),
            ("GZIP, identity", Some("gzip")),
            ("dog, gzip ,, cat", Some("gzip")),
            ("gzip;q=0.8, deflate;q=0.5", Some("gzip")),
            (
                "br, gzip;q=0, deflate; q = 0.5 , identity;q=0",
                Some("deflate"),
            ),
            ("*", Some("gzip")),
            ("*, deflate;q=0.5", Some("gzip")),
            ("*, deflate", Some("deflate")),
            ("*, gzip;q=0.5", Some("deflate")),
            ("gzip ;q=0", None),
            ("*;q=0", None),
            ("*;q=0.5,identity", Some("gzip")),
            ("br;q=0.8,identity;q=0.5,*;q=0", None),
            ("\"gzip\"", None),
            ("gzip br", None),
            ("gzip:q=1", None),
            ("deflate;q=0.5, gzip;q=31", Some("gzip")),
            ("gzip;q=31,deflate;q=51", Some("gzip")),
            ("deflate;q=0.5, gzip;q=1;q=0.2", Some("gzip")),
            ("deflate;q=0.5,gzip;q=0.", Some("deflate")),
            ("deflate;q=0.5,gzip;q=0.x", Some("gzip")),
            ("deflate;q=-0.5,gzip;q=0.2", Some("gzip")),
            ("gzip;q= 0;q=1", None),
            ("gzip;q =0;q=1", Some("gzip")),
            ("gzip; q=0;q=1", None),
            ("gzip;nq=0;q=1", None),
            ("gzip;q=0, gzip;q=1, gzip;q=0", Some("gzip")),
            ("br,identity;q=0.5,gzip;q=0.0001", Some("gzip")),
        ] {
            assert_eq!(accepting(header), expected, "Accept-Encoding: {header}");
        }
    }

    #[test]
    fn packed_bodies_unpack_within_the_limit() {
        let body = b"{\"TableName\":\"t\"}".repeat(100);
        for coding in [Coding::Gzip, Coding::Deflate] {
            let packed = pack(coding, &body).expect("packs");
            assert_eq!(unpack(coding, &packed, body.len()).expect("unpacks"), body);
            assert_eq!(
                unpack(coding, &packed, body.len() - 1).expect_err("over the limit"),
                DecodeError::TooLarge
            );
        }
        let mut layered = HeaderMap::new();
        layered.insert(header::CONTENT_ENCODING, "gzip, gzip".parse().unwrap());
        assert_eq!(
            decode_request(&layered, axum::body::Bytes::new(), 10).unwrap_err(),
            DecodeError::Unsupported("gzip, gzip".into())
        );
        let twice = [
            pack(Coding::Gzip, b"ab").unwrap(),
            pack(Coding::Gzip, b"cd").unwrap(),
        ]
        .concat();
        assert_eq!(unpack(Coding::Gzip, &twice, 10).unwrap(), b"abcd");
        assert_eq!(
            unpack(Coding::Gzip, b"not gzip", 10).unwrap_err(),
            DecodeError::Corrupt
        );
    }
}
