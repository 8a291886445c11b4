//! DynamoDB's number: a decimal of up to 38 significant digits with a magnitude between 1E-130 and
//! 9.9999999999999999999999999999999999999E+125, or zero.
//!
//! Numbers are kept normalised (no leading or trailing zeros), so equal values have equal
//! representations, ordering is numeric, and rendering gives DynamoDB's canonical text: plain
//! notation, no exponent, no trailing zeros (`"1.50"` comes back as `"1.5"`, `"1e3"` as `"1000"`).

use std::cmp::Ordering;
use std::fmt;

/// The most significant digits DynamoDB stores.
pub const MAX_DIGITS: usize = 38;
/// `value = 0.d1 d2 … dn × 10^exponent`: the largest exponent a number may have (E+125 → 126).
const MAX_EXPONENT: i32 = 126;
/// The smallest exponent (1E-130 → 0.1 × 10^-129).
const MIN_EXPONENT: i32 = -129;

/// Why a text is not a DynamoDB number. The messages are DynamoDB's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("The parameter cannot be converted to a numeric value")]
    NotANumber,
    #[error("Attempting to store more than 38 significant digits in a Number")]
    TooManyDigits,
    #[error(
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )]
    Overflow,
    #[error(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    )]
    Underflow,
}

/// A normalised DynamoDB number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// Significant digits 0–9, first and last non-zero; empty for zero.
    digits: Vec<u8>,
    /// `value = 0.digits × 10^exponent`; 0 for zero.
    exponent: i32,
}

impl Number {
    pub fn zero() -> Self {
        Self {
            negative: false,
            digits: Vec::new(),
            exponent: 0,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Parses DynamoDB's number syntax: optional sign, digits with an optional point, an optional
    /// exponent (`-12.5`, `.5`, `1e3`, `1.5E-7`).
    pub fn parse(text: &str) -> Result<Self, NumberError> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(&sign @ (b'+' | b'-')) = bytes.first() {
            negative = sign == b'-';
            i = 1;
        }
        let mut digits = Vec::with_capacity(bytes.len());
        let mut point_at: Option<usize> = None;
        let mut seen_digit = false;
        while i < bytes.len() {
            match bytes[i] {
                digit @ b'0'..=b'9' => {
                    digits.push(digit - b'0');
                    seen_digit = true;
                }
                b'.' if point_at.is_none() => point_at = Some(digits.len()),
                b'e' | b'E' => break,
                _ => return Err(NumberError::NotANumber),
            }
            i += 1;
        }
        if !seen_digit {
            return Err(NumberError::NotANumber);
        }
        let mut exponent: i64 = 0;
        if i < bytes.len() {
            // An exponent: `e`, optional sign, at least one digit.
            let rest = &text[i + 1..];
            let (sign, magnitude) = match rest.as_bytes().first() {
                Some(b'-') => (-1, &rest[1..]),
                Some(b'+') => (1, &rest[1..]),
                _ => (1, rest),
            };
            if magnitude.is_empty() || !magnitude.bytes().all(|b| b.is_ascii_digit()) {
                return Err(NumberError::NotANumber);
            }
            // More than nine digits is out of range whatever the significand says.
            let significant = magnitude.trim_start_matches('0');
            let value: i64 = match significant.len() {
                0 => 0,
                1..=9 => significant.parse().map_err(|_| NumberError::NotANumber)?,
                _ => 1 << 40,
            };
            exponent = sign * value;
        }
        let integer_digits = point_at.unwrap_or(digits.len()) as i64;
        Self::from_parts(negative, digits, integer_digits + exponent)
    }

    /// Builds a number from raw digits and the exponent of `0.digits`, normalising and checking
    /// DynamoDB's limits.
    fn from_parts(negative: bool, mut digits: Vec<u8>, exponent: i64) -> Result<Self, NumberError> {
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        let exponent = exponent - leading as i64;
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Ok(Self::zero());
        }
        if exponent > i64::from(MAX_EXPONENT) {
            return Err(NumberError::Overflow);
        }
        if exponent < i64::from(MIN_EXPONENT) {
            return Err(NumberError::Underflow);
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::TooManyDigits);
        }
        Ok(Self {
            negative,
            digits,
            exponent: exponent as i32,
        })
    }

    /// Bytes whose order (compared byte by byte, a prefix first) is the numbers' order: a sign
    /// class, the exponent, then the digits; a negative number's exponent and digits are
    /// complemented and end in a byte above every digit, so a longer magnitude sorts first.
    pub fn ordered_bytes(&self) -> Vec<u8> {
        const EXPONENT_BIAS: i32 = 1000;
        if self.is_zero() {
            return vec![0x80];
        }
        let mut out = Vec::with_capacity(self.digits.len() + 4);
        // In range MIN_EXPONENT..=MAX_EXPONENT, so the biased exponent fits in a u16.
        let exponent = (self.exponent + EXPONENT_BIAS) as u16;
        if self.negative {
            out.push(0x40);
            out.extend_from_slice(&(u16::MAX - exponent).to_be_bytes());
            out.extend(self.digits.iter().map(|digit| 10 - digit));
            out.push(0xFF);
        } else {
            out.push(0xC0);
            out.extend_from_slice(&exponent.to_be_bytes());
            out.extend(self.digits.iter().map(|digit| digit + 1));
        }
        out
    }

    pub fn negate(&self) -> Self {
        let mut out = self.clone();
        if !out.is_zero() {
            out.negative = !out.negative;
        }
        out
    }

    /// Exact addition; fails when the exact result needs more than 38 digits or leaves the range.
    pub fn add(&self, other: &Self) -> Result<Self, NumberError> {
        if self.is_zero() {
            return Ok(other.clone());
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        // Align both on the smallest unit: value = integer × 10^(low).
        let low = (self.exponent - self.digits.len() as i32)
            .min(other.exponent - other.digits.len() as i32);
        let high = self.exponent.max(other.exponent);
        let width = (high - low) as usize;
        let a = self.aligned(high, width);
        let b = other.aligned(high, width);
        let (negative, digits) = if self.negative == other.negative {
            (self.negative, add_digits(&a, &b))
        } else {
            match compare_digits(&a, &b) {
                Ordering::Equal => return Ok(Self::zero()),
                Ordering::Greater => (self.negative, sub_digits(&a, &b)),
                Ordering::Less => (other.negative, sub_digits(&b, &a)),
            }
        };
        // `digits` may have grown by one carry digit at the front.
        let exponent = i64::from(high) + (digits.len() as i64 - width as i64);
        // A sum that needs more digits than a number holds is reported as an overflow, as
        // DynamoDB reports it.
        Self::from_parts(negative, digits, exponent).map_err(|error| match error {
            NumberError::TooManyDigits => NumberError::Overflow,
            other => other,
        })
    }

    pub fn sub(&self, other: &Self) -> Result<Self, NumberError> {
        self.add(&other.negate())
    }

    /// The digits of `|self|` placed in a window of `width` digits whose first digit has weight
    /// `10^(high-1)`.
    fn aligned(&self, high: i32, width: usize) -> Vec<u8> {
        let mut out = vec![0; width];
        let offset = (high - self.exponent) as usize;
        out[offset..offset + self.digits.len()].copy_from_slice(&self.digits);
        out
    }

    fn compare_magnitude(&self, other: &Self) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        self.exponent
            .cmp(&other.exponent)
            .then_with(|| self.digits.cmp(&other.digits))
    }
}

fn compare_digits(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len() + 1);
    let mut carry = 0;
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        let sum = x + y + carry;
        out.push(sum % 10);
        carry = sum / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out.reverse();
    out
}

/// `a - b` for `a >= b`, both the same width.
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0;
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        let mut diff = *x as i8 - *y as i8 - borrow;
        borrow = 0;
        if diff < 0 {
            diff += 10;
            borrow = 1;
        }
        out.push(diff as u8);
    }
    out.reverse();
    out
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.compare_magnitude(other),
            (true, true) => other.compare_magnitude(self),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// DynamoDB's canonical text: plain notation, no exponent, no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut out = String::with_capacity(self.digits.len() + 8);
        if self.negative {
            out.push('-');
        }
        let digit = |d: u8| char::from(b'0' + d);
        if self.exponent <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-self.exponent) as usize));
            out.extend(self.digits.iter().copied().map(digit));
        } else {
            let integer = self.exponent as usize;
            for i in 0..integer.max(self.digits.len()) {
                if i == integer {
                    out.push('.');
                }
                out.push(self.digits.get(i).copied().map_or('0', digit));
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_bytes_sort_as_the_numbers_do() {
        let texts = [
            "-1e125", "-123.45", "-12.3", "-12", "-1.5", "-1", "-0.123", "-0.12", "-1e-130", "0",
            "1e-130", "0.12", "0.123", "1", "1.5", "12", "12.3", "123.45", "1e125",
        ];
        let numbers: Vec<Number> = texts.iter().map(|t| Number::parse(t).unwrap()).collect();
        for pair in numbers.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
            assert!(
                pair[0].ordered_bytes() < pair[1].ordered_bytes(),
                "bytes of {} < bytes of {}",
                pair[0],
                pair[1]
            );
        }
    }

    fn n(text: &str) -> Number {
        Number::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    #[test]
    fn parses_and_renders_canonically() {
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("000.000", "0"),
            ("1.50", "1.5"),
            ("+7", "7"),
            ("1e3", "1000"),
            ("1E+3", "1000"),
            ("12.5e-3", "0.0125"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-123.456", "-123.456"),
            ("100", "100"),
            ("0.000001", "0.000001"),
            ("1e-130", &format!("0.{}1", "0".repeat(129))),
            (
                "9.9999999999999999999999999999999999999E+125",
                &format!("{}{}", "9".repeat(38), "0".repeat(88)),
            ),
        ];
        for (text, canonical) in cases {
            assert_eq!(n(text).to_string(), canonical, "{text}");
        }
    }

    #[test]
    fn rejects_what_dynamodb_rejects() {
        let cases = [
            ("", NumberError::NotANumber),
            ("abc", NumberError::NotANumber),
            ("1.2.3", NumberError::NotANumber),
            ("1e", NumberError::NotANumber),
            ("e5", NumberError::NotANumber),
            (" 1", NumberError::NotANumber),
            ("1_000", NumberError::NotANumber),
            ("NaN", NumberError::NotANumber),
            ("Infinity", NumberError::NotANumber),
            ("-", NumberError::NotANumber),
            ("1e126", NumberError::Overflow),
            ("1e99999999999999999999", NumberError::Overflow),
            ("1e-131", NumberError::Underflow),
            ("1e-99999999999999999999", NumberError::Underflow),
            (
                "123456789012345678901234567890123456789",
                NumberError::TooManyDigits,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(Number::parse(text), Err(expected), "{text:?}");
        }
        // Trailing zeros are not significant digits.
        assert!(Number::parse(&format!("1{}", "0".repeat(100))).is_ok());
        // Zero is in range whatever its exponent says.
        assert_eq!(n("0e99999"), Number::zero());
    }

    #[test]
    fn orders_numerically() {
        let sorted = [
            "-1000", "-10", "-9.5", "-1", "-0.001", "0", "0.001", "0.0011", "1", "2", "10", "1e20",
        ];
        for pair in sorted.windows(2) {
            assert!(n(pair[0]) < n(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(n("1.0"), n("1"));
        assert_eq!(n("10").cmp(&n("1e1")), Ordering::Equal);
    }

    #[test]
    fn adds_and_subtracts_exactly() {
        let cases = [
            ("1", "1", "2"),
            ("0.1", "0.2", "0.3"),
            ("999", "1", "1000"),
            ("-5", "3", "-2"),
            ("5", "-5", "0"),
            ("1e20", "1", "100000000000000000001"),
            ("-0.5", "-0.25", "-0.75"),
            ("0", "-7", "-7"),
            ("1.005", "-0.005", "1"),
        ];
        for (a, b, sum) in cases {
            assert_eq!(n(a).add(&n(b)).unwrap().to_string(), sum, "{a} + {b}");
        }
        assert_eq!(n("10").sub(&n("0.5")).unwrap().to_string(), "9.5");
        assert_eq!(
            n("1e37").add(&n("0.1")),
            Err(NumberError::Overflow),
            "the exact sum needs 39 digits, which DynamoDB reports as an overflow"
        );
        assert_eq!(
            n("9.9999999999999999999999999999999999999E+125").add(&n("1e125")),
            Err(NumberError::Overflow)
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// Numbers of up to 18 significant digits across a wide exponent range.
        fn number() -> impl Strategy<Value = Number> {
            (any::<bool>(), 0u64..1_000_000_000_000_000_000, -60i32..60).prop_map(
                |(negative, mantissa, exponent)| {
                    let sign = if negative { "-" } else { "" };
                    Number::parse(&format!("{sign}{mantissa}e{exponent}")).unwrap()
                },
            )
        }

        proptest! {
            #[test]
            fn canonical_text_parses_back_to_the_same_number(n in number()) {
                prop_assert_eq!(Number::parse(&n.to_string()).unwrap(), n);
            }

            #[test]
            fn addition_commutes_and_subtraction_undoes_it(a in number(), b in number()) {
                let sum = a.add(&b);
                prop_assert_eq!(&sum, &b.add(&a));
                if let Ok(sum) = sum {
                    prop_assert_eq!(sum.sub(&b).unwrap(), a);
                }
            }

            #[test]
            fn order_agrees_with_subtraction(a in number(), b in number()) {
                if let Ok(difference) = a.sub(&b) {
                    let expected = if difference.is_zero() {
                        Ordering::Equal
                    } else if difference.negative {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                    prop_assert_eq!(a.cmp(&b), expected);
                }
            }

            #[test]
            fn order_agrees_with_floats_for_small_numbers(a in -1_000_000i64..1_000_000, b in -1_000_000i64..1_000_000, scale in 0u32..6) {
                let text = |v: i64| format!("{v}e-{scale}");
                let (x, y) = (Number::parse(&text(a)).unwrap(), Number::parse(&text(b)).unwrap());
                prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            }

            #[test]
            fn arbitrary_text_never_panics(text in "[-+0-9.eE]{0,12}") {
                let _ = Number::parse(&text);
            }
        }
    }
}
