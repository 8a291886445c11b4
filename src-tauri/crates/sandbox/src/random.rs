//! Random text for identifiers and secrets (pool and client ids, session keys, codes), drawn
//! from the operating system's random source by way of version 4 UUIDs.

/// `length` characters of `alphabet` (at most 256 characters long), uniformly when its length
/// divides 256.
pub fn text(length: usize, alphabet: &[u8]) -> String {
    let mut text = String::with_capacity(length);
    while text.len() < length {
        for byte in uuid::Uuid::new_v4().as_bytes() {
            if text.len() == length {
                break;
            }
            text.push(char::from(alphabet[usize::from(*byte) % alphabet.len()]));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_has_its_length_and_alphabet() {
        let text = super::text(40, b"ab");
        assert_eq!(text.len(), 40);
        assert!(text.chars().all(|c| c == 'a' || c == 'b'));
    }
}
