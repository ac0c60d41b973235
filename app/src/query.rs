//! Page state in the URL query, so every view can be bookmarked, shared and navigated with
//! Back and Forward.

use leptos_router::params::ParamsMap;
use sessionboard::model::{
    AccountId, ApplicationId, Cursor, DeviceKind, SessionFilter, Timestamp, UserId,
};

/// A query parameter as a number, or `None` when absent or not a number (a hand-edited URL
/// simply loses that filter).
pub fn number(params: &ParamsMap, key: &str) -> Option<i64> {
    params.get(key).and_then(|value| value.trim().parse().ok())
}

pub fn text(params: &ParamsMap, key: &str) -> Option<String> {
    params
        .get(key)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// The sessions filter a URL describes: `q`, `user`, `app`, `account`, `sort`, `flagged`,
/// `country`, `device`, and the days `created_after` (from its start) and `created_before`
/// (up to its start), as date inputs write them.
pub fn session_filter(params: &ParamsMap) -> SessionFilter {
    SessionFilter {
        user: number(params, "user").map(UserId),
        application: number(params, "app").map(ApplicationId),
        account: number(params, "account").map(AccountId),
        search: text(params, "q"),
        oldest_first: params.get("sort").as_deref() == Some("oldest"),
        flagged_only: params.get("flagged").as_deref() == Some("1"),
        // The server checks the code and says what is wrong with it; an unknown device kind
        // is simply no filter, like a number that is not one.
        country: text(params, "country"),
        device: params
            .get("device")
            .and_then(|kind| DeviceKind::named(&kind)),
        created_after: params
            .get("created_after")
            .and_then(|day| Timestamp::from_date(&day)),
        created_before: params
            .get("created_before")
            .and_then(|day| Timestamp::from_date(&day)),
    }
}

pub fn cursor(params: &ParamsMap) -> Option<Cursor> {
    params.get("after").and_then(|text| Cursor::parse(&text))
}

/// `?key=value&…` from pairs, skipping empty values.
pub fn to_query<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if !value.is_empty() {
            serializer.append_pair(key, &value);
        }
    }
    let query = serializer.finish();
    if query.is_empty() {
        "?".to_owned()
    } else {
        format!("?{query}")
    }
}

/// The URL pairs of a filter, for links that keep it.
pub fn filter_pairs(filter: &SessionFilter) -> Vec<(&'static str, String)> {
    let number = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    vec![
        ("q", filter.search.clone().unwrap_or_default()),
        ("user", number(filter.user.map(|u| u.0))),
        ("app", number(filter.application.map(|a| a.0))),
        ("account", number(filter.account.map(|a| a.0))),
        (
            "sort",
            if filter.oldest_first {
                "oldest".to_owned()
            } else {
                String::new()
            },
        ),
        (
            "flagged",
            if filter.flagged_only {
                "1".to_owned()
            } else {
                String::new()
            },
        ),
        ("country", filter.country.clone().unwrap_or_default()),
        (
            "device",
            filter
                .device
                .map(|kind| kind.as_str().to_owned())
                .unwrap_or_default(),
        ),
        ("created_after", day(filter.created_after)),
        ("created_before", day(filter.created_before)),
    ]
}

/// A day filter as a date input shows it ("2026-12-01"), or empty.
pub fn day(moment: Option<Timestamp>) -> String {
    moment.map(Timestamp::to_date_string).unwrap_or_default()
}
