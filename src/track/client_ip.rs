//! Which address a request really came from, and whether it came over https.
//!
//! The socket's peer address is the truth unless the peer is a reverse proxy we were told to
//! trust; only then is a forwarding header believed, because any client can send one. And only
//! the one header the proxy is configured to set ([`ClientIpHeader`]): a proxy that sets
//! `X-Forwarded-For` passes a client's own `Forwarded` header through untouched, so believing
//! whichever header is present would let the client name its own address.

use std::net::IpAddr;

/// The header trusted proxies put the client's address in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientIpHeader {
    /// `X-Forwarded-For: client, proxy1, …`, each proxy appending its peer (nginx's
    /// `$proxy_add_x_forwarded_for`, most load balancers).
    #[default]
    XForwardedFor,
    /// The standard `Forwarded: for=client;proto=https, for=proxy1` (RFC 7239).
    Forwarded,
    /// `X-Real-IP: client`: one address, set (not appended) by the proxy.
    XRealIp,
}

impl ClientIpHeader {
    /// The header's name, lower-case.
    pub fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
            Self::XRealIp => "x-real-ip",
        }
    }

    /// Where the same proxy says which scheme the client used: `proto=` in `Forwarded` when
    /// that is the header it sets, otherwise `X-Forwarded-Proto`.
    fn proto_header(self) -> &'static str {
        match self {
            Self::Forwarded => "forwarded",
            Self::XForwardedFor | Self::XRealIp => "x-forwarded-proto",
        }
    }
}

/// Networks whose forwarding header is believed, and which header that is.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    networks: Vec<(IpAddr, u8)>,
    header: ClientIpHeader,
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
        Ok(Self {
            networks,
            header: ClientIpHeader::default(),
        })
    }

    /// The same networks, believing `header` instead.
    pub fn with_header(self, header: ClientIpHeader) -> Self {
        Self { header, ..self }
    }

    /// The one header whose addresses are believed (from trusted peers).
    pub fn header(&self) -> ClientIpHeader {
        self.header
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks
            .iter()
            .any(|(network, prefix)| in_network(ip, *network, *prefix))
    }

    /// The client's address: the peer's, or, when the peer is trusted, what the configured
    /// header says: the right-most address in its chain that is not itself a trusted proxy
    /// (`X-Real-IP`: its one address).
    ///
    /// `values` gives a header's values in order of appearance, by lower-case name; only the
    /// configured header is asked for.
    pub fn client_ip<'h>(&self, peer: IpAddr, values: impl Fn(&str) -> Vec<&'h str>) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.contains(peer) {
            return peer;
        }
        let found = values(self.header.name());
        let chain: Vec<IpAddr> = match self.header {
            ClientIpHeader::XForwardedFor => found
                .iter()
                .flat_map(|value| value.split(','))
                .filter_map(parse_node)
                .collect(),
            ClientIpHeader::Forwarded => forwarded_elements(&found)
                .filter_map(|element| element.for_node)
                .collect(),
            // One address set by the proxy: there is no chain to walk, and a trusted
            // address in it is as good as any (the proxy vouches for it).
            ClientIpHeader::XRealIp => {
                return found.last().copied().and_then(parse_node).unwrap_or(peer);
            }
        };
        chain
            .into_iter()
            .rev()
            .find(|hop| !self.contains(*hop))
            .unwrap_or(peer)
    }

    /// Whether the client reached the trusted proxy in front of us over https, as that proxy
    /// says: the right-most `X-Forwarded-Proto` (a client's own value comes first, the proxy
    /// appends or replaces), or, when the configured header is `Forwarded`, the `proto=` of
    /// the element that names the client's address. Never believed from an untrusted peer.
    pub fn forwarded_https<'h>(&self, peer: IpAddr, values: impl Fn(&str) -> Vec<&'h str>) -> bool {
        if !self.contains(peer.to_canonical()) {
            return false;
        }
        let found = values(self.header.proto_header());
        let proto = match self.header {
            ClientIpHeader::Forwarded => forwarded_elements(&found)
                .filter(|element| element.for_node.is_some_and(|hop| !self.contains(hop)))
                .last()
                .and_then(|element| element.proto),
            ClientIpHeader::XForwardedFor | ClientIpHeader::XRealIp => {
                found.iter().flat_map(|value| value.split(',')).next_back()
            }
        };
        proto.is_some_and(|proto| proto.trim().trim_matches('"').eq_ignore_ascii_case("https"))
    }
}

/// One element of a `Forwarded` header: the parameters this code reads.
struct ForwardedElement<'h> {
    /// `for=`, when it is an address (not `unknown` or an obfuscated name).
    for_node: Option<IpAddr>,
    proto: Option<&'h str>,
}

/// The elements of `Forwarded` header values, left to right.
fn forwarded_elements<'h>(values: &[&'h str]) -> impl Iterator<Item = ForwardedElement<'h>> {
    values
        .iter()
        .copied()
        .flat_map(|value| value.split(','))
        .map(|element| {
            let mut parsed = ForwardedElement {
                for_node: None,
                proto: None,
            };
            for pair in element.split(';') {
                let Some((key, value)) = pair.trim().split_once('=') else {
                    continue;
                };
                let key = key.trim();
                if key.eq_ignore_ascii_case("for") {
                    parsed.for_node = parse_node(value);
                } else if key.eq_ignore_ascii_case("proto") {
                    parsed.proto = Some(value);
                }
            }
            parsed
        })
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

    /// A request's headers as `client_ip` asks for them: (lower-case name, value) pairs.
    fn headers<'h>(pairs: &'h [(&'h str, &'h str)]) -> impl Fn(&str) -> Vec<&'h str> {
        move |name| {
            pairs
                .iter()
                .filter(|(header, _)| *header == name)
                .map(|(_, value)| *value)
                .collect()
        }
    }

    fn trusting(list: &str, header: ClientIpHeader) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap().with_header(header)
    }

    #[test]
    fn untrusted_peers_cannot_spoof_their_address() {
        let sent = [
            ("x-forwarded-for", "1.2.3.4"),
            ("forwarded", "for=1.2.3.4"),
            ("x-real-ip", "1.2.3.4"),
        ];
        for header in [
            ClientIpHeader::XForwardedFor,
            ClientIpHeader::Forwarded,
            ClientIpHeader::XRealIp,
        ] {
            let proxies = trusting("10.0.0.0/8", header);
            assert_eq!(
                proxies.client_ip(ip("203.0.113.7"), headers(&sent)),
                ip("203.0.113.7"),
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_trusted_proxy_passes_on_the_first_untrusted_hop_from_the_right() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        // The client claims 6.6.6.6, but the last proxy saw 81.2.69.142.
        let sent = [
            ("x-forwarded-for", "6.6.6.6, 81.2.69.142"),
            ("x-forwarded-for", "10.0.0.3"),
        ];
        assert_eq!(
            proxies.client_ip(ip("10.0.0.2"), headers(&sent)),
            ip("81.2.69.142")
        );
        let proxies = proxies.with_header(ClientIpHeader::Forwarded);
        let sent = [(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"",
        )];
        assert_eq!(
            proxies.client_ip(ip("::1"), headers(&sent)),
            ip("2001:db8:cafe::17")
        );
    }

    #[test]
    fn a_client_sent_forwarded_header_is_ignored_when_the_proxy_sets_x_forwarded_for() {
        // nginx appends to X-Forwarded-For and passes the client's own Forwarded through.
        let proxies = trusting("127.0.0.1", ClientIpHeader::XForwardedFor);
        let sent = [
            ("forwarded", "for=6.6.6.6"),
            ("x-forwarded-for", "81.2.69.142"),
        ];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&sent)),
            ip("81.2.69.142")
        );
        let only_forwarded = [("forwarded", "for=6.6.6.6")];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&only_forwarded)),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn with_x_real_ip_only_its_one_address_is_believed() {
        let proxies = trusting("127.0.0.1", ClientIpHeader::XRealIp);
        let sent = [
            ("x-real-ip", " 81.2.69.142 "),
            ("x-forwarded-for", "6.6.6.6"),
            ("forwarded", "for=6.6.6.6"),
        ];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&sent)),
            ip("81.2.69.142")
        );
        let others_only = [("x-forwarded-for", "6.6.6.6"), ("forwarded", "for=6.6.6.6")];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&others_only)),
            ip("127.0.0.1")
        );
        let chain = [("x-real-ip", "6.6.6.6, 81.2.69.142")];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&chain)),
            ip("127.0.0.1"),
            "a list is not one address"
        );
    }

    #[test]
    fn with_forwarded_a_client_sent_x_forwarded_for_is_ignored() {
        let proxies = trusting("127.0.0.1", ClientIpHeader::Forwarded);
        let sent = [
            ("x-forwarded-for", "6.6.6.6"),
            ("forwarded", "for=6.6.6.6, for=81.2.69.142;proto=https"),
        ];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&sent)),
            ip("81.2.69.142")
        );
        let only_x_forwarded_for = [("x-forwarded-for", "6.6.6.6")];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&only_x_forwarded_for)),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn https_is_believed_only_from_a_trusted_proxy_and_its_own_header() {
        let proxies = trusting("127.0.0.1", ClientIpHeader::XForwardedFor);
        let https = [("x-forwarded-proto", "https")];
        assert!(proxies.forwarded_https(ip("127.0.0.1"), headers(&https)));
        assert!(!proxies.forwarded_https(ip("203.0.113.7"), headers(&https)));
        // The client said https, the proxy appended what it saw.
        let appended = [("x-forwarded-proto", "https, http")];
        assert!(!proxies.forwarded_https(ip("127.0.0.1"), headers(&appended)));
        let forwarded = [("forwarded", "for=81.2.69.142;proto=https")];
        assert!(!proxies.forwarded_https(ip("127.0.0.1"), headers(&forwarded)));
        assert!(!proxies.forwarded_https(ip("127.0.0.1"), headers(&[])));

        let proxies = trusting("127.0.0.1, 10.0.0.0/8", ClientIpHeader::Forwarded);
        let sent = [
            ("x-forwarded-proto", "http"),
            (
                "forwarded",
                "for=6.6.6.6;proto=http, for=81.2.69.142;proto=\"HTTPS\", for=10.0.0.5;proto=http",
            ),
        ];
        assert!(proxies.forwarded_https(ip("127.0.0.1"), headers(&sent)));
        let plain = [("forwarded", "for=81.2.69.142;proto=http")];
        assert!(!proxies.forwarded_https(ip("127.0.0.1"), headers(&plain)));
        assert!(!proxies.forwarded_https(ip("127.0.0.1"), headers(&https)));
    }

    #[test]
    fn garbage_headers_fall_back_to_the_peer() {
        let proxies = trusting("127.0.0.1", ClientIpHeader::Forwarded);
        let unknown = [("forwarded", "for=unknown")];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&unknown)),
            ip("127.0.0.1")
        );
        let proxies = proxies.with_header(ClientIpHeader::XForwardedFor);
        let garbage = [("x-forwarded-for", "not-an-ip, ;;;")];
        assert_eq!(
            proxies.client_ip(ip("127.0.0.1"), headers(&garbage)),
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
