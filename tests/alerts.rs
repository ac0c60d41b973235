//! Alert mails ("was this you?" by e-mail), sent to a real SMTP server on loopback and read
//! back as a mail client would: the mail for a flagged sign-in, its one-time "this wasn't me"
//! link, the person's opt-out, and a mail server that is away for a while.

mod common;
#[path = "common/smtp_sink.rs"]
mod smtp_sink;

use std::time::Duration;

use common::{Backend, CHROME_WINDOWS, T0, World, world_with_policy};
use mail_parser::MessageParser;
use sessionboard::mail::{Mailer, SmtpSettings, SmtpTls};
use sessionboard::model::{EndReason, EndedFilter, PageRequest, SessionsView, Timestamp};
use sessionboard::service::SessionPolicy;
use sessionboard::store::AlertOutcome;
use sessionboard::{Error, SessionService};
use smtp_sink::{SmtpSink, free_port};

on_every_store!(
    a_flagged_sign_in_mails_its_person_a_link_that_signs_that_session_out_once,
    a_sign_in_never_waits_for_the_mail_server_and_its_alert_arrives_once_it_is_back,
    people_who_turned_alert_mails_off_get_none,
    a_sender_that_lost_its_claim_cannot_overwrite_the_sender_that_took_it_over,
);

const LONDON: &str = "81.2.69.142";
const BERLIN: &str = "2001:db8::1";
const BASE: &str = "https://sessions.example";
const SOON: Duration = Duration::from_secs(10);

fn after(minutes: u64) -> Timestamp {
    T0.plus(Duration::from_secs(minutes * 60))
}

async fn mailing_world(backend: Backend) -> World {
    let policy = SessionPolicy {
        alert_mails: true,
        ..SessionPolicy::default()
    };
    world_with_policy(backend, policy).await
}

fn mailer(port: u16) -> Mailer {
    Mailer::new(SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "Sessionboard <alerts@sessions.example>".to_owned(),
    })
    .unwrap()
}

/// Bob signs in from London, then ten minutes later from Berlin: a new country, and faster
/// than any plane.
async fn flagged_sign_in(w: &World) -> sessionboard::model::SessionId {
    let email = "bob@acme.example";
    w.sign_in(email, CHROME_WINDOWS, LONDON, T0).await;
    w.sign_in(email, CHROME_WINDOWS, BERLIN, after(10))
        .await
        .session_id
}

/// The "this wasn't me" token in a mail's text.
fn link_token(text: &str) -> String {
    let start = text.find("/not-me?token=").expect("the mail has the link") + 14;
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn ended_reason(service: &SessionService, w: &World, now: Timestamp) -> Vec<EndReason> {
    let (_, bob) = w.caller("bob@acme.example", now).await;
    service
        .list_ended_sessions(
            &bob,
            SessionsView::Mine,
            &EndedFilter::default(),
            PageRequest::default(),
            now,
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|ended| ended.reason)
        .collect()
}

async fn a_flagged_sign_in_mails_its_person_a_link_that_signs_that_session_out_once(
    backend: Backend,
) {
    let w = mailing_world(backend).await;
    let s = &w.service;
    let sink = SmtpSink::start(&w.dir.path().join("mail"), None);
    let mailer = mailer(sink.port);

    let stranger = flagged_sign_in(&w).await;
    // Only the flagged one was queued: the first sign-in had nothing to compare with.
    assert_eq!(
        s.send_due_alerts(&mailer, BASE, after(11)).await.unwrap(),
        1
    );
    assert_eq!(
        s.send_due_alerts(&mailer, BASE, after(12)).await.unwrap(),
        0
    );
    let messages = sink.wait_for(1, SOON).await;
    assert_eq!(messages.len(), 1);

    let mail = MessageParser::default().parse(&messages[0]).unwrap();
    assert_eq!(
        mail.to()
            .and_then(|to| to.first())
            .and_then(|a| a.address()),
        Some("bob@acme.example")
    );
    let subject = mail.subject().unwrap();
    assert!(
        subject.starts_with("New sign-in: Chrome on Windows near Berlin, Germany"),
        "{subject}"
    );
    let text = mail.body_text(0).unwrap();
    assert!(text.contains("Hello Bob Baker"), "{text}");
    assert!(
        text.contains("first sign-in from Berlin, Germany"),
        "{text}"
    );
    assert!(text.contains("IP address 2001:db8::1"), "{text}");
    let html = mail.body_html(0).unwrap();
    let token = link_token(&text);
    assert_eq!(link_token(&html), token, "both bodies carry the same link");
    assert!(text.contains(&format!("{BASE}/not-me?token=")), "{text}");

    // The link ends that session, without signing in; once.
    assert!(w.is_live(stranger, after(20)).await);
    s.report_with_link(&token, after(20)).await.unwrap();
    assert!(!w.is_live(stranger, after(20)).await);
    assert!(
        ended_reason(s, &w, after(21))
            .await
            .contains(&EndReason::ReportedNotYou)
    );
    let again = s.report_with_link(&token, after(22)).await;
    assert!(matches!(again, Err(Error::LinkNotValid)), "{again:?}");
    // Altered or made-up links change nothing.
    for bad in [
        "",
        "not-a-token",
        &token[..token.len() - 1],
        &"A".repeat(43),
    ] {
        let refused = s.report_with_link(bad, after(23)).await;
        assert!(
            matches!(refused, Err(Error::LinkNotValid)),
            "{bad:?}: {refused:?}"
        );
    }
}

async fn a_sign_in_never_waits_for_the_mail_server_and_its_alert_arrives_once_it_is_back(
    backend: Backend,
) {
    let w = mailing_world(backend).await;
    let s = &w.service;
    let port = free_port();
    let mailer = mailer(port);

    // Nobody listens: the sign-in succeeds all the same, and the alert waits.
    let stranger = flagged_sign_in(&w).await;
    assert!(w.is_live(stranger, after(11)).await);
    assert_eq!(
        s.send_due_alerts(&mailer, BASE, after(11)).await.unwrap(),
        0
    );
    // Not due again before its backoff.
    assert_eq!(
        s.send_due_alerts(&mailer, BASE, after(11)).await.unwrap(),
        0
    );

    let sink = SmtpSink::start(&w.dir.path().join("mail"), Some(port));
    assert_eq!(
        s.send_due_alerts(&mailer, BASE, after(12)).await.unwrap(),
        1
    );
    assert_eq!(
        s.send_due_alerts(&mailer, BASE, after(60)).await.unwrap(),
        0
    );
    assert_eq!(sink.wait_for(1, SOON).await.len(), 1);
    // And only once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);
}

async fn people_who_turned_alert_mails_off_get_none(backend: Backend) {
    let w = mailing_world(backend).await;
    let s = &w.service;
    let sink = SmtpSink::start(&w.dir.path().join("mail"), None);
    let mailer = mailer(sink.port);
    let (rita_signed_in, rita) = w.caller("rita@sales.example", T0).await;
    s.start_impersonation(&rita, w.bob, w.acme, T0)
        .await
        .unwrap();
    let as_bob = s
        .authenticate(rita_signed_in.token.as_str(), T0)
        .await
        .unwrap();
    let refused = s.set_alert_mails(&as_bob, false).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");

    let (_, bob) = w.caller("bob@acme.example", T0).await;
    assert!(s.alert_mails(&bob).await.unwrap(), "on by default");
    s.set_alert_mails(&bob, false).await.unwrap();
    assert!(!s.alert_mails(&bob).await.unwrap());
    flagged_sign_in(&w).await;
    assert_eq!(
        s.send_due_alerts(&mailer, BASE, after(11)).await.unwrap(),
        0
    );
    assert!(sink.messages().is_empty());
}

async fn a_sender_that_lost_its_claim_cannot_overwrite_the_sender_that_took_it_over(
    backend: Backend,
) {
    let w = mailing_world(backend).await;
    flagged_sign_in(&w).await;
    let store = w.operator.store();
    let first = store.claim_alerts(after(11), after(12), 1).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(
        store
            .claim_alerts(after(11), after(12), 1)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    // The first sender stalls past its lease; another server takes the alert over.
    let second = store.claim_alerts(after(13), after(14), 1).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempts, 2);
    // The first sender's late word changes nothing: the alert stays leased to the second.
    let late = AlertOutcome::Retry {
        at: after(13),
        error: "late".to_owned(),
    };
    store.finish_alert(first[0], late, after(13)).await.unwrap();
    assert!(
        store
            .claim_alerts(after(13), after(14), 1)
            .await
            .unwrap()
            .is_empty()
    );
    store
        .finish_alert(second[0], AlertOutcome::Sent, after(13))
        .await
        .unwrap();
    assert!(
        store
            .claim_alerts(after(100), after(101), 1)
            .await
            .unwrap()
            .is_empty(),
        "sent"
    );
}
