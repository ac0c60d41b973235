//! Which address a request really came from.
//!
//! The socket's peer address is the truth unless the peer is a reverse proxy we were told to
//! trust; only then are `Forwarded` / `X-Forwarded-For` believed, because any client can send
//! those headers.

use std::net::IpAddr;

/// Networks whose forwarding headers are believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    networks: Vec<(IpAddr, u8)>,
}

impl TrustedProxies {
    /// Parses a list like `127.0.0.1, 10.0.0.0/8, ::1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut networks = Vec::new();
        for item in list
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let (addr, prefix) = match item.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (item, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("'{item}' is not an IP address or network"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(prefix) => prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("'{item}' has an invalid prefix length"))?,
                None => max,
            };
            networks.push((addr, prefix));
        }
        Ok(Self { networks })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks
            .iter()
            .any(|(network, prefix)| in_network(ip, *network, *prefix))
    }

    /// The client's address: the peer's, or, when the peer is trusted, the right-most address
    /// in the forwarding chain that is not itself a trusted proxy.
    ///
    /// `forwarded_for` are the values of `X-Forwarded-For` in order of appearance; `forwarded`
    /// those of the standard `Forwarded` header (RFC 7239), which wins when both are present.
    pub fn client_ip(&self, peer: IpAddr, forwarded: &[&str], forwarded_for: &[&str]) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let chain: Vec<IpAddr> = if forwarded.is_empty() {
            forwarded_for
                .iter()
                .flat_map(|value| value.split(','))
                .filter_map(parse_node)
                .collect()
        } else {
            forwarded
                .iter()
                .flat_map(|value| value.split(','))
                .filter_map(|element| {
                    element.split(';').find_map(|pair| {
                        let (key, value) = pair.trim().split_once('=')?;
                        key.trim()
                            .eq_ignore_ascii_case("for")
                            .then(|| parse_node(value))
                            .flatten()
                    })
                })
                .collect()
        };
        chain
            .into_iter()
            .rev()
            .find(|hop| !self.contains(*hop))
            .unwrap_or(peer)
    }
}

/// One hop: `1.2.3.4`, `1.2.3.4:5678`, `"[2001:db8::1]:443"`, `2001:db8::1`.
fn parse_node(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = text.strip_prefix('[') {
        return rest
            .split(']')
            .next()?
            .parse::<IpAddr>()
            .ok()
            .map(|ip| ip.to_canonical());
    }
    let (host, _port) = text.rsplit_once(':')?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (ip, network.to_canonical()) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_cannot_spoof_their_address() {
        let proxies = TrustedProxies::parse("10.0.0.0/8").unwrap();
        assert_eq!(
            proxies.client_ip(ip("203.0.113.7"), &[], &["1.2.3.4"]),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn a_trusted_proxy_passes_on_the_first_untrusted_hop_from_the_right() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        // The client claims 6.6.6.6, but the last proxy saw 81.2.69.142.
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), &[], &["6.6.6.6, 81.2.69.142", "10.0.0.3"]),
            ip("81.2.69.142")
        );
        assert_eq!(
            proxies.client_ip(
                ip("::1"),
                &["for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\""],
                &["9.9.9.9"]
            ),
            ip("2001:db8:cafe::17")
        );
    }

    #[test]
    fn garbage_headers_fall_back_to_the_peer() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &["for=unknown"], &[]),
            ip("127.0.0.1")
        );
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), &[], &["not-an-ip, ;;;"]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ipv4_mapped_ipv6_peers_match_ipv4_networks() {
        let proxies = TrustedProxies::parse("127.0.0.0/8").unwrap();
        assert!(proxies.contains(ip("::ffff:127.0.0.1")));
        assert!(!proxies.contains(ip("::ffff:128.0.0.1")));
    }

    #[test]
    fn bad_proxy_lists_are_refused_with_a_reason() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("example.com").is_err());
        assert!(TrustedProxies::parse("").unwrap().networks.is_empty());
    }
}
