//! "Was this you?" by e-mail. A flagged sign-in queues its alert in its own transaction (see
//! `SessionStore::open_session`); a background task started by the server claims due alerts,
//! sends each through the configured SMTP server with a one-time "this wasn't me" link, and
//! retries with backoff when the mail server is away. So a sign-in never waits for mail, and a
//! crash between the sign-in and the mail loses nothing: the row waits in the database.
//!
//! Delivery is at least once: a server killed after the mail server accepted a mail but before
//! it marked the row sent sends it again after the lease. That window is one round-trip wide;
//! a second mail is the lesser harm next to a lost one.

use std::sync::Arc;
use std::time::Duration;

use super::{Caller, SessionService};
use crate::error::{Error, Result};
use crate::mail::{Mail, MailError, Mailer, SEND_TIMEOUT};
use crate::model::{SessionView, Timestamp};
use crate::store::{AlertOutcome, ClaimedAlert};
use crate::token::SessionToken;

/// How long a mail's "this wasn't me" link works.
pub const REPORT_LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long an alert stays claimed by the server sending it: longer than a send may take, so
/// only a server that died mid-send loses its claim.
const LEASE: Duration = SEND_TIMEOUT.saturating_add(Duration::from_secs(30));
/// How long the mail server may stay away before an alert is given up.
const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);
/// How often a sender looks for due alerts without being woken (retries, other servers'
/// sign-ins).
pub const ALERT_POLL: Duration = Duration::from_secs(5);
/// Alerts one pass sends at most, before the sender looks again.
const BATCH: u32 = 20;

/// The wait before the next attempt after `attempts` failed ones: 5 s, doubling, at most an
/// hour.
pub fn backoff(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(10);
    Duration::from_secs(5 << doublings).min(Duration::from_secs(3600))
}

/// The alert for `session`, to `to`, with the "this wasn't me" `link`.
pub fn alert_mail(session: &SessionView, to: &str, link: &str) -> Mail {
    let headline = session.headline();
    let when = session.created_at.to_utc_string();
    let why = if session.flags.why.is_empty() {
        String::new()
    } else {
        format!("Why we noticed: {}.\n", session.flags.why)
    };
    let facts = format!(
        "{headline}, {when}\nIP address {ip} · {application} · account {account}\n",
        ip = session.ip,
        application = session.application,
        account = session.account_name,
    );
    let text = format!(
        "Hello {name},\n\n\
         someone signed in to your account in a way that does not look like you:\n\n\
         {facts}{why}\n\
         If this was you, there is nothing to do.\n\n\
         If it was not you, end that session now (no sign-in needed; the link works once, for 7 \
         days):\n{link}\n\
         Then change your password.\n\n\
         You get these mails because alert mails are on in your Sessionboard settings.\n",
        name = session.user_name,
    );
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
         <p>Hello {name},</p>\
         <p>someone signed in to your account in a way that does not look like you:</p>\
         <p><strong>{headline}</strong>, {when}<br>IP address {ip} · {application} · account \
         {account}</p>{why}\
         <p>If this was you, there is nothing to do.</p>\
         <p><a href=\"{link}\">This wasn't me — sign it out</a> (no sign-in needed; the link \
         works once, for 7 days). Then change your password.</p>\
         <p style=\"color:#5b6575\">You get these mails because alert mails are on in your \
         Sessionboard settings.</p></body></html>",
        name = escape(&session.user_name),
        headline = escape(&headline),
        when = escape(&when),
        ip = escape(&session.ip),
        application = escape(&session.application),
        account = escape(&session.account_name),
        why = if session.flags.why.is_empty() {
            String::new()
        } else {
            format!("<p>Why we noticed: {}.</p>", escape(&session.flags.why))
        },
        link = escape(link),
    );
    Mail {
        to: to.to_owned(),
        subject: format!("New sign-in: {headline} — was this you?"),
        text,
        html,
    }
}

impl SessionService {
    /// Sends the alerts due at `now` (those claimed by no other server), with links under
    /// `base_url`. Returns how many were sent.
    ///
    /// One alert is claimed at a time, just before it is sent, and its lease runs from the
    /// real time of that claim: a slow mail server delays the batch, but never lets a lease
    /// run out while its mail is still on the way.
    pub async fn send_due_alerts(
        &self,
        mailer: &Mailer,
        base_url: &str,
        now: Timestamp,
    ) -> Result<usize> {
        let started = std::time::Instant::now();
        let mut sent = 0;
        for _ in 0..BATCH {
            let now = now.plus(started.elapsed());
            let Some(alert) = self
                .store
                .claim_alerts(now, now.plus(LEASE), 1)
                .await?
                .pop()
            else {
                break;
            };
            let outcome = self.send_alert(mailer, base_url, alert, now).await?;
            if outcome == AlertOutcome::Sent {
                sent += 1;
            }
            let finished = now.plus(started.elapsed());
            self.store.finish_alert(alert, outcome, finished).await?;
        }
        Ok(sent)
    }

    async fn send_alert(
        &self,
        mailer: &Mailer,
        base_url: &str,
        alert: ClaimedAlert,
        now: Timestamp,
    ) -> Result<AlertOutcome> {
        let Some(subject) = self.store.alert_subject(alert.session_id).await? else {
            return Ok(AlertOutcome::Abandon {
                error: "the session is gone".to_owned(),
            });
        };
        if !subject.wants_alerts {
            return Ok(AlertOutcome::Abandon {
                error: "the person turned alert mails off".to_owned(),
            });
        }
        // A fresh link for every attempt: the token exists only in the mail, never at rest.
        let token = SessionToken::generate();
        self.store
            .insert_report_link(
                &token.hash(),
                alert.session_id,
                subject.session.user_id,
                now.plus(REPORT_LINK_LIFETIME),
                now,
            )
            .await?;
        let link = format!(
            "{}/not-me?token={}",
            base_url.trim_end_matches('/'),
            token.as_str()
        );
        let mail = alert_mail(&subject.session, &subject.email, &link);
        // lettre's own timeout bounds each read and write, not the whole conversation.
        let sending = tokio::time::timeout(SEND_TIMEOUT, mailer.send(&mail)).await;
        let result = sending.unwrap_or_else(|_| {
            Err(MailError::Unavailable(
                "the mail server took too long".to_owned(),
            ))
        });
        Ok(match result {
            Ok(()) => AlertOutcome::Sent,
            Err(error @ (MailError::Rejected(_) | MailError::Settings(_))) => {
                tracing::warn!(%error, alert = alert.id, "an alert mail was refused; not retrying");
                AlertOutcome::Abandon {
                    error: error.to_string(),
                }
            }
            Err(error @ MailError::Unavailable(_)) => {
                let queued_at = alert.created_at;
                if now >= queued_at.plus(GIVE_UP_AFTER) {
                    tracing::warn!(%error, alert = alert.id, "giving up on an alert mail after a day");
                    AlertOutcome::Abandon {
                        error: error.to_string(),
                    }
                } else {
                    let at = now.plus(backoff(alert.attempts));
                    tracing::info!(%error, alert = alert.id, retry_at = at.0, "alert mail not sent yet");
                    AlertOutcome::Retry {
                        at,
                        error: error.to_string(),
                    }
                }
            }
        })
    }

    /// "This wasn't me", from the link in an alert mail: ends that session (reason "reported
    /// as not you") without signing in. The link works once; an unknown, used, expired or
    /// altered one is [`Error::LinkNotValid`], and so is one whose session already ended.
    pub async fn report_with_link(&self, token: &str, now: Timestamp) -> Result<()> {
        let token = SessionToken::parse(token).ok_or(Error::LinkNotValid)?;
        let (session, user) = self
            .store
            .take_report_link(&token.hash(), now)
            .await?
            .ok_or(Error::LinkNotValid)?;
        match self.report_not_me(session, user, now).await {
            Err(Error::SessionNotFound) => Err(Error::LinkNotValid),
            other => other,
        }
    }

    /// Whether the caller gets alert mails for sign-ins that do not look like them.
    pub async fn alert_mails(&self, caller: &Caller) -> Result<bool> {
        self.store.alert_mails(caller.user_id).await
    }

    /// Turns the caller's alert mails on or off. Theirs alone: not while acting as them.
    pub async fn set_alert_mails(&self, caller: &Caller, on: bool) -> Result<()> {
        if caller.impersonator.is_some() {
            return Err(Error::Forbidden("only the person themselves changes this"));
        }
        self.store.set_alert_mails(caller.user_id, on).await
    }

    /// Wakes the alert sender when a sign-in on this server queued an alert.
    pub fn alerts_due(&self) -> Arc<tokio::sync::Notify> {
        self.alerts_due.clone()
    }
}

/// Sends alert mails for as long as the server runs: at once when a sign-in here queued one,
/// and every [`ALERT_POLL`] for retries and other servers' sign-ins.
pub fn spawn_alert_sender(
    service: Arc<SessionService>,
    mailer: Mailer,
    base_url: String,
) -> tokio::task::JoinHandle<()> {
    let due = service.alerts_due();
    tokio::spawn(async move {
        loop {
            match service
                .send_due_alerts(&mailer, &base_url, Timestamp::now())
                .await
            {
                // A full batch: there may be more waiting.
                Ok(sent) if sent >= BATCH as usize => continue,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = %error.report(), "sending alert mails failed; will retry")
                }
            }
            tokio::select! {
                () = due.notified() => {}
                () = tokio::time::sleep(ALERT_POLL) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_seconds_to_at_most_an_hour() {
        let waits: Vec<u64> = [1, 2, 3, 4, 10, 11, 40]
            .into_iter()
            .map(|attempts| backoff(attempts).as_secs())
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 2560, 3600, 3600]);
    }
}
