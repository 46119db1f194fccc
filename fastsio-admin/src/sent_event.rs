//! [`event_args`]: the arguments of an encoded event packet, to show what a socket was sent.

/// The JSON array (`["event", ...args]`) of an encoded event packet for namespace `ns`;
/// `None` for other packets (acks, disconnections).
pub(crate) fn event_args<'a>(text: &'a str, ns: &str) -> Option<&'a str> {
    let rest = text.strip_prefix('4')?;
    let rest = match rest.as_bytes().first()? {
        b'2' => &rest[1..],
        b'5' => rest[1..].split_once('-')?.1,
        _ => return None,
    };
    let rest = match ns {
        "/" => rest,
        ns => rest.strip_prefix(ns)?.strip_prefix(',')?,
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    rest.starts_with('[').then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_array_after_any_header() {
        assert_eq!(event_args(r#"42["a",1]"#, "/"), Some(r#"["a",1]"#));
        assert_eq!(event_args(r#"42/chat,7["a"]"#, "/chat"), Some(r#"["a"]"#));
        assert_eq!(
            event_args(r#"451-/[x],["b",{"_placeholder":true,"num":0}]"#, "/[x]"),
            Some(r#"["b",{"_placeholder":true,"num":0}]"#)
        );
        assert_eq!(event_args("43/chat,3[]", "/chat"), None);
        assert_eq!(event_args("41", "/"), None);
        assert_eq!(event_args(r#"42/other,["a"]"#, "/chat"), None);
    }
}
