//! A set-password link, shown once to whoever made it, with a button that copies it.

use leptos::html::Input;
use leptos::prelude::*;
use sessionboard::model::PasswordLink;

/// What the Copy button achieved, for the line beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Only the browser's clipboard code reaches the other states.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Copied {
    Not,
    Yes,
    /// The browser offers no clipboard (or refused): the link is selected for Ctrl+C instead.
    Selected,
}

impl Copied {
    fn text(self) -> &'static str {
        match self {
            Self::Not => "",
            Self::Yes => "Copied",
            Self::Selected => "Selected: press Ctrl+C (⌘C on a Mac) to copy",
        }
    }
}

/// The link as a full address in a read-only field, "Copy", and how long it can be used. The
/// page puts it where it announces the outcome (a card with `role="status"`).
#[component]
pub fn CopyLink(
    link: PasswordLink,
    /// Whom the link is for, when the page knows.
    #[prop(optional, into)]
    person: Option<String>,
) -> impl IntoView {
    // The server cannot know the address the browser reached it by, so the page starts with
    // the path (the server's and the hydrated page agree) and adds the browser's origin after.
    let url = RwSignal::new(link.path.clone());
    let path = link.path;
    Effect::new(move |_| {
        if let Ok(origin) = window().location().origin() {
            url.set(format!("{origin}{path}"));
        }
    });
    let copied = RwSignal::new(Copied::Not);
    let input = NodeRef::<Input>::new();
    let select = move || {
        if let Some(input) = input.get_untracked() {
            input.select();
        }
    };
    let copy = move |_| {
        // Selected first, so that Ctrl+C works whatever the clipboard does.
        select();
        write_to_clipboard(url.get_untracked(), copied);
    };
    let whom = person
        .map(|name| format!(" for {name}"))
        .unwrap_or_default();
    view! {
        <div class="copy-link">
            <p>
                <label for="password-link">
                    {format!("Set-password link{whom}, valid until ")}
                    <time datetime=link.expires_at.to_rfc3339()>
                        {link.expires_at.to_utc_string()}
                    </time>
                </label>
                " — shown only now; copy it and hand it over."
            </p>
            <div class="copy-link-row">
                <input
                    id="password-link"
                    node_ref=input
                    type="text"
                    readonly
                    value=move || url.get()
                    on:focus=move |_| select()
                />
                <button type="button" class="button primary" on:click=copy>"Copy"</button>
                <span class="copy-state">{move || copied.get().text()}</span>
            </div>
        </div>
    }
}

/// Puts `text` on the clipboard and says how that went. Browsers offer no clipboard outside a
/// secure context (a page served over plain http from another machine); the link is selected
/// by then, and Ctrl+C copies it.
#[cfg(feature = "hydrate")]
fn write_to_clipboard(text: String, copied: RwSignal<Copied>) {
    let clipboard = window().navigator().clipboard();
    if clipboard.is_undefined() {
        copied.set(Copied::Selected);
        return;
    }
    let written = clipboard.write_text(&text);
    leptos::task::spawn_local(async move {
        let done = js_sys::futures::JsFuture::from(written).await.is_ok();
        copied.set(if done { Copied::Yes } else { Copied::Selected });
    });
}

/// Only the browser has a clipboard; the button does nothing before hydration.
#[cfg(not(feature = "hydrate"))]
fn write_to_clipboard(_text: String, _copied: RwSignal<Copied>) {}
