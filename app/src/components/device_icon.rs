//! Small line icons for kinds of device. Inline SVG: no font or image download, and they take
//! the text colour in light and dark mode.

use leptos::prelude::*;
use sessionboard::model::DeviceKind;

#[component]
pub fn DeviceIcon(kind: DeviceKind) -> impl IntoView {
    let shape = match kind {
        DeviceKind::Desktop => view! {
            <rect x="3" y="4" width="18" height="12" rx="2" />
            <path d="M8 20h8M12 16v4" />
        }
        .into_any(),
        DeviceKind::Phone => view! {
            <rect x="7" y="2" width="10" height="20" rx="2" />
            <path d="M11 18h2" />
        }
        .into_any(),
        DeviceKind::Tablet => view! {
            <rect x="4" y="2" width="16" height="20" rx="2" />
            <path d="M11 18h2" />
        }
        .into_any(),
        DeviceKind::Bot => view! {
            <rect x="4" y="8" width="16" height="12" rx="2" />
            <path d="M12 4v4M9 13v1M15 13v1" />
        }
        .into_any(),
        DeviceKind::Other => view! { <path d="M8 6l-6 6 6 6M16 6l6 6-6 6" /> }.into_any(),
    };
    view! {
        <svg
            class="device-icon"
            viewBox="0 0 24 24"
            width="18"
            height="18"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            {shape}
        </svg>
    }
}
