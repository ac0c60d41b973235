//! A confirmation dialog on the native `<dialog>`: focus moves in, Escape cancels, and focus
//! returns to the button that opened it.

use leptos::html::Dialog;
use leptos::prelude::*;

/// What to confirm: the question, the confirming button's label, and what to do then.
#[derive(Clone)]
pub struct Confirmation {
    pub question: String,
    pub confirm_label: String,
    pub on_confirm: Callback<()>,
}

#[component]
pub fn ConfirmDialog(request: RwSignal<Option<Confirmation>>) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    Effect::new(move |_| {
        let Some(dialog) = dialog.get() else {
            return;
        };
        if request.with(Option::is_some) {
            if !dialog.open() {
                let _ = dialog.show_modal();
            }
        } else if dialog.open() {
            dialog.close();
        }
    });
    let confirm = move |_| {
        if let Some(confirmation) = request.get_untracked() {
            request.set(None);
            confirmation.on_confirm.run(());
        }
    };
    view! {
        <dialog
            node_ref=dialog
            class="popup"
            aria-labelledby="confirm-title"
            on:close=move |_| request.set(None)
        >
            <h2 id="confirm-title">"Are you sure?"</h2>
            <p>{move || request.with(|r| r.as_ref().map(|r| r.question.clone()))}</p>
            <div class="dialog-buttons">
                <button type="button" class="button" on:click=move |_| request.set(None)>
                    "Cancel"
                </button>
                <button type="button" class="button danger-solid" on:click=confirm>
                    {move || request.with(|r| r.as_ref().map(|r| r.confirm_label.clone()))}
                </button>
            </div>
        </dialog>
    }
}
