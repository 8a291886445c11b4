//! `lab credentials`: AWS Academy Learner Lab credentials in the OS keychain, for
//! `--target aws`.

use std::io::{IsTerminal, Read};

use anyhow::Context;
use lab_engine::academy::{AcademyCredentials, Keychain};

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Save credentials pasted on standard input (the Learner Lab's "AWS Details" block).
    Set,
    /// Say whether credentials are saved (the key id, masked).
    Show,
    /// Forget the saved credentials.
    Clear,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let keychain = Keychain::open()?;
    match args.action {
        Action::Set => {
            if std::io::stdin().is_terminal() {
                eprintln!(
                    "Paste the block from the Learner Lab's \"AWS Details\" (aws_access_key_id=…), \
                     then press Ctrl-D:"
                );
            }
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the pasted credentials")?;
            let credentials = AcademyCredentials::parse(&text)?;
            keychain.save(&credentials)?;
            println!(
                "Saved {} in the OS keychain. `lab run … --target aws` uses them; Learner Lab \
                 credentials expire with the session, so paste new ones after each start.",
                credentials.masked_key()
            );
        }
        Action::Show => match keychain.load()? {
            Some(credentials) => println!(
                "Saved: {}{}",
                credentials.masked_key(),
                if credentials.session_token.is_some() {
                    " (with a session token)"
                } else {
                    ""
                }
            ),
            None => println!("No credentials saved."),
        },
        Action::Clear => {
            keychain.clear()?;
            println!("No credentials saved any more.");
        }
    }
    Ok(())
}
