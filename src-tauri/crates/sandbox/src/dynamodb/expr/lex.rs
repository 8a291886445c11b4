//! Tokens of DynamoDB's expression language. Keywords are recognised by the parser (they are
//! case-insensitive); here every word is an identifier.

/// One token and where it starts in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare word: an attribute name, a keyword or a function name.
    Ident(String),
    /// `#name`: an expression attribute name.
    Name(String),
    /// `:value`: an expression attribute value.
    Value(String),
    /// Digits, as in a list index `[3]`.
    Integer(String),
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Plus,
    Minus,
}

/// A character that starts no token; the parser reports it as a syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadChar {
    pub text: String,
    pub start: usize,
}

pub fn tokenize(source: &str) -> Result<Vec<Token>, BadChar> {
    let bytes = source.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let byte = bytes[i];
        let kind = match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'=' => single(&mut i, TokenKind::Eq),
            b'<' => match bytes.get(i + 1) {
                Some(b'>') => double(&mut i, TokenKind::Ne),
                Some(b'=') => double(&mut i, TokenKind::Le),
                _ => single(&mut i, TokenKind::Lt),
            },
            b'>' => match bytes.get(i + 1) {
                Some(b'=') => double(&mut i, TokenKind::Ge),
                _ => single(&mut i, TokenKind::Gt),
            },
            b'(' => single(&mut i, TokenKind::LParen),
            b')' => single(&mut i, TokenKind::RParen),
            b'[' => single(&mut i, TokenKind::LBracket),
            b']' => single(&mut i, TokenKind::RBracket),
            b',' => single(&mut i, TokenKind::Comma),
            b'.' => single(&mut i, TokenKind::Dot),
            b'+' => single(&mut i, TokenKind::Plus),
            b'-' => single(&mut i, TokenKind::Minus),
            b'#' | b':' => {
                i += 1;
                let word = take_word(bytes, &mut i);
                if word.is_empty() {
                    return Err(BadChar {
                        text: char::from(byte).to_string(),
                        start,
                    });
                }
                let word = source[start + 1..i].to_owned();
                if byte == b'#' {
                    TokenKind::Name(word)
                } else {
                    TokenKind::Value(word)
                }
            }
            b'0'..=b'9' => {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                TokenKind::Integer(source[start..i].to_owned())
            }
            b if b.is_ascii_alphabetic() => {
                take_word(bytes, &mut i);
                TokenKind::Ident(source[start..i].to_owned())
            }
            _ => {
                let text = source[start..]
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default();
                return Err(BadChar { text, start });
            }
        };
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Ok(tokens)
}

fn single(i: &mut usize, kind: TokenKind) -> TokenKind {
    *i += 1;
    kind
}

fn double(i: &mut usize, kind: TokenKind) -> TokenKind {
    *i += 2;
    kind
}

fn take_word<'a>(bytes: &'a [u8], i: &mut usize) -> &'a [u8] {
    let start = *i;
    while *i < bytes.len() && (bytes[*i].is_ascii_alphanumeric() || bytes[*i] == b'_') {
        *i += 1;
    }
    &bytes[start..*i]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<TokenKind> {
        tokenize(source)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn splits_operators_names_and_values() {
        use TokenKind::*;
        assert_eq!(
            kinds("#a.b[10] <> :v1 AND size(c)>=:x"),
            vec![
                Name("a".into()),
                Dot,
                Ident("b".into()),
                LBracket,
                Integer("10".into()),
                RBracket,
                Ne,
                Value("v1".into()),
                Ident("AND".into()),
                Ident("size".into()),
                LParen,
                Ident("c".into()),
                RParen,
                Ge,
                Value("x".into()),
            ]
        );
        assert_eq!(
            kinds("a<b<=c>d"),
            vec![
                Ident("a".into()),
                Lt,
                Ident("b".into()),
                Le,
                Ident("c".into()),
                Gt,
                Ident("d".into())
            ]
        );
    }

    #[test]
    fn reports_the_first_character_it_cannot_read() {
        assert_eq!(
            tokenize("a = $b").unwrap_err(),
            BadChar {
                text: "$".into(),
                start: 4
            }
        );
        assert_eq!(
            tokenize("a = #").unwrap_err(),
            BadChar {
                text: "#".into(),
                start: 4
            }
        );
    }
}
