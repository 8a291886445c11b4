//! The digests S3 computes over an object's bytes: MD5 (its ETag, `Content-MD5`), SHA-256
//! (`x-amz-content-sha256`), and the additional checksums a client may ask for — CRC32, CRC32C,
//! CRC64/NVME, SHA-1, SHA-256 — sent as `x-amz-checksum-*` headers or trailers.

use base64::Engine as _;
use md5::Digest as _;
use serde::{Deserialize, Serialize};

/// An additional checksum algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Algorithm {
    Crc32,
    Crc32c,
    Crc64nvme,
    Sha1,
    Sha256,
}

impl Algorithm {
    pub const ALL: [Self; 5] = [
        Self::Crc32,
        Self::Crc32c,
        Self::Crc64nvme,
        Self::Sha1,
        Self::Sha256,
    ];

    /// As S3 names it: `CRC32`, `CRC64NVME`, ….
    pub fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|algorithm| algorithm.name().eq_ignore_ascii_case(name))
    }

    /// `x-amz-checksum-crc32`, ….
    pub fn header(self) -> String {
        format!("x-amz-checksum-{}", self.name().to_ascii_lowercase())
    }

    /// The member of XML documents that carries it: `ChecksumCRC32`, ….
    pub fn member(self) -> String {
        format!("Checksum{}", self.name())
    }
}

/// A checksum as S3 reports it: the algorithm, its base64 value, and whether it covers the whole
/// object or is a checksum of the parts' checksums (`…-N`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checksum {
    pub algorithm: Algorithm,
    pub value: String,
    #[serde(default)]
    pub composite: bool,
}

impl Checksum {
    /// `FULL_OBJECT` or `COMPOSITE`, for `x-amz-checksum-type`.
    pub fn kind(&self) -> &'static str {
        if self.composite {
            "COMPOSITE"
        } else {
            "FULL_OBJECT"
        }
    }
}

/// One running digest of an additional checksum.
#[derive(Clone)]
pub enum Hasher {
    Crc32(crc32fast::Hasher),
    Crc32c(u32),
    Crc64nvme(crc64fast_nvme::Digest),
    Sha1(aws_lc_rs::digest::Context),
    Sha256(sha2::Sha256),
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hasher")
    }
}

impl Hasher {
    pub fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Crc32 => Self::Crc32(crc32fast::Hasher::new()),
            Algorithm::Crc32c => Self::Crc32c(0),
            Algorithm::Crc64nvme => Self::Crc64nvme(crc64fast_nvme::Digest::new()),
            Algorithm::Sha1 => Self::Sha1(aws_lc_rs::digest::Context::new(
                &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            )),
            Algorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Crc32(hasher) => hasher.update(bytes),
            Self::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, bytes),
            Self::Crc64nvme(digest) => digest.write(bytes),
            Self::Sha1(context) => context.update(bytes),
            Self::Sha256(hasher) => sha2::Digest::update(hasher, bytes),
        }
    }

    /// The digest's bytes.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::Crc32(hasher) => hasher.finalize().to_be_bytes().to_vec(),
            Self::Crc32c(crc) => crc.to_be_bytes().to_vec(),
            Self::Crc64nvme(digest) => digest.sum64().to_be_bytes().to_vec(),
            Self::Sha1(context) => context.finish().as_ref().to_vec(),
            Self::Sha256(hasher) => sha2::Digest::finalize(hasher).to_vec(),
        }
    }
}

/// The digest of `bytes` with `algorithm`, base64 as S3 writes it.
pub fn of(algorithm: Algorithm, bytes: &[u8]) -> String {
    let mut hasher = Hasher::new(algorithm);
    hasher.update(bytes);
    base64(&hasher.finish())
}

pub fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A running MD5, for ETags and `Content-MD5`.
#[derive(Debug, Clone, Default)]
pub struct Md5(md5::Md5);

impl Md5 {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> [u8; 16] {
        self.0.finalize().into()
    }
}

/// Lower-case hex, as ETags and SHA-256 payload hashes are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_algorithm_matches_its_published_check_value() {
        // The check values of "123456789" from the CRC catalogue, and the SHA test vectors.
        let check = |algorithm| {
            let mut hasher = Hasher::new(algorithm);
            hasher.update(b"123456789");
            hex(&hasher.finish())
        };
        assert_eq!(check(Algorithm::Crc32), "cbf43926");
        assert_eq!(check(Algorithm::Crc32c), "e3069283");
        assert_eq!(check(Algorithm::Crc64nvme), "ae8b14860a799888");
        assert_eq!(
            of(Algorithm::Sha256, b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(of(Algorithm::Sha1, b"abc"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
        let mut md5 = Md5::default();
        md5.update(b"");
        assert_eq!(hex(&md5.finish()), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn algorithms_are_read_in_any_case() {
        assert_eq!(Algorithm::parse("crc64nvme"), Some(Algorithm::Crc64nvme));
        assert_eq!(Algorithm::Crc32c.header(), "x-amz-checksum-crc32c");
        assert_eq!(Algorithm::parse("md5"), None);
    }
}
