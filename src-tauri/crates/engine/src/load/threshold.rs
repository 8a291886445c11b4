//! Thresholds a run must meet to pass: `p95 < 300ms`, `avg <= 0.2s`, `max < 1s`, `errors < 1%`,
//! `rps > 100`. A latency is one of `avg`, `p50`, `p90`, `p95`, `p99`, `max` with a unit (`ms` or
//! `s`); `errors` is the error rate, in percent (`1%`) or as a fraction (`0.01`); `rps` is the
//! throughput in requests a second.

use std::fmt;

use super::stats::Summary;

/// What a threshold measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Latency(&'static str),
    ErrorRate,
    Throughput,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Below,
    AtMost,
    Above,
    AtLeast,
}

/// One threshold, as written and as understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    text: String,
    measure: Measure,
    comparison: Comparison,
    /// Milliseconds, a fraction, or requests a second.
    limit: f64,
}

/// A threshold that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "threshold {text:?}: {reason} (for example \"p95 < 300ms\", \"errors < 1%\", \"rps > 100\")"
)]
pub struct InvalidThreshold {
    text: String,
    reason: String,
}

impl Threshold {
    pub fn parse(text: &str) -> Result<Self, InvalidThreshold> {
        let invalid = |reason: &str| InvalidThreshold {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let (at, operator) = ["<=", ">=", "<", ">"]
            .iter()
            .find_map(|operator| text.find(operator).map(|at| (at, *operator)))
            .ok_or_else(|| invalid("it has no <, <=, > or >="))?;
        let name = text[..at].trim();
        let value = text[at + operator.len()..].trim();
        let comparison = match operator {
            "<" => Comparison::Below,
            "<=" => Comparison::AtMost,
            ">" => Comparison::Above,
            _ => Comparison::AtLeast,
        };
        let number = |digits: &str| -> Result<f64, InvalidThreshold> {
            digits
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| invalid("its limit is not a number"))
        };
        let (measure, limit) = match name {
            "avg" | "p50" | "p90" | "p95" | "p99" | "max" => {
                let measure = Measure::Latency(match name {
                    "avg" => "avg",
                    "p50" => "p50",
                    "p90" => "p90",
                    "p95" => "p95",
                    "p99" => "p99",
                    _ => "max",
                });
                let limit = if let Some(ms) = value.strip_suffix("ms") {
                    number(ms)?
                } else if let Some(s) = value.strip_suffix('s') {
                    number(s)? * 1000.0
                } else {
                    return Err(invalid("a latency needs a unit: ms or s"));
                };
                (measure, limit)
            }
            "errors" | "error_rate" => {
                let limit = match value.strip_suffix('%') {
                    Some(percent) => number(percent)? / 100.0,
                    None => number(value)?,
                };
                (Measure::ErrorRate, limit)
            }
            "rps" | "throughput" => (Measure::Throughput, number(value)?),
            _ => {
                return Err(invalid(
                    "it measures none of avg, p50, p90, p95, p99, max, errors, rps",
                ));
            }
        };
        Ok(Self {
            text: text.trim().to_owned(),
            measure,
            comparison,
            limit,
        })
    }

    fn actual(&self, summary: &Summary) -> f64 {
        match self.measure {
            Measure::Latency(name) => summary.latency_ms.get(name),
            Measure::ErrorRate => summary.error_rate,
            Measure::Throughput => summary.throughput_rps,
        }
    }

    /// What the run measured for it, in words: `p95 was 412.0 ms`, `errors were 2.50 %`.
    pub fn measured(&self, summary: &Summary) -> String {
        let actual = self.actual(summary);
        match self.measure {
            Measure::Latency(name) => format!("{name} was {actual:.1} ms"),
            Measure::ErrorRate => format!("errors were {:.2} %", actual * 100.0),
            Measure::Throughput => format!("the throughput was {actual:.1} requests/s"),
        }
    }

    /// Whether `summary` meets the threshold.
    pub fn passed(&self, summary: &Summary) -> bool {
        let actual = self.actual(summary);
        match self.comparison {
            Comparison::Below => actual < self.limit,
            Comparison::AtMost => actual <= self.limit,
            Comparison::Above => actual > self.limit,
            Comparison::AtLeast => actual >= self.limit,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::stats::Latencies;

    fn summary(p95: f64, error_rate: f64, rps: f64) -> Summary {
        Summary {
            latency_ms: Latencies {
                p95,
                ..Latencies::default()
            },
            error_rate,
            throughput_rps: rps,
            ..Summary::default()
        }
    }

    #[test]
    fn latency_thresholds_read_their_unit() {
        let fast = summary(250.0, 0.0, 10.0);
        assert!(Threshold::parse("p95 < 300ms").unwrap().passed(&fast));
        assert!(!Threshold::parse("p95<0.2s").unwrap().passed(&fast));
        assert!(Threshold::parse("p95 <= 250ms").unwrap().passed(&fast));
        assert!(Threshold::parse("p95 < 300").is_err(), "no unit");
    }

    #[test]
    fn error_rates_read_as_percent_or_fraction() {
        let flaky = summary(1.0, 0.02, 10.0);
        assert!(!Threshold::parse("errors < 1%").unwrap().passed(&flaky));
        assert!(Threshold::parse("errors < 0.05").unwrap().passed(&flaky));
    }

    #[test]
    fn throughput_and_unknown_measures() {
        assert!(
            Threshold::parse("rps > 5")
                .unwrap()
                .passed(&summary(1.0, 0.0, 10.0))
        );
        assert!(Threshold::parse("p42 < 1ms").is_err());
        assert!(Threshold::parse("p95 = 1ms").is_err());
        assert!(Threshold::parse("p95 < fast").is_err());
    }
}
