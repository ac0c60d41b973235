//! Running Sessionboard, for platform admins: accounts, people, applications, and the audit
//! log of every change made to them (which an account's owners read for their account too).
//!
//! Each page keeps its server functions beside it; this module holds what they share: the
//! search box and the pager (both in the URL), and the status lines that say what the last
//! change did.

pub mod accounts;
pub mod applications;
pub mod changes;
pub mod people;
pub mod webhooks;

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;
use sessionboard::model::Cursor;

use crate::error::UiError;
use crate::query;

pub use accounts::AccountsPage;
pub use applications::ApplicationsPage;
pub use changes::{AccountChangesPage, ChangesPage};
pub use people::PeoplePage;
pub use webhooks::WebhooksPage;

/// A page of a list from the `after` a client sent: the cursor text the previous page handed
/// out, or nothing for the newest.
#[cfg(feature = "ssr")]
fn page_after(after: Option<String>) -> Result<sessionboard::model::PageRequest, UiError> {
    use sessionboard::model::PageRequest;

    let after = after
        .map(|text| {
            Cursor::parse(&text).ok_or_else(|| UiError::InvalidInput("invalid cursor".to_owned()))
        })
        .transpose()?;
    Ok(PageRequest {
        after,
        ..PageRequest::default()
    })
}

/// What the last change on a page did, and the count that has the page load its list again
/// after each one (refused changes too: the refusal may come from what changed meanwhile).
#[derive(Clone, Copy)]
struct Outcome {
    notice: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    reload: RwSignal<u32>,
}

impl Outcome {
    fn new() -> Self {
        Self {
            notice: RwSignal::new(None),
            error: RwSignal::new(None),
            reload: RwSignal::new(0),
        }
    }

    /// Shows an action's latest result (nothing before its first), `done` saying what a
    /// success did. Returns whether it succeeded, for what else the page does then.
    fn show<T>(self, result: Option<Result<T, UiError>>, done: impl FnOnce(T) -> String) -> bool {
        let Some(result) = result else {
            return false;
        };
        let succeeded = match result {
            Ok(value) => {
                self.error.set(None);
                self.notice.set(Some(done(value)));
                true
            }
            Err(error) => {
                self.notice.set(None);
                self.error.set(Some(error.message()));
                false
            }
        };
        self.reload.update(|n| *n += 1);
        succeeded
    }
}

/// The status line after a change, or the server's refusal.
#[component]
fn Feedback(outcome: Outcome) -> impl IntoView {
    view! {
        <p class="notice" role="status" aria-live="polite">{move || outcome.notice.get()}</p>
        {move || {
            outcome
                .error
                .get()
                .map(|message| view! { <p class="form-error" role="alert">{message}</p> })
        }}
    }
}

/// The search box of a list, `q` in the URL; searching starts again from the newest.
#[component]
fn SearchForm(id: &'static str, placeholder: &'static str) -> impl IntoView {
    let query_map = use_query_map();
    let current = move || query::text(&query_map.get(), "q").unwrap_or_default();
    view! {
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <label for=id>"Search"</label>
            <input id=id type="search" name="q" maxlength="200" placeholder=placeholder
                prop:value=current />
            <button type="submit" class="button primary">"Search"</button>
        </Form>
    }
}

/// The links under a paged table: back to the newest rows, and on to older ones, keeping the
/// query parameters named in `keep` (the filters).
#[component]
fn Pager(keep: &'static [&'static str], next: Option<Cursor>) -> impl IntoView {
    let query_map = use_query_map();
    let pairs = move || {
        let params = query_map.get();
        keep.iter()
            .map(|&key| (key, query::text(&params, key).unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let newest = move || {
        query::cursor(&query_map.get())
            .is_some()
            .then(|| view! { <A href=move || query::to_query(pairs())>"Newest"</A> })
    };
    let older = next.map(|cursor| {
        let href = move || {
            let mut pairs = pairs();
            pairs.push(("after", cursor.encode()));
            query::to_query(pairs)
        };
        view! { <A href=href>"Older"</A> }
    });
    view! { <nav class="pager" aria-label="Pages">{newest}{older}</nav> }
}

/// Empties a form once what it sent is done, ready for the next.
fn clear(form: NodeRef<leptos::html::Form>) {
    if let Some(form) = form.get_untracked() {
        form.reset();
    }
}

/// "1 session", "3 sessions".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "1 session ended", "0 sessions ended".
fn sessions_ended(n: usize) -> String {
    format!("{} ended", plural(n, "session", "sessions"))
}
