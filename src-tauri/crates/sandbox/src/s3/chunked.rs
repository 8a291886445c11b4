//! The `aws-chunked` content encoding, decoded as it streams in: chunks of
//! `{hex size}[;chunk-signature=…]\r\n{bytes}\r\n`, a final chunk of size 0, then trailing
//! headers (`x-amz-checksum-crc32:…`) and an empty line. Chunk signatures are read past, not
//! checked: the sandbox accepts any credentials. Lines are bounded, so no input can make the
//! decoder buffer more than a few kilobytes.

/// The longest chunk header or trailer line.
const MAX_LINE: usize = 4 * 1024;

/// The most trailer bytes.
const MAX_TRAILERS: usize = 16 * 1024;

/// Why a body is not valid `aws-chunked`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    #[error("a chunk header is not `{{hex size}}[;chunk-signature=…]`: {0}")]
    BadHeader(String),
    #[error("a chunk's data is not followed by CRLF")]
    MissingCrlf,
    #[error("a chunk header or trailer line is longer than {MAX_LINE} bytes")]
    LineTooLong,
    #[error("the trailers are longer than {MAX_TRAILERS} bytes")]
    TrailersTooLong,
    #[error("a trailer is not `name:value`")]
    BadTrailer,
    #[error("the body ended before its final chunk")]
    Truncated,
    #[error("bytes follow the final chunk's trailers")]
    TrailingBytes,
}

#[derive(Debug)]
enum State {
    Header,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

/// A streaming decoder: feed it the body's bytes as they arrive.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    line: Vec<u8>,
    trailers: Vec<(String, String)>,
    trailer_bytes: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self {
            state: State::Header,
            line: Vec::new(),
            trailers: Vec::new(),
            trailer_bytes: 0,
        }
    }
}

impl Decoder {
    /// Decodes `input`, handing each piece of chunk data to `data` in order.
    pub fn feed(
        &mut self,
        mut input: &[u8],
        mut data: impl FnMut(&[u8]) -> Result<(), ChunkError>,
    ) -> Result<(), ChunkError> {
        while !input.is_empty() {
            match self.state {
                State::Data(remaining) => {
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    data(&input[..take])?;
                    input = &input[take..];
                    let left = remaining - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                }
                State::Done => return Err(ChunkError::TrailingBytes),
                State::Header | State::DataEnd | State::Trailers => {
                    let Some(line) = self.take_line(&mut input)? else {
                        continue;
                    };
                    self.end_of_line(&line)?;
                }
            }
        }
        Ok(())
    }

    /// Collects bytes up to a CRLF; the line without it once complete.
    fn take_line(&mut self, input: &mut &[u8]) -> Result<Option<Vec<u8>>, ChunkError> {
        match input.iter().position(|&b| b == b'\n') {
            Some(end) => {
                self.line.extend_from_slice(&input[..end]);
                *input = &input[end + 1..];
                if self.line.len() > MAX_LINE {
                    return Err(ChunkError::LineTooLong);
                }
                let mut line = std::mem::take(&mut self.line);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                Ok(Some(line))
            }
            None => {
                self.line.extend_from_slice(input);
                *input = &[];
                if self.line.len() > MAX_LINE {
                    return Err(ChunkError::LineTooLong);
                }
                Ok(None)
            }
        }
    }

    fn end_of_line(&mut self, line: &[u8]) -> Result<(), ChunkError> {
        match self.state {
            State::Header => {
                let text = String::from_utf8_lossy(line);
                let size = text.split(';').next().unwrap_or_default().trim();
                let size = u64::from_str_radix(size, 16)
                    .map_err(|_| ChunkError::BadHeader(text.chars().take(80).collect()))?;
                self.state = if size == 0 {
                    State::Trailers
                } else {
                    State::Data(size)
                };
            }
            State::DataEnd => {
                if !line.is_empty() {
                    return Err(ChunkError::MissingCrlf);
                }
                self.state = State::Header;
            }
            State::Trailers => {
                if line.is_empty() {
                    self.state = State::Done;
                    return Ok(());
                }
                self.trailer_bytes += line.len();
                if self.trailer_bytes > MAX_TRAILERS {
                    return Err(ChunkError::TrailersTooLong);
                }
                let text = String::from_utf8_lossy(line);
                let (name, value) = text.split_once(':').ok_or(ChunkError::BadTrailer)?;
                self.trailers
                    .push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
            }
            State::Data(_) | State::Done => {}
        }
        Ok(())
    }

    /// Whether the final chunk and its trailers have come: nothing more belongs to the body.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Ends the body: its trailers, once the final chunk and its empty line have come. A body
    /// that stops right after the final chunk's trailers without the closing empty line is
    /// accepted, as S3 does.
    pub fn finish(self) -> Result<Vec<(String, String)>, ChunkError> {
        match self.state {
            State::Done => Ok(self.trailers),
            State::Trailers if self.line.is_empty() => Ok(self.trailers),
            _ => Err(ChunkError::Truncated),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data and the trailers.
    type Decoded = (Vec<u8>, Vec<(String, String)>);

    fn decode(input: &[u8], split: usize) -> Result<Decoded, ChunkError> {
        let mut decoder = Decoder::default();
        let mut out = Vec::new();
        for piece in input.chunks(split.max(1)) {
            decoder.feed(piece, |data| {
                out.extend_from_slice(data);
                Ok(())
            })?;
        }
        Ok((out, decoder.finish()?))
    }

    #[test]
    fn signed_chunks_decode_in_any_split() {
        let body = b"5;chunk-signature=aaaa\r\nhello\r\n6;chunk-signature=bbbb\r\n world\r\n\
                     0;chunk-signature=cccc\r\n\r\n";
        for split in [1, 2, 7, 1000] {
            let (data, trailers) = decode(body, split).unwrap();
            assert_eq!(data, b"hello world");
            assert!(trailers.is_empty());
        }
    }

    #[test]
    fn unsigned_chunks_carry_their_checksum_in_a_trailer() {
        let body = b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n";
        let (data, trailers) = decode(body, 4).unwrap();
        assert_eq!(data, b"abc");
        assert_eq!(
            trailers,
            [("x-amz-checksum-crc32".to_owned(), "NSRBwg==".to_owned())]
        );
    }

    #[test]
    fn malformed_and_endless_bodies_are_refused() {
        assert!(matches!(
            decode(b"zz\r\n", 3),
            Err(ChunkError::BadHeader(_))
        ));
        assert_eq!(decode(b"3\r\nabcX\r\n", 3), Err(ChunkError::MissingCrlf));
        assert_eq!(decode(b"3\r\nab", 3), Err(ChunkError::Truncated));
        let long = vec![b'1'; MAX_LINE + 10];
        assert_eq!(decode(&long, 100), Err(ChunkError::LineTooLong));
        assert_eq!(
            decode(b"0\r\n\r\nmore", 100),
            Err(ChunkError::TrailingBytes)
        );
    }
}
