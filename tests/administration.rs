//! Administration through the service, as the pages use it: passwords, members, and what
//! their changes do to sessions that are in use right now.

mod common;

use std::time::Duration;

use common::{Backend, PASSWORD, T0, World, world};
use sessionboard::Error;
use sessionboard::model::{PageRequest, Role, Timestamp};
use sessionboard::service::{Actor, Added, NewMember, PlatformRoles};

on_every_store!(
    changing_my_password_needs_the_current_one_and_signs_out_my_other_sessions_if_asked,
    guessing_the_current_password_meets_the_same_growing_wait_as_the_sign_in_form,
    owners_add_people_other_accounts_answer_for_but_cannot_take_over_their_password,
    a_removed_member_is_signed_out_at_once_and_an_invited_one_signs_in_after_their_link,
    bad_input_gets_a_clear_refusal_and_changes_nothing,
);

const NEW_PASSWORD: &str = "velvet orbit pumpkin 46";

fn asking(caller: sessionboard::Caller) -> Actor {
    Actor {
        caller,
        ip: "192.0.2.1".parse().unwrap(),
    }
}

async fn signed_in(w: &World, token: &str, now: Timestamp) -> bool {
    w.service.authenticate(token, now).await.is_ok()
}

async fn changing_my_password_needs_the_current_one_and_signs_out_my_other_sessions_if_asked(
    backend: Backend,
) {
    let w = world(backend).await;
    let (laptop, caller) = w.caller("bob@acme.example", T0).await;
    let (phone, _) = w.caller("bob@acme.example", T0).await;
    let me = asking(caller);

    let wrong = w
        .service
        .change_password(&me, "not my password", NEW_PASSWORD, true, T0)
        .await;
    assert!(matches!(wrong, Err(Error::InvalidInput(_))), "{wrong:?}");
    let weak = w
        .service
        .change_password(&me, PASSWORD, "password1234", true, T0)
        .await;
    assert!(matches!(weak, Err(Error::WeakPassword(_))), "{weak:?}");
    assert!(
        signed_in(&w, phone.token.as_str(), T0).await,
        "refusals end nothing"
    );

    let ended = w
        .service
        .change_password(&me, PASSWORD, NEW_PASSWORD, true, T0)
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert!(
        !signed_in(&w, phone.token.as_str(), T0).await,
        "the phone is signed out"
    );
    assert!(
        signed_in(&w, laptop.token.as_str(), T0).await,
        "this device stays"
    );
    // The old password is gone, the new one works.
    let (again, _) = w.caller_with("bob@acme.example", NEW_PASSWORD, T0).await;
    assert!(signed_in(&w, again.token.as_str(), T0).await);
}

async fn guessing_the_current_password_meets_the_same_growing_wait_as_the_sign_in_form(
    backend: Backend,
) {
    let w = world(backend).await;
    let (_, caller) = w.caller("bob@acme.example", T0).await;
    let me = asking(caller);
    // After the sign-in: failures count from an address's latest success.
    let later = T0.plus(Duration::from_secs(60));
    let mut answers = Vec::new();
    for _ in 0..7 {
        let answer = w
            .service
            .change_password(&me, "a guess", NEW_PASSWORD, false, later)
            .await;
        answers.push(answer);
    }
    assert!(
        answers[..5]
            .iter()
            .all(|answer| matches!(answer, Err(Error::InvalidInput(_)))),
        "{answers:?}"
    );
    assert!(
        matches!(answers[6], Err(Error::RateLimited(_))),
        "{answers:?}"
    );
    // Not even the right password is checked while the wait lasts.
    let right = w
        .service
        .change_password(&me, PASSWORD, NEW_PASSWORD, false, later)
        .await;
    assert!(matches!(right, Err(Error::RateLimited(_))), "{right:?}");
}

async fn owners_add_people_other_accounts_answer_for_but_cannot_take_over_their_password(
    backend: Backend,
) {
    let w = world(backend).await;
    let (_, caller) = w.caller("alice@acme.example", T0).await;
    let alice = asking(caller);
    let add = |email: &'static str| NewMember {
        name: "Typed Name",
        email,
        role: Role::Employee,
        job_label: "Consulting",
    };
    // Carol owns Globex: Globex answers for her, so Alice may add her to Acme…
    let added = w
        .service
        .add_member(&alice, w.acme, add("carol@globex.example"), T0)
        .await
        .unwrap();
    assert!(matches!(added, Added::Existing(user) if user == w.carol));
    let members = w
        .service
        .members(&caller, w.acme, T0)
        .await
        .unwrap()
        .members;
    let carol = members.iter().find(|m| m.user_id == w.carol).unwrap();
    assert_eq!(carol.name, "Carol Cook", "her own name, not the one typed");
    // …but not reset her password, which would open Globex to Alice.
    let reset = w.service.reset_password(&alice, w.carol, true, T0).await;
    assert!(matches!(reset, Err(Error::Forbidden(_))), "{reset:?}");
    // Admins and representatives are added by platform admins only; twice is refused.
    for email in ["adam@platform.example", "rita@sales.example"] {
        let refused = w.service.add_member(&alice, w.acme, add(email), T0).await;
        assert!(
            matches!(refused, Err(Error::Forbidden(_))),
            "{email}: {refused:?}"
        );
    }
    let twice = w
        .service
        .add_member(&alice, w.acme, add("carol@globex.example"), T0)
        .await;
    assert!(matches!(twice, Err(Error::AlreadyExists(_))), "{twice:?}");
}

async fn a_removed_member_is_signed_out_at_once_and_an_invited_one_signs_in_after_their_link(
    backend: Backend,
) {
    let w = world(backend).await;
    let (_, caller) = w.caller("alice@acme.example", T0).await;
    let alice = asking(caller);
    let (bob, _) = w.caller("bob@acme.example", T0).await;
    // Validated once, so the answer is in the cache: removal must reach past it.
    assert!(signed_in(&w, bob.token.as_str(), T0).await);
    w.service
        .remove_member(&alice, w.acme, w.bob, T0)
        .await
        .unwrap();
    assert!(!signed_in(&w, bob.token.as_str(), T0).await);

    let member = NewMember {
        name: "Nina Neu",
        email: "Nina@Acme.Example ",
        role: Role::Employee,
        job_label: "Purchasing",
    };
    let Added::New(link) = w
        .service
        .add_member(&alice, w.acme, member, T0)
        .await
        .unwrap()
    else {
        panic!("Nina is new");
    };
    let token = link.path.split("token=").nth(1).unwrap();
    let holder = w.service.password_link_holder(token, T0).await.unwrap();
    assert_eq!(holder.email, "nina@acme.example");
    let ip = "192.0.2.9".parse().unwrap();
    let weak = w
        .service
        .set_password_with_link(token, "nina1234", ip, T0)
        .await;
    assert!(matches!(weak, Err(Error::WeakPassword(_))), "{weak:?}");
    w.service
        .set_password_with_link(token, NEW_PASSWORD, ip, T0)
        .await
        .unwrap();
    let used = w
        .service
        .set_password_with_link(token, NEW_PASSWORD, ip, T0)
        .await;
    assert!(matches!(used, Err(Error::LinkNotValid)), "{used:?}");
    let (nina, _) = w.caller_with("nina@acme.example", NEW_PASSWORD, T0).await;
    assert!(signed_in(&w, nina.token.as_str(), T0).await);
}

async fn bad_input_gets_a_clear_refusal_and_changes_nothing(backend: Backend) {
    let w = world(backend).await;
    let (_, caller) = w.caller("adam@platform.example", T0).await;
    let adam = asking(caller);
    let roles = PlatformRoles {
        platform_admin: false,
        sales_rep: false,
    };
    let huge = "n".repeat(10 * 1024);
    let cases: [(&str, &str); 6] = [
        ("", "ada@example.org"),
        (&huge, "ada@example.org"),
        ("Ada", "ada example.org"),
        ("Ada", "ada@example.org\u{0}"),
        // A Cyrillic "е": looks like Henk's address to a reader, is another to the database.
        ("Henk", "h\u{435}nk@acme.example"),
        ("Ada", "ada@@example.org"),
    ];
    for (name, email) in cases {
        let refused = w.service.create_person(&adam, name, email, roles, T0).await;
        assert!(
            matches!(refused, Err(Error::InvalidInput(_))),
            "{:?} {email:?}: {refused:?}",
            &name[..name.len().min(10)]
        );
    }
    // Spaces around and capitals are what sign-in ignores too: this is Bob, who exists.
    let taken = w
        .service
        .create_person(&adam, "Bob Again", "  BOB@acme.example ", roles, T0)
        .await;
    assert!(matches!(taken, Err(Error::AlreadyExists(_))), "{taken:?}");
    assert_eq!(
        taken.unwrap_err().to_string(),
        "a person with this email already exists"
    );
    let people = w
        .service
        .list_people(&caller, "", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(people.items.len(), 7, "nobody was created");

    // A link that was never issued, or tampered with, is as good as none.
    for token in ["", "not-a-token", &"A".repeat(43), &"x".repeat(10_000)] {
        let refused = w.service.password_link_holder(token, T0).await;
        assert!(matches!(refused, Err(Error::LinkNotValid)), "{refused:?}");
    }
    // The last platform admin cannot deactivate themselves.
    let alone = w.service.deactivate_person(&adam, w.adam, T0).await;
    assert!(matches!(alone, Err(Error::LastPlatformAdmin)), "{alone:?}");
    let still = w.operator.store().principal(w.adam).await.unwrap();
    assert!(still.is_some_and(|adam| adam.is_platform_admin));
}
