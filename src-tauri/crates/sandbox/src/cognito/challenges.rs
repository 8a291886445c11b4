//! Sign-ins waiting for the client's answer to a challenge: a new password after
//! AdminCreateUser, or the password claim of an SRP sign-in. Kept in memory only and as
//! short-lived as Cognito's (3 minutes), bounded in number so unanswered sign-ins cannot pile
//! up.

use std::collections::BTreeMap;

use super::srp::{Exchange, Verifier};

/// How long a challenge waits for its answer: 3 minutes.
const LIFETIME_MILLIS: i64 = 3 * 60 * 1000;

/// The most challenges a pool keeps open; past it the one closest to expiring goes.
const MAX_OPEN: usize = 10_000;

/// What the client has to answer.
#[derive(Debug, Clone)]
pub enum Challenge {
    /// `NEW_PASSWORD_REQUIRED` for the user stored under `user`.
    NewPassword { user: String },
    /// `PASSWORD_VERIFIER`: the server's half of an SRP exchange with `user_id` (the user's
    /// key, or `None` for a user who does not exist and is answered with a decoy verifier).
    PasswordVerifier {
        user: Option<String>,
        user_id: String,
        verifier: Verifier,
        exchange: Exchange,
    },
}

/// The open challenges of one pool, by session (or SRP secret block).
#[derive(Debug, Default)]
pub struct Challenges {
    open: BTreeMap<String, (Challenge, i64)>,
}

impl Challenges {
    /// Opens `challenge` under `session`.
    pub fn open(&mut self, session: String, challenge: Challenge) {
        let now = crate::clock::now_millis();
        self.open.retain(|_, (_, expires)| *expires >= now);
        if self.open.len() >= MAX_OPEN
            && let Some(soonest) = self
                .open
                .iter()
                .min_by_key(|(_, (_, expires))| *expires)
                .map(|(session, _)| session.clone())
        {
            self.open.remove(&soonest);
        }
        self.open
            .insert(session, (challenge, now + LIFETIME_MILLIS));
    }

    /// The challenge open under `session`, if it has not expired; it stays open.
    pub fn get(&self, session: &str) -> Option<&Challenge> {
        let now = crate::clock::now_millis();
        self.open
            .get(session)
            .filter(|(_, expires)| *expires >= now)
            .map(|(challenge, _)| challenge)
    }

    /// Closes the challenge under `session`, answering it once only.
    pub fn close(&mut self, session: &str) -> Option<Challenge> {
        let challenge = self.get(session).cloned();
        self.open.remove(session);
        challenge
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_is_answered_once() {
        let mut challenges = Challenges::default();
        challenges.open(
            "s".to_owned(),
            Challenge::NewPassword {
                user: "alice".to_owned(),
            },
        );
        assert!(challenges.get("s").is_some());
        assert!(challenges.close("s").is_some());
        assert!(challenges.close("s").is_none());
    }

    #[test]
    fn open_challenges_are_bounded() {
        let mut challenges = Challenges::default();
        for n in 0..=MAX_OPEN {
            challenges.open(
                format!("s{n}"),
                Challenge::NewPassword {
                    user: "alice".to_owned(),
                },
            );
        }
        assert_eq!(challenges.open.len(), MAX_OPEN);
        assert!(challenges.get(&format!("s{MAX_OPEN}")).is_some());
    }
}
