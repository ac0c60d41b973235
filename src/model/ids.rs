//! Identifiers and time: the id newtypes every other type refers to, and [`Timestamp`].

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A session's public identifier: safe to show and to send back, it grants nothing by itself.
    SessionId
);
id_type!(
    /// A person who signs in.
    UserId
);
id_type!(
    /// A tenant: a customer's account, or a sales representative's personal one.
    AccountId
);
id_type!(
    /// A registered application (web app, mobile app, API client) that sessions are created for.
    ApplicationId
);
id_type!(
    /// One sales representative's stretch of acting as a customer user.
    ImpersonationId
);
id_type!(
    /// One sign-in attempt in the sign-in history.
    LoginRecordId
);
id_type!(
    /// An application's API key (the id, not the secret).
    ApiKeyId
);
id_type!(
    /// One "end every matching session": its progress, and its entry in the change log.
    BulkTerminationId
);
id_type!(
    /// Where a platform admin asked to be told of events (a webhook endpoint).
    WebhookEndpointId
);
id_type!(
    /// One event on its way to one endpoint: its attempts and how they went.
    WebhookDeliveryId
);

/// A moment in time, in milliseconds since the Unix epoch (UTC).
///
/// Stored as a plain integer in both SQLite and PostgreSQL: it compares and indexes the same way
/// in both, has no time-zone ambiguity, and lets tests set the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The current wall-clock time.
    #[cfg(feature = "ssr")]
    pub fn now() -> Self {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }

    pub fn plus(self, duration: std::time::Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(millis))
    }

    pub fn minus(self, duration: std::time::Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_sub(millis))
    }

    /// "2026-11-23 14:05 UTC": the same text on the server and in the browser, so a server-rendered
    /// page and its hydrated copy agree.
    pub fn to_utc_string(self) -> String {
        self.format_utc(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
    }

    /// "2026-11-23 14:05", for columns whose heading says "UTC".
    pub fn to_short_utc_string(self) -> String {
        self.format_utc(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]"
        ))
    }

    /// "just now", "5 minutes ago", "3 hours ago", "2 days ago", or the date for anything older
    /// than a month, as seen at `now`.
    pub fn relative_to(self, now: Timestamp) -> String {
        let seconds = (now.0 - self.0) / 1000;
        let plural = |n: i64, unit: &str| {
            if n == 1 {
                format!("1 {unit} ago")
            } else {
                format!("{n} {unit}s ago")
            }
        };
        match seconds {
            ..45 => "just now".to_owned(),
            45..3_600 => plural((seconds + 30) / 60, "minute"),
            3_600..86_400 => plural(seconds / 3_600, "hour"),
            86_400..2_592_000 => plural(seconds / 86_400, "day"),
            _ => self.format_utc(time::macros::format_description!("[year]-[month]-[day]")),
        }
    }

    /// The start (00:00 UTC) of a day written "2026-12-01", as a date input gives it; `None`
    /// for anything else.
    pub fn from_date(text: &str) -> Option<Self> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(text.trim(), format).ok()?;
        let seconds = date.midnight().assume_utc().unix_timestamp();
        Some(Self(seconds.checked_mul(1000)?))
    }

    /// "2026-12-01": the day this moment falls on, in UTC, as a date input takes it.
    pub fn to_date_string(self) -> String {
        self.format_utc(time::macros::format_description!("[year]-[month]-[day]"))
    }

    /// RFC 3339, for `<time datetime=…>`.
    pub fn to_rfc3339(self) -> String {
        self.format_utc(&time::format_description::well_known::Rfc3339)
    }

    fn format_utc(self, format: &(impl time::formatting::Formattable + ?Sized)) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|moment| moment.format(format).ok())
            .unwrap_or_else(|| "—".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_identically_everywhere_in_utc() {
        assert_eq!(
            Timestamp::from_millis(1_795_000_000_000).to_utc_string(),
            "2026-11-18 11:06 UTC"
        );
        assert_eq!(
            Timestamp::from_millis(1_795_000_000_000).to_rfc3339(),
            "2026-11-18T11:06:40Z"
        );
    }

    #[test]
    fn a_date_is_the_start_of_its_day_in_utc_and_nothing_else_is_a_date() {
        let day = Timestamp::from_date("2026-11-18").unwrap();
        assert_eq!(day.to_utc_string(), "2026-11-18 00:00 UTC");
        assert_eq!(day.to_date_string(), "2026-11-18");
        for not_a_date in [
            "",
            "2026-02-30",
            "18-11-2026",
            "2026-11-18T10:00",
            "yesterday",
        ] {
            assert_eq!(Timestamp::from_date(not_a_date), None, "{not_a_date:?}");
        }
    }

    #[test]
    fn relative_times_read_like_a_person_would_say_them() {
        let now = Timestamp::from_millis(1_795_000_000_000);
        let ago = |seconds: i64| Timestamp(now.0 - seconds * 1000).relative_to(now);
        assert_eq!(ago(-5), "just now", "clock skew");
        assert_eq!(ago(10), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(5 * 60), "5 minutes ago");
        assert_eq!(ago(3 * 3600 + 59), "3 hours ago");
        assert_eq!(ago(86_400), "1 day ago");
        assert_eq!(ago(12 * 86_400), "12 days ago");
        assert_eq!(ago(45 * 86_400), "2026-10-04");
    }
}
