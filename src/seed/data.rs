//! The demo world's data: user agents, accounts, people, applications and sessions.

use std::time::Duration;

use super::DEMO_OWNER_EMAIL;
use crate::model::{Role, SessionFlags};
use crate::service::WEB_APPLICATION;

const MINUTE: u64 = 60;
pub(super) const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

const WINDOWS_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const WINDOWS_EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.2849.80";
const WINDOWS_FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0";
const MAC_SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15";
const MAC_CHROME: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const LINUX_FIREFOX: &str =
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0";
const IPHONE_SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";
const IPAD_SAFARI: &str = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const ANDROID_CHROME: &str = "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36";
const IOS_APP: &str = "Ektek/5.4.1 CFNetwork/1494.0.7 Darwin/23.4.0";
const ANDROID_APP: &str = "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Pro Build/AP2A.240905.003)";
const API_PYTHON: &str = "python-requests/2.32.3";
const API_CURL: &str = "curl/8.5.0";

/// One demo session: whose, where, from what, and how old.
pub(super) struct DemoSession {
    pub(super) user: usize,
    pub(super) account: usize,
    pub(super) application: usize,
    pub(super) user_agent: &'static str,
    pub(super) ip: &'static str,
    pub(super) age: Duration,
    pub(super) idle: Duration,
}

impl DemoSession {
    /// Whether the session stood out when it started (see [`FLAGGED`]).
    pub(super) fn flags(&self) -> SessionFlags {
        FLAGGED
            .iter()
            .find(|flagged| flagged.user == self.user && flagged.ip == self.ip)
            .map(|flagged| SessionFlags {
                why: flagged.why.to_owned(),
                ..flagged.flags.clone()
            })
            .unwrap_or_default()
    }
}

struct Flagged {
    user: usize,
    ip: &'static str,
    flags: SessionFlags,
    why: &'static str,
}

/// Demo sessions that stood out when they started, so a new user sees the flags at once:
/// Henk's Android app "in London" 40 minutes after a sign-in in Germany, and Marie's first
/// sign-in on an iPad.
const FLAGGED: [Flagged; 2] = [
    Flagged {
        user: HENK,
        ip: "81.2.69.142",
        flags: SessionFlags {
            new_device: false,
            new_country: true,
            new_region: false,
            impossible_travel: true,
            why: String::new(),
        },
        why: "first sign-in from London, United Kingdom; 930 km from the previous sign-in 40 minutes earlier",
    },
    Flagged {
        user: MARIE,
        ip: "2.200.30.40",
        flags: SessionFlags {
            new_device: true,
            new_country: false,
            new_region: false,
            impossible_travel: false,
            why: String::new(),
        },
        why: "first sign-in with Mobile Safari on iOS",
    },
];

const fn session(
    user: usize,
    account: usize,
    application: usize,
    user_agent: &'static str,
    ip: &'static str,
    age_secs: u64,
    idle_secs: u64,
) -> DemoSession {
    DemoSession {
        user,
        account,
        application,
        user_agent,
        ip,
        age: Duration::from_secs(age_secs),
        idle: Duration::from_secs(idle_secs),
    }
}

// Indexes into the tables below.
const EKTEK: usize = 0;
const NORDLICHT: usize = 1;
const SOMMER_PERSONAL: usize = 2;
const BAUER_PERSONAL: usize = 3;
const PLATFORM: usize = 4;
pub(super) const ACCOUNTS: [&str; 5] = [
    "Ektek GmbH",
    "Nordlicht Logistik AG",
    "Michael Sommer",
    "Markus Bauer",
    "Sessionboard Platform",
];

const HENK: usize = 0;
const MARIE: usize = 1;
const KLAUS: usize = 2;
const SVEN: usize = 3;
const ANNA: usize = 4;
const MICHAEL: usize = 5;
const MARKUS: usize = 6;
const PETRA: usize = 7;
pub(super) struct DemoUser {
    pub(super) email: &'static str,
    pub(super) name: &'static str,
    pub(super) is_platform_admin: bool,
    pub(super) is_sales_rep: bool,
    /// Account, role there, and job label.
    pub(super) memberships: &'static [(usize, Role, &'static str)],
    /// False for someone invited who has not yet set a password through their link.
    pub(super) has_password: bool,
    /// For sales representatives: the accounts they serve, whose users they may act as.
    pub(super) serves: &'static [usize],
}

pub(super) const USERS: [DemoUser; 9] = [
    // Henk also advises Nordlicht, so his own list spans two accounts.
    DemoUser {
        email: DEMO_OWNER_EMAIL,
        name: "Henk Becker",
        is_platform_admin: false,
        is_sales_rep: false,
        memberships: &[
            (EKTEK, Role::Owner, "Managing director"),
            (NORDLICHT, Role::Employee, "Adviser"),
        ],
        serves: &[],
        has_password: true,
    },
    DemoUser {
        email: "marie@ektek.example",
        name: "Marie Schmidt",
        is_platform_admin: false,
        is_sales_rep: false,
        memberships: &[(EKTEK, Role::Employee, "Purchasing")],
        serves: &[],
        has_password: true,
    },
    DemoUser {
        email: "klaus@ektek.example",
        name: "Klaus Herpich",
        is_platform_admin: false,
        is_sales_rep: false,
        memberships: &[(EKTEK, Role::Employee, "Accounting")],
        serves: &[],
        has_password: true,
    },
    DemoUser {
        email: "sven@nordlicht.example",
        name: "Sven Lindqvist",
        is_platform_admin: false,
        is_sales_rep: false,
        memberships: &[(NORDLICHT, Role::Owner, "Operations")],
        serves: &[],
        has_password: true,
    },
    DemoUser {
        email: "anna@nordlicht.example",
        name: "Anna Krüger",
        is_platform_admin: false,
        is_sales_rep: false,
        memberships: &[(NORDLICHT, Role::Employee, "Purchasing")],
        serves: &[],
        has_password: true,
    },
    DemoUser {
        email: "michael.sommer@sessionboard.example",
        name: "Michael Sommer",
        is_platform_admin: false,
        is_sales_rep: true,
        memberships: &[(SOMMER_PERSONAL, Role::Owner, "")],
        // Not Ektek: acting as Henk is open to him in Nordlicht only.
        serves: &[NORDLICHT],
        has_password: true,
    },
    DemoUser {
        email: "markus.bauer@sessionboard.example",
        name: "Markus Bauer",
        is_platform_admin: false,
        is_sales_rep: true,
        memberships: &[(BAUER_PERSONAL, Role::Owner, "")],
        serves: &[EKTEK, NORDLICHT],
        has_password: true,
    },
    DemoUser {
        email: "admin@sessionboard.example",
        name: "Petra Vogel",
        is_platform_admin: true,
        is_sales_rep: false,
        memberships: &[(PLATFORM, Role::Owner, "")],
        serves: &[],
        has_password: true,
    },
    // Invited to Ektek, not set up yet: listed as a member, cannot sign in, has no sessions.
    DemoUser {
        email: "lena@ektek.example",
        name: "Lena Weber",
        is_platform_admin: false,
        is_sales_rep: false,
        memberships: &[(EKTEK, Role::Employee, "Accounting")],
        serves: &[],
        has_password: false,
    },
];

const WEB: usize = 0;
const IOS: usize = 1;
const ANDROID: usize = 2;
const API: usize = 3;
pub(super) const APPLICATIONS: [&str; 4] =
    [WEB_APPLICATION, "iOS app", "Android app", "Public API"];

/// Live sessions: about forty, spread over people, accounts, applications and places.
#[rustfmt::skip]
pub(super) const LIVE: [DemoSession; 40] = [
    //      user     account          app      user agent       ip               age        idle
    session(HENK,    EKTEK,           WEB,     WINDOWS_CHROME,  "91.64.12.34",   3 * DAY,   12 * MINUTE),
    session(HENK,    EKTEK,           IOS,     IOS_APP,         "80.187.100.1",  12 * DAY,  2 * HOUR),
    session(HENK,    EKTEK,           WEB,     IPHONE_SAFARI,   "89.204.137.1",  5 * DAY,   26 * HOUR),
    session(HENK,    NORDLICHT,       WEB,     MAC_SAFARI,      "93.104.200.5",  9 * DAY,   3 * DAY),
    session(HENK,    EKTEK,           API,     API_PYTHON,      "145.253.2.203", 20 * DAY,  40 * MINUTE),
    session(HENK,    NORDLICHT,       ANDROID, ANDROID_APP,     "81.2.69.142",   2 * DAY,   5 * HOUR),
    session(MARIE,   EKTEK,           WEB,     WINDOWS_EDGE,    "217.0.12.1",    DAY,       3 * MINUTE),
    session(MARIE,   EKTEK,           WEB,     IPAD_SAFARI,     "2.200.30.40",   6 * DAY,   20 * HOUR),
    session(MARIE,   EKTEK,           IOS,     IOS_APP,         "88.130.50.60",  14 * DAY,  9 * HOUR),
    session(MARIE,   EKTEK,           ANDROID, ANDROID_CHROME,  "46.114.5.5",    4 * DAY,   2 * DAY),
    session(KLAUS,   EKTEK,           WEB,     WINDOWS_FIREFOX, "31.16.8.9",     2 * DAY,   50 * MINUTE),
    session(KLAUS,   EKTEK,           WEB,     LINUX_FIREFOX,   "194.25.134.1",  10 * DAY,  4 * DAY),
    session(KLAUS,   EKTEK,           ANDROID, ANDROID_APP,     "109.40.240.1",  3 * DAY,   7 * HOUR),
    session(KLAUS,   EKTEK,           API,     API_CURL,        "213.61.40.2",   25 * DAY,  6 * DAY),
    session(SVEN,    NORDLICHT,       WEB,     MAC_CHROME,      "2a02:8108::1",  4 * DAY,   15 * MINUTE),
    session(SVEN,    NORDLICHT,       IOS,     IOS_APP,         "95.90.200.1",   8 * DAY,   3 * HOUR),
    session(SVEN,    NORDLICHT,       WEB,     IPHONE_SAFARI,   "178.0.10.20",   11 * DAY,  2 * DAY),
    session(SVEN,    NORDLICHT,       API,     API_PYTHON,      "5.146.1.1",     29 * DAY,  HOUR),
    session(ANNA,    NORDLICHT,       WEB,     WINDOWS_CHROME,  "79.192.5.5",    DAY,       30 * MINUTE),
    session(ANNA,    NORDLICHT,       ANDROID, ANDROID_CHROME,  "37.201.5.6",    7 * DAY,   11 * HOUR),
    session(ANNA,    NORDLICHT,       ANDROID, ANDROID_APP,     "176.198.1.1",   15 * DAY,  DAY),
    session(ANNA,    NORDLICHT,       WEB,     MAC_SAFARI,      "2003:e5::1",    3 * DAY,   2 * DAY),
    session(MICHAEL, SOMMER_PERSONAL, WEB,     MAC_CHROME,      "84.128.45.67",  2 * DAY,   8 * MINUTE),
    session(MICHAEL, SOMMER_PERSONAL, IOS,     IOS_APP,         "62.156.33.1",   9 * DAY,   4 * HOUR),
    session(MICHAEL, SOMMER_PERSONAL, WEB,     IPAD_SAFARI,     "77.0.50.50",    16 * DAY,  5 * DAY),
    session(MICHAEL, SOMMER_PERSONAL, WEB,     WINDOWS_EDGE,    "92.206.1.1",    6 * DAY,   3 * DAY),
    session(MARKUS,  BAUER_PERSONAL,  WEB,     WINDOWS_CHROME,  "141.84.1.1",    3 * DAY,   25 * MINUTE),
    session(MARKUS,  BAUER_PERSONAL,  ANDROID, ANDROID_APP,     "188.192.1.1",   5 * DAY,   6 * HOUR),
    session(MARKUS,  BAUER_PERSONAL,  WEB,     LINUX_FIREFOX,   "185.17.204.10", 13 * DAY,  8 * DAY),
    session(MARKUS,  BAUER_PERSONAL,  WEB,     ANDROID_CHROME,  "95.90.200.1",   2 * DAY,   2 * HOUR),
    session(PETRA,   PLATFORM,        WEB,     LINUX_FIREFOX,   "8.8.8.8",       DAY,       5 * MINUTE),
    session(PETRA,   PLATFORM,        WEB,     MAC_SAFARI,      "84.128.45.67",  6 * DAY,   DAY),
    session(PETRA,   PLATFORM,        API,     API_CURL,        "213.61.40.2",   40 * DAY,  2 * DAY),
    session(PETRA,   PLATFORM,        IOS,     IOS_APP,         "2.200.30.40",   10 * DAY,  9 * HOUR),
    session(HENK,    EKTEK,           WEB,     WINDOWS_EDGE,    "10.20.0.15",    30 * HOUR, 3 * HOUR),
    session(MARIE,   EKTEK,           API,     API_PYTHON,      "217.0.12.1",    18 * DAY,  2 * HOUR),
    session(KLAUS,   EKTEK,           IOS,     IPHONE_SAFARI,   "89.204.137.1",  8 * DAY,   DAY),
    session(SVEN,    NORDLICHT,       ANDROID, ANDROID_APP,     "2a02:8108::1",  12 * DAY,  3 * DAY),
    session(ANNA,    NORDLICHT,       IOS,     IOS_APP,         "95.90.200.1",   20 * DAY,  4 * DAY),
    session(MARKUS,  BAUER_PERSONAL,  IOS,     IOS_APP,         "93.104.200.5",  7 * DAY,   2 * DAY),
];

/// Sessions that must never be listed: idle past the timeout, past the absolute lifetime, and
/// one terminated.
#[rustfmt::skip]
pub(super) const EXPIRED: [DemoSession; 3] = [
    //      user   account app  user agent       ip              age        idle
    session(HENK,  EKTEK,  WEB, WINDOWS_FIREFOX, "88.130.50.60", 45 * DAY,  35 * DAY),
    session(MARIE, EKTEK,  IOS, IOS_APP,         "46.114.5.5",   120 * DAY, 2 * DAY),
    session(KLAUS, EKTEK,  WEB, MAC_CHROME,      "31.16.8.9",    60 * DAY,  31 * DAY),
];
pub(super) const TERMINATED: DemoSession = session(
    HENK,
    EKTEK,
    WEB,
    WINDOWS_FIREFOX,
    "217.0.12.1",
    4 * DAY,
    DAY,
);
