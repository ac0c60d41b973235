//! "Saved.", or why not: what a setting that saves as it changes says, announced politely.

use leptos::prelude::*;

use crate::error::UiError;

#[component]
pub fn SaveStatus(#[prop(into)] result: Signal<Option<Result<(), UiError>>>) -> impl IntoView {
    view! {
        <p class="notice" role="status" aria-live="polite">
            {move || result.get().map(|result| match result {
                Ok(()) => "Saved.".to_owned(),
                Err(error) => error.message(),
            })}
        </p>
    }
}
