//! User-agent strings to device, OS and browser, with uaparser and the uap-core regexes.

use std::path::Path;
use std::sync::Arc;

use quick_cache::sync::Cache;
use uaparser::{Parser as _, UserAgentParser};

use crate::error::{Error, Result};
use crate::model::{Device, DeviceKind};

/// Longest user agent we parse or store. Real ones stay well under 1 KiB; anything longer is
/// hostile or broken, and the regexes' cost grows with input length.
pub const MAX_USER_AGENT_BYTES: usize = 512;

/// How many distinct user agents keep their parsed result. A fleet of devices repeats a few
/// hundred strings; each entry is a few hundred bytes.
const CACHE_CAPACITY: usize = 10_000;

/// Parses user agents. Build it once at startup and share it: building costs ~90 ms, a parse
/// ~200 µs (the regexes are tried one by one), a cached parse well under a microsecond.
pub struct UserAgentTracker {
    parser: UserAgentParser,
    cache: Cache<String, Arc<Device>>,
}

impl UserAgentTracker {
    /// Loads uap-core's `regexes.yaml`.
    pub fn from_regexes_file(path: &Path) -> Result<Self> {
        let path_text = path.to_str().ok_or_else(|| {
            Error::Config(format!(
                "user-agent regexes path {} is not UTF-8",
                path.display()
            ))
        })?;
        // Unicode-aware classes cost ~5x the memory and build time and buy nothing: the
        // regexes match ASCII tokens.
        let parser = UserAgentParser::builder()
            .with_unicode_support(false)
            .build_from_yaml(path_text)
            .map_err(|error| {
                Error::Config(format!(
                    "cannot load user-agent regexes from {}: {error}",
                    path.display()
                ))
            })?;
        Ok(Self {
            parser,
            cache: Cache::new(CACHE_CAPACITY),
        })
    }

    /// The device behind a user agent. Never fails: unknown agents come back as "Other".
    pub fn parse(&self, user_agent: &str) -> Arc<Device> {
        let user_agent = truncate_user_agent(user_agent);
        if let Some(device) = self.cache.get(user_agent) {
            return device;
        }
        let device = Arc::new(self.parse_uncached(user_agent));
        self.cache
            .insert(user_agent.to_owned(), Arc::clone(&device));
        device
    }

    fn parse_uncached(&self, user_agent: &str) -> Device {
        let client = self.parser.parse(user_agent);
        let os = client.os.family.into_owned();
        let browser = client.user_agent.family.into_owned();
        let os_version = version([client.os.major, client.os.minor, client.os.patch]);
        let browser_version = version([
            client.user_agent.major,
            client.user_agent.minor,
            client.user_agent.patch,
        ]);
        let family = client.device.family.into_owned();
        let model = match (client.device.brand, client.device.model) {
            _ if family == "Other" => None,
            (Some(brand), Some(model)) if !model.starts_with(brand.as_ref()) => {
                Some(format!("{brand} {model}"))
            }
            (_, Some(model)) => Some(model.into_owned()),
            _ => Some(family.clone()),
        };
        Device {
            kind: classify(&family, &os, user_agent),
            model,
            os,
            os_version,
            browser,
            browser_version,
        }
    }
}

/// Cuts a user agent to [`MAX_USER_AGENT_BYTES`] on a character boundary.
pub fn truncate_user_agent(user_agent: &str) -> &str {
    if user_agent.len() <= MAX_USER_AGENT_BYTES {
        return user_agent;
    }
    let mut end = MAX_USER_AGENT_BYTES;
    while !user_agent.is_char_boundary(end) {
        end -= 1;
    }
    &user_agent[..end]
}

fn version<'a>(parts: [Option<std::borrow::Cow<'a, str>>; 3]) -> Option<String> {
    let parts: Vec<_> = parts
        .into_iter()
        .map_while(|part| part.filter(|p| !p.is_empty()))
        .collect();
    (!parts.is_empty()).then(|| parts.join("."))
}

/// uap-core names device families but does not say "phone" or "tablet"; these rules follow its
/// conventions ("Spider" for crawlers, "Other" for ordinary computers).
fn classify(device_family: &str, os: &str, user_agent: &str) -> DeviceKind {
    let lower = user_agent.to_ascii_lowercase();
    if device_family == "Spider" {
        return DeviceKind::Bot;
    }
    if device_family == "iPad" || lower.contains("tablet") {
        return DeviceKind::Tablet;
    }
    // Android tablets' browsers leave out "Mobile"; Android apps (Dalvik) never send it and are
    // far more often on phones.
    if os == "Android" && !lower.contains("mobile") && !lower.contains("dalvik") {
        return DeviceKind::Tablet;
    }
    if matches!(os, "iOS" | "Android") || lower.contains("mobile") {
        return DeviceKind::Phone;
    }
    if matches!(
        os,
        "Windows" | "Mac OS X" | "Linux" | "Ubuntu" | "Fedora" | "Chrome OS" | "FreeBSD"
    ) {
        return DeviceKind::Desktop;
    }
    if device_family != "Other" {
        return DeviceKind::Phone;
    }
    DeviceKind::Other
}
