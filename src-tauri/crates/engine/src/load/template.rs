//! The request each virtual user sends, again and again: a method, a URL, headers and a body,
//! each of which may hold variables filled per request — `{{vu}}` (the user's number, from 1),
//! `{{iteration}}` (its request count, from 0), and Postman's dynamic `{{$guid}}`,
//! `{{$randomInt}}` (0–1000) and `{{$timestamp}}` (Unix seconds).

use std::fmt::Write as _;

/// One piece of a text with variables.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Vu,
    Iteration,
    Guid,
    RandomInt,
    Timestamp,
}

/// A text whose variables are found once, then filled per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pieces: Vec<Piece>,
}

/// A `{{name}}` that is not a variable this tester knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown variable {{{{{0}}}}}: use {{{{vu}}}}, {{{{iteration}}}}, {{{{$guid}}}}, {{{{$randomInt}}}} or {{{{$timestamp}}}}"
)]
pub struct UnknownVariable(pub String);

impl Text {
    pub fn parse(text: &str) -> Result<Self, UnknownVariable> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open..].find("}}") else {
                break;
            };
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let name = rest[open + 2..open + close].trim();
            pieces.push(match name {
                "vu" => Piece::Vu,
                "iteration" => Piece::Iteration,
                "$guid" | "$randomUUID" => Piece::Guid,
                "$randomInt" => Piece::RandomInt,
                "$timestamp" => Piece::Timestamp,
                other => return Err(UnknownVariable(other.to_owned())),
            });
            rest = &rest[open + close + 2..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(Self { pieces })
    }

    /// Whether the text has no variables (it can be sent as it is).
    pub fn is_constant(&self) -> bool {
        self.pieces
            .iter()
            .all(|piece| matches!(piece, Piece::Text(_)))
    }

    /// The text for user `vu`'s request number `iteration`.
    pub fn fill(&self, vu: usize, iteration: u64, random: &mut Random) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Vu => {
                    let _ = write!(out, "{}", vu + 1);
                }
                Piece::Iteration => {
                    let _ = write!(out, "{iteration}");
                }
                Piece::Guid => {
                    let bits = (u128::from(random.draw()) << 64) | u128::from(random.draw());
                    let bits = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
                    let hex = format!("{bits:032x}");
                    let _ = write!(
                        out,
                        "{}-{}-{}-{}-{}",
                        &hex[0..8],
                        &hex[8..12],
                        &hex[12..16],
                        &hex[16..20],
                        &hex[20..32]
                    );
                }
                Piece::RandomInt => {
                    let _ = write!(out, "{}", random.draw() % 1001);
                }
                Piece::Timestamp => {
                    let seconds = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |elapsed| elapsed.as_secs());
                    let _ = write!(out, "{seconds}");
                }
            }
        }
        out
    }
}

/// A small, fast random number generator (xorshift64*), one per virtual user.
#[derive(Debug, Clone)]
pub struct Random(u64);

impl Random {
    pub fn seeded(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn draw(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_per_user_and_request() {
        let text =
            Text::parse(r#"{"id": "u{{vu}}-{{ iteration }}", "n": {{$randomInt}}}"#).unwrap();
        let mut random = Random::seeded(7);
        let filled = text.fill(2, 41, &mut random);
        assert!(filled.starts_with(r#"{"id": "u3-41", "n": "#), "{filled}");
        let n: u64 = filled
            .trim_end_matches('}')
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(n <= 1000);
    }

    #[test]
    fn a_guid_is_a_version_4_uuid() {
        let text = Text::parse("{{$guid}}").unwrap();
        let guid = text.fill(0, 0, &mut Random::seeded(1));
        let parsed = guid.split('-').map(str::len).collect::<Vec<_>>();
        assert_eq!(parsed, [8, 4, 4, 4, 12], "{guid}");
        assert_eq!(&guid[14..15], "4", "{guid}");
        assert!("89ab".contains(&guid[19..20]), "{guid}");
    }

    #[test]
    fn plain_text_is_constant_and_unknown_variables_are_refused() {
        assert!(
            Text::parse("{\"operation\": \"list\"}")
                .unwrap()
                .is_constant()
        );
        assert!(!Text::parse("{{vu}}").unwrap().is_constant());
        assert_eq!(Text::parse("{{user}}"), Err(UnknownVariable("user".into())));
        assert_eq!(
            Text::parse("{{unclosed")
                .unwrap()
                .fill(0, 0, &mut Random::seeded(1)),
            "{{unclosed"
        );
    }
}
