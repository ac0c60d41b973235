//! Relative times ("5 minutes ago") that keep themselves current, with the exact time on hover.

use leptos::prelude::*;
use sessionboard::model::Timestamp;

/// The page's idea of "now": starts at the server's clock (so the hydrated page reads exactly
/// like the server-rendered one) and then ticks in the browser.
#[derive(Clone, Copy)]
pub struct Clock(pub RwSignal<Timestamp>);

/// Puts a clock into context, starting at `start`, ticking every 15 seconds in the browser.
pub fn provide_clock(start: Timestamp) -> Clock {
    let clock = Clock(RwSignal::new(start));
    provide_context(clock);
    every(15_000, move || clock.0.set(browser_now()));
    clock
}

/// Runs `tick` every `millis` in the browser while the calling component lives; on the server,
/// never.
pub fn every(millis: u32, tick: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        let interval = gloo_timers::callback::Interval::new(millis, tick);
        let interval = send_wrapper::SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (millis, tick);
}

fn browser_now() -> Timestamp {
    #[cfg(feature = "hydrate")]
    {
        Timestamp::from_millis(js_sys::Date::now() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Timestamp::from_millis(0)
    }
}

#[component]
pub fn Ago(at: Timestamp) -> impl IntoView {
    let clock = use_context::<Clock>();
    let text = move || match clock {
        Some(clock) => at.relative_to(clock.0.get()),
        None => at.to_utc_string(),
    };
    view! {
        <time datetime=at.to_rfc3339() title=at.to_utc_string()>
            {text}
        </time>
    }
}
