//! A modal error popup on the native `<dialog>` element, which traps focus, closes on Escape
//! and returns focus to where it was.

use leptos::html::Dialog;
use leptos::prelude::*;

#[component]
pub fn ErrorPopup(
    /// The popup shows while this holds a message and clears it when closed.
    message: RwSignal<Option<String>>,
    #[prop(into)] title: String,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else {
            return;
        };
        if message.get().is_some() {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        } else if dialog.open() {
            dialog.close();
        }
    });
    view! {
        <dialog
            node_ref=dialog
            class="popup"
            role="alertdialog"
            aria-labelledby="popup-title"
            aria-describedby="popup-message"
            on:close=move |_| message.set(None)
        >
            <h2 id="popup-title">{title}</h2>
            <p id="popup-message">{move || message.get().unwrap_or_default()}</p>
            <form method="dialog">
                <button class="button primary" autofocus>"OK"</button>
            </form>
        </dialog>
    }
}
