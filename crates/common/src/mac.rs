//! MAC addresses in the one form Stratus stores and renders them in
//! (`aa:bb:cc:dd:ee:ff`): the API checks with these, and each agent checks
//! again before a MAC reaches nft, dnsmasq, netlink or libvirt.

/// `aa:bb:cc:dd:ee:ff`.
pub fn format(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The six bytes of a MAC written `aa:bb:cc:dd:ee:ff` (two hex digits a
/// byte, nothing else).
pub fn parse(text: &str) -> Option<Vec<u8>> {
    let bytes: Vec<u8> = text
        .split(':')
        .map(|p| {
            (p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
                .then(|| u8::from_str_radix(p, 16).ok())
                .flatten()
        })
        .collect::<Option<_>>()?;
    (bytes.len() == 6).then_some(bytes)
}

/// `text` as a MAC in canonical form, or `None`.
pub fn canonical(text: &str) -> Option<String> {
    parse(text).map(|b| format(&b))
}

/// `text` as a canonical unicast MAC (the group bit clear), or `None`.
pub fn canonical_unicast(text: &str) -> Option<String> {
    parse(text)
        .filter(|b| b.first().is_some_and(|first| first & 1 == 0))
        .map(|b| format(&b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_six_hex_pairs_are_macs() {
        assert_eq!(
            super::canonical("FA:16:3E:00:00:01").as_deref(),
            Some("fa:16:3e:00:00:01")
        );
        for bad in [
            "zz; }",
            "fa:16:3e:00:00",
            "fa:16:3e:00:00:01:02",
            "fa-16-3e-00-00-01",
            "+a:16:3e:00:00:01",
            "",
        ] {
            assert_eq!(super::canonical(bad), None, "{bad}");
        }
        assert_eq!(super::canonical_unicast("01:00:5e:00:00:01"), None);
    }
}
