//! The badges of a sign-in that stood out from its person's history ("New country",
//! "Impossible travel"), each with the reason as its tooltip, for the sessions tables and the
//! sign-in history.

use leptos::prelude::*;
use sessionboard::model::SessionFlags;

#[component]
pub fn FlagBadges(flags: SessionFlags) -> impl IntoView {
    let why = flags.why.clone();
    let badges = flags
        .badges()
        .into_iter()
        .map(|(label, quiet)| {
            let class = if quiet { "flag quiet" } else { "flag" };
            view! { <span class=class title=why.clone()>{label}</span> }
        })
        .collect_view();
    // The tooltip is for pointers; the reason is read out, too.
    let spoken = (!flags.why.is_empty()).then(|| {
        view! { <span class="visually-hidden">{format!(": {}", flags.why)}</span> }
    });
    view! { <span class="flags">{badges}{spoken}</span> }
}
