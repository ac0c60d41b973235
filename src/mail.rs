//! Sending mail through the SMTP server an operator configures (lettre). What a mail says is
//! the service's business (`service::alerts`); this only delivers it.

use std::fmt;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// TLS from the first byte (usually port 465).
    Tls,
    /// Plain, then upgraded with STARTTLS, which the server must offer (usually port 587).
    StartTls,
    /// Plain text: only for a relay on the same machine or network (and tests).
    None,
}

impl SmtpTls {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "tls" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// An SMTP password. Neither `Clone` nor printable: it goes to the mail server and nowhere
/// else.
pub struct SmtpPassword(String);

impl SmtpPassword {
    pub fn new(password: String) -> Self {
        Self(password)
    }
}

impl fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpPassword(…)")
    }
}

/// Where and as whom mail is sent.
#[derive(Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SmtpPassword>,
    /// `Sessionboard <sessions@example.com>`.
    pub from: String,
}

/// A mail with a plain-text and an HTML body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a mail was not sent. `Rejected` will not go better on a retry; `Unavailable` may.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail settings: {0}")]
    Settings(String),
    #[error("the mail was refused: {0}")]
    Rejected(String),
    #[error("the mail server is unavailable: {0}")]
    Unavailable(String),
}

/// A connection recipe for the configured SMTP server, shared by every send.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// How long one delivery may take before it counts as failed (and is retried later).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

impl Mailer {
    pub fn new(settings: SmtpSettings) -> Result<Self, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|error| MailError::Settings(format!("--smtp-from: {error}")))?;
        let host = settings.host.as_str();
        let builder = match settings.tls {
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
            SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                host,
            )),
        }
        .map_err(|error| MailError::Settings(format!("--smtp-host: {error}")))?;
        let mut builder = builder.port(settings.port).timeout(Some(SEND_TIMEOUT));
        if let Some(username) = settings.username {
            let password = settings.password.map(|p| p.0).unwrap_or_default();
            builder = builder.credentials(Credentials::new(username, password));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|error| MailError::Rejected(format!("recipient {:?}: {error}", mail.to)))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&mail.subject)
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|error| MailError::Rejected(error.to_string()))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // Refusals of this mailbox or this message (550–554) will not change. Anything else
            // (a refused login or TLS, an unreachable server) is the setup's or the moment's,
            // and is retried: a credential rotation must not lose a day's alerts.
            Err(error)
                if error
                    .status()
                    .map(u16::from)
                    .is_some_and(|code| (550..=554).contains(&code)) =>
            {
                Err(MailError::Rejected(error.to_string()))
            }
            Err(error) => Err(MailError::Unavailable(error.to_string())),
        }
    }
}
