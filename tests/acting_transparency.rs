//! Impersonation transparency, per account: people see when a sales representative acted as
//! them, where their account chose to show it, and never as one of their sessions.

mod common;

use std::time::Duration;

use common::{Backend, T0, world};
use sessionboard::Error;
use sessionboard::model::{PageRequest, SessionFilter, SessionsView, Timestamp};

on_every_store!(people_see_when_they_were_acted_as_only_where_their_account_shows_it);

fn after(minutes: u64) -> Timestamp {
    T0.plus(Duration::from_secs(minutes * 60))
}

async fn people_see_when_they_were_acted_as_only_where_their_account_shows_it(backend: Backend) {
    let w = world(backend).await;
    let s = &w.service;
    // Rita acts as Bob in Acme for a quarter of an hour.
    let (rita_signed_in, rita) = w.caller("rita@sales.example", T0).await;
    s.start_impersonation(&rita, w.bob, w.acme, T0)
        .await
        .unwrap();
    let acting = s
        .authenticate(rita_signed_in.token.as_str(), after(1))
        .await
        .unwrap();
    s.end_impersonation(&acting, after(15)).await.unwrap();

    let (_, bob) = w.caller("bob@acme.example", after(20)).await;
    let seen = |caller| async move {
        s.acted_as_me(&caller, PageRequest::default())
            .await
            .unwrap()
            .items
    };
    assert!(seen(bob).await.is_empty(), "off by default");

    // Only an owner (or a platform admin) turns it on; not Bob, not Rita acting as Alice.
    let refused = s.set_show_acting(&bob, w.acme, true).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    s.start_impersonation(&rita, w.alice, w.acme, after(21))
        .await
        .unwrap();
    let as_alice = s
        .authenticate(rita_signed_in.token.as_str(), after(21))
        .await
        .unwrap();
    let refused = s.set_show_acting(&as_alice, w.acme, true).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    let (_, alice) = w.caller("alice@acme.example", after(22)).await;
    s.set_show_acting(&alice, w.acme, true).await.unwrap();
    assert!(s.show_acting(&alice, w.acme).await.unwrap());

    let acted = seen(bob).await;
    assert_eq!(acted.len(), 1, "{acted:?}");
    assert_eq!(acted[0].impersonator_id, w.rita);
    assert_eq!(
        (acted[0].started_at, acted[0].ended_at),
        (T0, Some(after(15)))
    );
    // And still never as one of Bob's sessions.
    let sessions = s
        .sessions_page(
            &bob,
            SessionsView::Mine,
            &SessionFilter::default(),
            PageRequest::default(),
            after(23),
        )
        .await
        .unwrap();
    assert!(
        sessions
            .items
            .iter()
            .all(|session| session.user_id == w.bob)
    );
    assert!(
        sessions
            .items
            .iter()
            .all(|session| session.id != rita.session_id)
    );
}
