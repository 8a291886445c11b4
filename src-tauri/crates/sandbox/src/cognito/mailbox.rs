//! The mailbox: every message Cognito would have sent — a verification code, a temporary
//! password — kept here instead, so that a student can read it (the app shows it, `lab` prints
//! it, `/_sandbox/cognito/mailbox` serves it, the inspection feed carries it). Bounded: the
//! oldest go first.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// How many messages the mailbox keeps.
pub const KEPT: usize = 500;

/// One message "sent" to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// Milliseconds since the epoch.
    pub sent_at: i64,
    pub pool_id: String,
    pub username: String,
    /// `EMAIL` or `SMS`.
    pub medium: String,
    /// The address or number it went to.
    pub destination: String,
    /// Why: `SignUp`, `ResendCode`, `ForgotPassword`, `AdminCreateUser`.
    pub reason: String,
    pub subject: String,
    pub body: String,
    /// The code or temporary password it carries.
    pub code: String,
}

/// The messages, oldest first.
#[derive(Debug, Default)]
pub struct Mailbox {
    messages: Mutex<VecDeque<Message>>,
    /// Where each message is also reported, for the app's inspector.
    feed: crate::inspect::FeedSlot,
}

impl Mailbox {
    pub fn set_inspector(&self, inspector: Arc<crate::inspect::Inspector>) {
        self.feed.connect(inspector);
    }

    pub fn deliver(&self, message: Message) {
        let region = message
            .pool_id
            .split_once('_')
            .map_or("us-east-1", |(region, _)| region);
        self.feed.record(lab_feed::Record::new(
            region,
            lab_feed::Kind::Mail(lab_feed::Mail {
                pool_id: message.pool_id.clone(),
                username: message.username.clone(),
                medium: message.medium.clone(),
                destination: message.destination.clone(),
                reason: message.reason.clone(),
                code: message.code.clone(),
            }),
        ));
        tracing::info!(
            pool = %message.pool_id,
            to = %message.destination,
            reason = %message.reason,
            code = %message.code,
            "Cognito message delivered to the sandbox's mailbox"
        );
        let mut messages = self.messages.lock().unwrap_or_else(|p| p.into_inner());
        if messages.len() == KEPT {
            messages.pop_front();
        }
        messages.push_back(message);
    }

    /// Every message kept, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        let messages = self.messages.lock().unwrap_or_else(|p| p.into_inner());
        messages.iter().cloned().collect()
    }
}
