//! Hearing about other servers' changes: PostgreSQL LISTEN/NOTIFY.
//!
//! Every transaction that ends a session (or changes what validating its token answers)
//! notifies [`CHANNEL`] with the affected token hashes; PostgreSQL delivers the notification to
//! every listener only once the transaction commits, so a listener never hears of a change
//! that could still roll back. Each server keeps one connection listening and turns what it
//! hears into [`Invalidation`]s for its validation cache.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgConnection, PgPool};
use tokio::sync::mpsc;

use crate::error::Result;
use crate::store::Invalidation;
use crate::token::TokenHash;

/// The channel every server listens on.
pub const CHANNEL: &str = "sessionboard_invalidate";
/// A notification's payload must stay under PostgreSQL's 8,000-byte limit: 100 hashes of 43
/// characters and their commas make 4,399 bytes.
const HASHES_PER_NOTIFICATION: usize = 100;
/// Beyond this many changed tokens in one transaction, listeners are told to forget
/// everything rather than receive a stream of notifications.
const MAX_NAMED: usize = 1_000;
const EVERYTHING: &str = "*";

/// Tells every listening server, when `connection`'s transaction commits, that these tokens'
/// validation answers changed.
pub async fn announce(connection: &mut PgConnection, hashes: &[TokenHash]) -> Result<()> {
    if hashes.is_empty() {
        return Ok(());
    }
    let payloads: Vec<String> = if hashes.len() > MAX_NAMED {
        vec![EVERYTHING.to_owned()]
    } else {
        hashes
            .chunks(HASHES_PER_NOTIFICATION)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(TokenHash::to_text)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    };
    for payload in payloads {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// What the listening connection calls itself in `pg_stat_activity`: the pool's own
/// application name (if it has one) and " invalidation listener".
pub fn listener_name(options: &PgConnectOptions) -> String {
    let base = options.get_application_name().unwrap_or("sessionboard");
    format!("{base} invalidation listener")
}

fn parse(payload: &str) -> Invalidation {
    if payload == EVERYTHING {
        return Invalidation::Everything;
    }
    let hashes: Option<Vec<TokenHash>> = payload.split(',').map(TokenHash::from_text).collect();
    // Our own notifications always parse; anything else on the channel is treated as "forget
    // everything", which is always safe.
    hashes.map_or(Invalidation::Everything, Invalidation::Tokens)
}

/// Starts listening in the background. The feed says [`Invalidation::Listening`] each time
/// the connection (re)starts listening and [`Invalidation::Lost`] as soon as it drops; it
/// reconnects by itself, and stops when the receiver is dropped.
pub fn spawn(options: &PgConnectOptions) -> mpsc::Receiver<Invalidation> {
    let (sender, receiver) = mpsc::channel(1024);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options.clone().application_name(&listener_name(options)));
    tokio::spawn(async move {
        tokio::select! {
            () = listen(&pool, &sender) => {}
            () = sender.closed() => {}
        }
        pool.close().await;
    });
    receiver
}

async fn listen(pool: &PgPool, feed: &mpsc::Sender<Invalidation>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match subscribe(pool).await {
            Ok(mut listener) => {
                backoff = Duration::from_millis(50);
                if feed.send(Invalidation::Listening).await.is_err() {
                    return;
                }
                loop {
                    let event = match listener.try_recv().await {
                        Ok(Some(notification)) => parse(notification.payload()),
                        Ok(None) => Invalidation::Lost,
                        Err(error) => {
                            tracing::warn!(%error, "the invalidation listener failed");
                            Invalidation::Lost
                        }
                    };
                    let lost = event == Invalidation::Lost;
                    if feed.send(event).await.is_err() {
                        return;
                    }
                    if lost {
                        tracing::warn!(
                            "the invalidation listener lost its connection; reconnecting"
                        );
                        break;
                    }
                }
            }
            Err(error) => {
                tracing::warn!(%error, ?backoff, "cannot listen for invalidations; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn subscribe(pool: &PgPool) -> std::result::Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A lost connection must be reported at once, not after a silent reconnect: until we are
    // listening again, the cache must not trust itself.
    listener.eager_reconnect(false);
    listener.ignore_pool_close_event(true);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_junk_means_everything() {
        let a = TokenHash([1; 32]);
        let b = TokenHash([200; 32]);
        let payload = [a, b]
            .iter()
            .map(TokenHash::to_text)
            .collect::<Vec<_>>()
            .join(",");
        assert!(payload.len() < 8000);
        assert_eq!(parse(&payload), Invalidation::Tokens(vec![a, b]));
        assert_eq!(parse("*"), Invalidation::Everything);
        assert_eq!(parse("not,hashes"), Invalidation::Everything);
        assert_eq!(parse(""), Invalidation::Everything);
    }
}
