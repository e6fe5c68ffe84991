//! The `ip` filter of server lists: Nova treats it as a regular
//! expression; this matcher takes the forms clients send.

/// Whether PostgreSQL would take `re` as a regular expression (a cheap
/// check: balanced brackets and no trailing escape).
pub(crate) fn regex_ok(re: &str) -> bool {
    regex_lite(re).is_some()
}

/// A tiny matcher for the `ip` filter: Nova treats it as a regular
/// expression; this takes the common forms (a prefix or an exact address,
/// `.` as any character, `^` and `$` anchors).
pub(crate) struct IpPattern {
    anchored_start: bool,
    anchored_end: bool,
    body: Vec<char>,
}

pub(crate) fn regex_lite(re: &str) -> Option<IpPattern> {
    let mut depth = 0i32;
    let mut escaped = false;
    for c in re.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return None;
        }
    }
    if depth != 0 || escaped {
        return None;
    }
    let anchored_start = re.starts_with('^');
    let anchored_end = re.ends_with('$') && !re.ends_with("\\$");
    let core = re.trim_start_matches('^').trim_end_matches('$');
    Some(IpPattern {
        anchored_start,
        anchored_end,
        body: core.replace("\\.", "\u{1}").chars().collect(),
    })
}

impl IpPattern {
    pub(crate) fn is_match(&self, s: &str) -> bool {
        let s: Vec<char> = s.chars().collect();
        let n = self.body.len();
        let fits = |at: usize| {
            at + n <= s.len()
                && self.body.iter().enumerate().all(|(i, c)| match c {
                    '.' => true,
                    '\u{1}' => s[at + i] == '.',
                    c => s[at + i] == *c,
                })
        };
        let starts: Vec<usize> = if self.anchored_start {
            vec![0]
        } else {
            (0..=s.len().saturating_sub(n)).collect()
        };
        starts
            .into_iter()
            .any(|at| fits(at) && (!self.anchored_end || at + n == s.len()))
    }
}
