//! [`NsPattern`]: the path of a dynamic namespace, `/room/{id}`.

/// A `/room/{id}`-style path.
pub(crate) struct NsPattern {
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param(String),
}

impl NsPattern {
    /// `None` when the path has no `{param}`.
    pub fn parse(path: &str) -> Option<NsPattern> {
        if !path.contains('{') {
            return None;
        }
        let segments = path
            .split('/')
            .map(
                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Param(name.to_string()),
                    None => Segment::Literal(s.to_string()),
                },
            )
            .collect();
        Some(NsPattern { segments })
    }

    /// The parameters, if `path` matches.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(l) if l == part => {}
                Segment::Param(name) if !part.is_empty() => {
                    params.push((name.clone(), part.to_string()))
                }
                _ => return None,
            }
        }
        Some(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_segments() {
        let p = NsPattern::parse("/room/{id}").unwrap();
        assert_eq!(
            p.matches("/room/42"),
            Some(vec![("id".to_string(), "42".to_string())])
        );
        assert_eq!(p.matches("/room/"), None);
        assert_eq!(p.matches("/room/4/2"), None);
        assert_eq!(p.matches("/rooms/4"), None);
        assert!(NsPattern::parse("/static").is_none());
    }
}
