//! Where a webhook may be delivered. A webhook URL is typed by an admin but fetched by the
//! server, from inside its network: without limits it would let anyone who can register one
//! make the server call its neighbours (cloud metadata at 169.254.169.254, an internal admin
//! page). So:
//!
//! - `https://` only, except on loopback (a receiver on the same machine, for development);
//! - no address in a private, link-local, shared or otherwise non-public range, unless the
//!   operator allows private networks (a receiver on the office LAN) — checked when the
//!   endpoint is registered and again for every address the name resolves to at each delivery,
//!   so a DNS answer that changes later cannot point it inside;
//! - no user name or password in the URL (the signature is what authenticates a delivery).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The longest URL an endpoint may have.
pub const MAX_URL_CHARS: usize = 2_000;

/// A URL that passed [`check_url`], with what resolving it still needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedUrl {
    pub url: url::Url,
    /// The host is a name, to be resolved (and its addresses checked with [`check_address`]).
    pub needs_resolving: bool,
}

/// Checks what can be checked without the network. The error is the reason, for the admin.
pub fn check_url(text: &str, allow_private: bool) -> Result<CheckedUrl, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("enter the URL deliveries go to, like https://example.com/webhooks".into());
    }
    if text.chars().count() > MAX_URL_CHARS {
        return Err(format!("a URL is at most {MAX_URL_CHARS} characters"));
    }
    let url =
        url::Url::parse(text).map_err(|error| format!("\"{text}\" is not a URL ({error})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "put no user name or password in the URL: the signature authenticates deliveries"
                .into(),
        );
    }
    let host = url.host().ok_or("the URL has no host")?;
    let (loopback, needs_resolving) = match &host {
        url::Host::Domain(name) => (name.eq_ignore_ascii_case("localhost"), true),
        url::Host::Ipv4(ip) => (ip.is_loopback(), false),
        url::Host::Ipv6(ip) => (ip.is_loopback(), false),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(
                "use https:// (plain http:// is allowed only for a receiver on this machine, \
                 127.0.0.1 or localhost)"
                    .into(),
            );
        }
        other => return Err(format!("a webhook URL is https://, not {other}://")),
    }
    let literal = match host {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    };
    if let Some(ip) = literal {
        check_address(ip, allow_private)?;
    }
    Ok(CheckedUrl {
        url,
        needs_resolving: needs_resolving && !loopback,
    })
}

/// Whether a delivery may go to `ip`. Loopback always may (only this machine listens there);
/// private networks only when allowed; anything not routable on the internet never.
pub fn check_address(ip: IpAddr, allow_private: bool) -> Result<(), String> {
    let ip = ip.to_canonical();
    if ip.is_loopback() {
        return Ok(());
    }
    match classify(ip) {
        Class::Public => Ok(()),
        Class::Private if allow_private => Ok(()),
        Class::Private => Err(format!(
            "{ip} is a private network address; deliveries go to public addresses unless the \
             operator allows private ones (SESSIONBOARD_WEBHOOKS_ALLOW_PRIVATE=true)"
        )),
        Class::Never => Err(format!(
            "{ip} is not an address a delivery can go to (link-local, multicast, unspecified \
             or reserved)"
        )),
    }
}

/// What a host name resolves to, judged by [`check_address`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// The addresses a delivery may go to.
    pub allowed: Vec<SocketAddr>,
    /// Why the first refused address was refused, if any was.
    pub refused: Option<String>,
}

/// Resolves `host` with the system's resolver and sorts its addresses by the policy: what
/// registering an endpoint and every delivery's connection both ask.
pub async fn resolve(host: &str, port: u16, allow_private: bool) -> std::io::Result<Resolved> {
    let mut resolved = Resolved::default();
    for address in tokio::net::lookup_host((host, port)).await? {
        match check_address(address.ip(), allow_private) {
            Ok(()) => resolved.allowed.push(address),
            Err(why) => {
                resolved.refused.get_or_insert(why);
            }
        }
    }
    Ok(resolved)
}

enum Class {
    Public,
    Private,
    Never,
}

fn classify(ip: IpAddr) -> Class {
    match ip {
        IpAddr::V4(ip) => classify_v4(ip),
        IpAddr::V6(ip) => classify_v6(ip),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Class {
    let [a, b, ..] = ip.octets();
    // 100.64.0.0/10: carrier-grade NAT, a provider's private network.
    let shared = a == 100 && (64..128).contains(&b);
    if ip.is_private() || shared {
        Class::Private
    } else if ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || a >= 240
    {
        Class::Never
    } else {
        Class::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> Class {
    let first = ip.segments()[0];
    if first & 0xfe00 == 0xfc00 {
        // fc00::/7, unique local: IPv6's private networks.
        Class::Private
    } else if ip.is_unspecified()
        || ip.is_multicast()
        || first & 0xffc0 == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
    {
        // Unspecified, multicast, link-local fe80::/10, documentation 2001:db8::/32.
        Class::Never
    } else {
        Class::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_public_and_http_only_on_loopback() {
        assert!(check_url("https://hooks.example.com/sessionboard", false).is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook", false).is_ok());
        assert!(check_url("http://localhost:9000/hook", false).is_ok());
        assert!(check_url("http://[::1]:9000/hook", false).is_ok());
        let plain = check_url("http://hooks.example.com/", false).unwrap_err();
        assert!(plain.contains("use https://"), "{plain}");
        let ftp = check_url("ftp://hooks.example.com/", false).unwrap_err();
        assert!(ftp.contains("not ftp://"), "{ftp}");
    }

    #[test]
    fn what_is_not_a_url_says_so() {
        for text in ["", "   ", "hooks.example.com/x", "https://", "not a url"] {
            assert!(check_url(text, false).is_err(), "{text:?}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(check_url(&long, false).unwrap_err().contains("at most"));
        let credentials = check_url("https://user:pw@example.com/", false).unwrap_err();
        assert!(credentials.contains("no user name"), "{credentials}");
    }

    #[test]
    fn private_addresses_need_the_operators_leave_and_some_are_never_allowed() {
        for private in [
            "10.0.0.5",
            "192.168.1.10",
            "172.16.0.1",
            "100.64.0.1",
            "[fd00::1]",
        ] {
            let url = format!("https://{private}/hook");
            let refused = check_url(&url, false).unwrap_err();
            assert!(refused.contains("private network"), "{private}: {refused}");
            assert!(check_url(&url, true).is_ok(), "{private} when allowed");
        }
        for never in ["169.254.169.254", "0.0.0.0", "224.0.0.1", "[fe80::1]"] {
            let url = format!("https://{never}/hook");
            assert!(check_url(&url, true).is_err(), "{never}");
        }
        // IPv4 written inside IPv6 is judged as the IPv4 address it is.
        assert!(check_address("::ffff:10.0.0.1".parse().unwrap(), false).is_err());
        assert!(check_address("::ffff:127.0.0.1".parse().unwrap(), false).is_ok());
        assert!(check_address("93.184.216.34".parse().unwrap(), false).is_ok());
    }

    #[test]
    fn a_name_is_left_to_be_resolved_and_an_address_is_not() {
        assert!(
            check_url("https://hooks.example.com/", false)
                .unwrap()
                .needs_resolving
        );
        assert!(
            !check_url("https://93.184.216.34/", false)
                .unwrap()
                .needs_resolving
        );
        assert!(
            !check_url("http://localhost:1/", false)
                .unwrap()
                .needs_resolving
        );
    }
}
