//! Load profiles, as Postman's performance runner names them: how many virtual users are active
//! at each moment of a run of `vus` users.
//!
//! - **fixed**: all of them, from start to end;
//! - **ramp-up**: from one to all over the first half, then all;
//! - **spike**: a tenth of them (at least one), rising to all over 5% of the run at 40%, held
//!   for 10%, falling back over 5%;
//! - **peak**: a quarter of them for the first quarter, rising to all over the second, held for
//!   the third, falling back to a quarter over the last.

use std::fmt;

/// A load profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    #[default]
    Fixed,
    RampUp,
    Spike,
    Peak,
}

/// A profile name that is not one of the four.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown load profile {0:?}: use fixed, ramp-up, spike or peak")]
pub struct UnknownProfile(pub String);

impl std::str::FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "fixed" => Ok(Self::Fixed),
            "ramp-up" | "rampup" => Ok(Self::RampUp),
            "spike" => Ok(Self::Spike),
            "peak" => Ok(Self::Peak),
            other => Err(UnknownProfile(other.to_owned())),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fixed => "fixed",
            Self::RampUp => "ramp-up",
            Self::Spike => "spike",
            Self::Peak => "peak",
        })
    }
}

impl Profile {
    /// How many of `vus` users are active at `progress` (0 at the start, 1 at the end).
    pub fn active(self, vus: usize, progress: f64) -> usize {
        let vus = vus.max(1);
        let progress = progress.clamp(0.0, 1.0);
        let between = |from: usize, to: usize, share: f64| -> usize {
            let share = share.clamp(0.0, 1.0);
            (from as f64 + (to as f64 - from as f64) * share).round() as usize
        };
        let active = match self {
            Self::Fixed => vus,
            Self::RampUp => between(1, vus, progress / 0.5),
            Self::Spike => {
                let base = (vus / 10).max(1);
                match progress {
                    p if p < 0.40 => base,
                    p if p < 0.45 => between(base, vus, (p - 0.40) / 0.05),
                    p if p < 0.55 => vus,
                    p if p < 0.60 => between(vus, base, (p - 0.55) / 0.05),
                    _ => base,
                }
            }
            Self::Peak => {
                let base = (vus / 4).max(1);
                match progress {
                    p if p < 0.25 => base,
                    p if p < 0.50 => between(base, vus, (p - 0.25) / 0.25),
                    p if p < 0.75 => vus,
                    p => between(vus, base, (p - 0.75) / 0.25),
                }
            }
        };
        active.clamp(1, vus)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(profile: Profile, vus: usize) -> Vec<usize> {
        (0..=20)
            .map(|step| profile.active(vus, step as f64 / 20.0))
            .collect()
    }

    #[test]
    fn fixed_keeps_every_user_from_start_to_end() {
        assert!(curve(Profile::Fixed, 8).iter().all(|&active| active == 8));
    }

    #[test]
    fn ramp_up_climbs_from_one_to_all_over_the_first_half() {
        let curve = curve(Profile::RampUp, 11);
        assert_eq!(curve[0], 1);
        assert_eq!(curve[5], 6, "a quarter in: halfway up");
        assert!(curve.windows(2).all(|pair| pair[0] <= pair[1]), "{curve:?}");
        assert!(curve[10..].iter().all(|&active| active == 11), "{curve:?}");
    }

    #[test]
    fn spike_jumps_from_a_tenth_to_all_in_the_middle_and_back() {
        let curve = curve(Profile::Spike, 20);
        assert_eq!(curve[0], 2);
        assert_eq!(curve[7], 2, "35%: base");
        assert_eq!(curve[10], 20, "50%: the spike");
        assert_eq!(curve[13], 2, "65%: base again");
        assert_eq!(Profile::Spike.active(3, 0.0), 1, "at least one user");
    }

    #[test]
    fn peak_rises_holds_and_falls() {
        let curve = curve(Profile::Peak, 8);
        assert_eq!(curve[0], 2);
        assert_eq!(curve[15], 8, "75%: the top");
        assert_eq!(curve[20], 2);
        let rising = &curve[5..=10];
        assert!(
            rising.windows(2).all(|pair| pair[0] <= pair[1]),
            "{curve:?}"
        );
    }

    #[test]
    fn names_parse_both_ways() {
        for profile in [
            Profile::Fixed,
            Profile::RampUp,
            Profile::Spike,
            Profile::Peak,
        ] {
            assert_eq!(profile.to_string().parse::<Profile>(), Ok(profile));
        }
        assert!("burst".parse::<Profile>().is_err());
    }
}
