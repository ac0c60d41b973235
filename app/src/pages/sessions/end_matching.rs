//! "End all matching sessions" on the account and platform boards, for an incident: count what
//! the board's filter catches and show the first few, ask for the number typed out when it is
//! more than a handful, then follow the server's progress until every one has ended. The
//! server never ends the reader's own session, nor more than the count they confirmed.

use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use sessionboard::model::{BulkPreview, BulkProgress, SessionView, SessionsView};

use super::api::{BoardQuery, end_matching, follow_bulk_termination, preview_matching};
use crate::components::ago::every;

/// How often a running bulk termination's progress is asked for.
const PROGRESS_MILLIS: u32 = 500;

#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Closed,
    Counting,
    Preview(BulkPreview),
    Running(BulkProgress),
    Failed(String),
}

/// The button, and the dialog it opens. `reload` is bumped when sessions have ended.
#[component]
pub fn EndMatching(
    view: SessionsView,
    board_query: Memo<BoardQuery>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Closed);
    let typed = RwSignal::new(String::new());
    let asking = StoredValue::new(false);
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else {
            return;
        };
        if stage.with(|stage| *stage != Stage::Closed) {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        } else if dialog.open() {
            dialog.close();
        }
    });

    let open = move |_| {
        typed.set(String::new());
        stage.set(Stage::Counting);
        let filter = board_query.get_untracked().filter;
        spawn_local(async move {
            stage.set(match preview_matching(view, filter).await {
                Ok(preview) => Stage::Preview(preview),
                Err(error) => Stage::Failed(error.message()),
            });
        });
    };
    let confirmed = move || match stage.get() {
        Stage::Preview(preview) => match BulkPreview::confirmation(preview.count) {
            Some(words) => typed.with(|typed| typed.trim().eq_ignore_ascii_case(&words)),
            None => preview.count > 0,
        },
        _ => false,
    };
    let start = move |_| {
        let Stage::Preview(preview) = stage.get_untracked() else {
            return;
        };
        let filter = board_query.get_untracked().filter;
        spawn_local(async move {
            stage.set(match end_matching(view, filter, preview.count).await {
                Ok(progress) => Stage::Running(progress),
                Err(error) => Stage::Failed(error.message()),
            });
        });
    };
    // Follow a running one until it finishes (or its server stops answering for it).
    every(PROGRESS_MILLIS, move || {
        let Stage::Running(progress) = stage.get_untracked() else {
            return;
        };
        if progress.finished_at.is_some() || progress.error.is_some() || asking.get_value() {
            return;
        }
        asking.set_value(true);
        spawn_local(async move {
            let fresh = follow_bulk_termination(progress.id).await;
            asking.set_value(false);
            if stage.with_untracked(|stage| !matches!(stage, Stage::Running(_))) {
                return;
            }
            match fresh {
                Ok(fresh) => {
                    if fresh.finished_at.is_some() {
                        reload.update(|n| *n += 1);
                    }
                    stage.set(Stage::Running(fresh));
                }
                Err(error) => stage.set(Stage::Failed(error.message())),
            }
        });
    });
    let close = move |_| {
        if stage.with_untracked(|stage| matches!(stage, Stage::Running(_))) {
            // Closing does not stop it; the board shows what has ended so far.
            reload.update(|n| *n += 1);
        }
        stage.set(Stage::Closed);
    };

    view! {
        <button type="button" class="button danger" on:click=open>
            "End all matching sessions…"
        </button>
        <dialog
            node_ref=dialog
            class="popup wide"
            aria-labelledby="end-matching-title"
            on:close=move |_| stage.set(Stage::Closed)
        >
            <h2 id="end-matching-title">"End all matching sessions"</h2>
            {move || match stage.get() {
                Stage::Closed => ().into_any(),
                Stage::Counting => view! { <p class="loading">"Counting the sessions this filter matches…"</p> }.into_any(),
                Stage::Failed(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
                Stage::Preview(preview) => view! { <PreviewBody preview typed /> }.into_any(),
                Stage::Running(progress) => view! { <ProgressBody progress /> }.into_any(),
            }}
            <div class="dialog-buttons">
                <button type="button" class="button" on:click=close>
                    {move || if matches!(stage.get(), Stage::Preview(_) | Stage::Counting) { "Cancel" } else { "Close" }}
                </button>
                {move || match stage.get() {
                    Stage::Preview(preview) if preview.count > 0 => view! {
                        <button type="button" class="button danger-solid" disabled=move || !confirmed() on:click=start>
                            {format!("End {}", sessions(preview.count))}
                        </button>
                    }.into_any(),
                    _ => ().into_any(),
                }}
            </div>
        </dialog>
    }
}

/// The count, the first few sessions, and (for more than a handful) the words to type.
#[component]
fn PreviewBody(preview: BulkPreview, typed: RwSignal<String>) -> impl IntoView {
    if preview.count == 0 {
        return view! { <p>"No sessions match this filter (your own is never counted). Nothing to end."</p> }
            .into_any();
    }
    let more = preview.count.saturating_sub(preview.sample.len() as u64);
    let words = BulkPreview::confirmation(preview.count);
    view! {
        <p>
            <strong class="bulk-count">{sessions(preview.count)}</strong>
            " match this board's filter. Every one of those devices is signed out at once. \
             Your own session is not among them."
        </p>
        <ul class="bulk-sample">
            {preview.sample.into_iter().map(|session| view! { <li>{describe(&session)}</li> }).collect_view()}
        </ul>
        {(more > 0).then(|| view! { <p class="sub">{format!("and {more} more")}</p> })}
        {words.map(|words| view! {
            <label for="end-matching-typed">
                "To confirm, type " <strong>{words.clone()}</strong>
            </label>
            <input
                id="end-matching-typed"
                type="text"
                autocomplete="off"
                placeholder=words
                prop:value=move || typed.get()
                on:input=move |event| typed.set(event_target_value(&event))
            />
        })}
    }
    .into_any()
}

/// How far it has got, and how it ended.
#[component]
fn ProgressBody(progress: BulkProgress) -> impl IntoView {
    let finished = progress.finished_at.is_some();
    let running = !finished && progress.error.is_none();
    let status = match (&progress.error, finished) {
        (Some(error), _) => format!(
            "Ended {} of {}, then {error}.",
            progress.ended, progress.expected
        ),
        (None, true) => format!("Done: {} ended.", sessions(progress.ended)),
        (None, false) => format!(
            "Ending sessions… {} of {}",
            progress.ended, progress.expected
        ),
    };
    view! {
        <progress
            max=progress.expected.max(1).to_string()
            value=(if finished { progress.expected.max(1) } else { progress.ended }).to_string()
        ></progress>
        <p role="status" aria-live="polite" class="bulk-status">{status}</p>
        {running.then(|| view! {
            <p class="sub">"It goes on if you close this: what has ended stays ended."</p>
        })}
    }
}

fn sessions(count: u64) -> String {
    if count == 1 {
        "1 session".to_owned()
    } else {
        format!("{count} sessions")
    }
}

/// "Henk de Vries — Chrome 120 on Windows 10, Amsterdam, Netherlands (81.2.69.142)".
fn describe(session: &SessionView) -> String {
    let place = session.location.place();
    let place = if place.is_empty() {
        String::new()
    } else {
        format!(", {place}")
    };
    format!(
        "{} — {} on {}{place} ({})",
        session.user_name,
        session.device.browser_label(),
        session.device.os_label(),
        session.ip
    )
}
