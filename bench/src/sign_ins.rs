//! Sign-in throughput: concurrent sign-ins through the engine, without the password hash.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sessionboard::service::{Channel, SignIn};
use sessionboard_bench::Error;

/// Sessions created per second by 32 concurrent sign-ins that skip the password hash, through
/// the engine (the same work as an HTTP sign-in minus argon2), for 5 seconds.
pub async fn sign_ins(database: &str, users: u32, accounts: u32) -> Result<String, Error> {
    let operator = Arc::new(crate::engine::engine(database).await?);
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..32u32 {
        let (operator, done, count) = (operator.clone(), done.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = worker;
            while !done.load(Ordering::Relaxed) {
                let user = n % users.max(1) + 1;
                let email = format!("user{user}@account{}.example", (user - 1) % accounts.max(1) + 1);
                let ip = std::net::IpAddr::from([81, 2, (n / 256 % 256) as u8, (n % 256) as u8]);
                let attempt = SignIn {
                    email: &email,
                    password: "",
                    application: "Web".into(),
                    ip,
                    user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                    channel: Channel::Web,
                };
                match operator.sign_in_verified(attempt, sessionboard::model::Timestamp::now()).await {
                    Ok(_) => {
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                    // Users beyond the seeded accounts' pattern: skip.
                    Err(sessionboard::Error::UserNotFound) => {}
                    Err(error) => return Err(error),
                }
                n += 32;
            }
            Ok(())
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    done.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await??;
    }
    let rate = count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    Ok(format!("{rate:.0}/s"))
}
