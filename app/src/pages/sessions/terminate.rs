//! Ending sessions from a board: one, the selected ones, or all but this one. Each asks first,
//! then says what happened in the status line (or, when the server refuses, in a popup) and
//! has the board ask the server again.

use std::collections::BTreeSet;

use leptos::prelude::*;
use sessionboard::model::{SessionId, SessionView};

use super::api::{TerminateAllOtherSessions, TerminateSession, TerminateSessions};
use crate::components::confirm::Confirmation;
use crate::error::UiError;

/// A board's state around ending sessions, and the ways to end them.
#[derive(Clone, Copy)]
pub struct Terminations {
    /// The sessions ticked for "Terminate selected".
    pub selected: RwSignal<BTreeSet<SessionId>>,
    /// What the last termination did, for the status line.
    pub notice: RwSignal<Option<String>>,
    /// Why the server refused, for the error popup.
    pub popup: RwSignal<Option<String>>,
    /// The question the confirmation dialog asks.
    pub confirm: RwSignal<Option<Confirmation>>,
    /// Ends one session, after asking.
    pub terminate: Callback<SessionView>,
    many: ServerAction<TerminateSessions>,
    all: ServerAction<TerminateAllOtherSessions>,
}

impl Terminations {
    /// After each termination, `reload` is bumped: the board asks the server again.
    pub fn new(reload: RwSignal<u32>) -> Self {
        let selected = RwSignal::new(BTreeSet::<SessionId>::new());
        let notice = RwSignal::new(None::<String>);
        let popup = RwSignal::new(None::<String>);
        let confirm = RwSignal::new(None::<Confirmation>);
        let one = ServerAction::<TerminateSession>::new();
        let many = ServerAction::<TerminateSessions>::new();
        let all = ServerAction::<TerminateAllOtherSessions>::new();

        let after_action = move |result: Option<Result<String, UiError>>| match result {
            Some(Ok(message)) => {
                notice.set(Some(message));
                selected.set(BTreeSet::new());
                reload.update(|n| *n += 1);
            }
            Some(Err(error)) => {
                popup.set(Some(error.message()));
                reload.update(|n| *n += 1);
            }
            None => {}
        };
        Effect::new(move |_| {
            after_action(
                one.value()
                    .get()
                    .map(|r| r.map(|()| "Session terminated.".to_owned())),
            )
        });
        Effect::new(move |_| {
            after_action(many.value().get().map(|r| {
                r.map(|n| format!("{n} session{} terminated.", if n == 1 { "" } else { "s" }))
            }))
        });
        Effect::new(move |_| {
            after_action(
                all.value()
                    .get()
                    .map(|r| r.map(|n| format!("All other sessions terminated ({n})."))),
            )
        });

        let terminate = Callback::new(move |session: SessionView| {
            if session.is_current {
                // The server refuses this and says why; the popup shows its answer.
                one.dispatch(TerminateSession { id: session.id });
                return;
            }
            let id = session.id;
            confirm.set(Some(Confirmation {
                question: format!(
                    "Terminate the session on {}, {} ({})? That device is signed out at once.",
                    session.device.os_label(),
                    session.device.browser_label(),
                    session.ip
                ),
                confirm_label: "Terminate".to_owned(),
                on_confirm: Callback::new(move |()| {
                    one.dispatch(TerminateSession { id });
                }),
            }));
        });

        Self {
            selected,
            notice,
            popup,
            confirm,
            terminate,
            many,
            all,
        }
    }

    /// Asks, then ends every selected session.
    pub fn ask_terminate_selected(self) {
        let ids: Vec<SessionId> = self.selected.get_untracked().into_iter().collect();
        let count = ids.len();
        let many = self.many;
        self.confirm.set(Some(Confirmation {
            question: format!(
                "Terminate {count} selected session{}? Those devices are signed out at once.",
                if count == 1 { "" } else { "s" }
            ),
            confirm_label: "Terminate selected".to_owned(),
            on_confirm: Callback::new(move |()| {
                many.dispatch(TerminateSessions { ids: ids.clone() });
            }),
        }));
    }

    /// Asks, then ends every session of the reader's but this one.
    pub fn ask_terminate_all(self) {
        let all = self.all;
        self.confirm.set(Some(Confirmation {
            question: "Terminate every session except this one? All your other devices and \
                       applications are signed out at once."
                .to_owned(),
            confirm_label: "Terminate all others".to_owned(),
            on_confirm: Callback::new(move |()| {
                all.dispatch(TerminateAllOtherSessions {});
            }),
        }));
    }
}
