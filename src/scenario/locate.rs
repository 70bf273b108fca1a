//! Finds where a structural path such as `nodes[3].replies[1].goto` stands in a RON text.
//!
//! serde forgets positions once a value is parsed, so validation names what it checks by
//! path and this scanner maps paths back to lines and columns. It never fails: on text it
//! cannot follow it simply knows fewer paths, and callers fall back to the nearest parent.

use std::collections::{HashMap, HashSet};

use super::diagnostics::Position;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Scalar,
    Open(char),
    Close,
    Comma,
    Colon,
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    col: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            chars: text.chars().peekable(),
            line: 1,
            col: 1,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn skip_trivia(&mut self) {
        loop {
            match self.chars.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') => {
                    let mut ahead = self.chars.clone();
                    ahead.next();
                    match ahead.peek() {
                        Some('/') => {
                            while let Some(c) = self.bump() {
                                if c == '\n' {
                                    break;
                                }
                            }
                        }
                        Some('*') => {
                            self.bump();
                            self.bump();
                            let mut depth = 1usize;
                            while depth > 0 {
                                match self.bump() {
                                    None => return,
                                    Some('*') if self.chars.peek() == Some(&'/') => {
                                        self.bump();
                                        depth -= 1;
                                    }
                                    Some('/') if self.chars.peek() == Some(&'*') => {
                                        self.bump();
                                        depth += 1;
                                    }
                                    Some(_) => {}
                                }
                            }
                        }
                        _ => return,
                    }
                }
                _ => return,
            }
        }
    }

    fn quoted(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => {
                    if let Some(e) = self.bump() {
                        out.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    }
                }
                c => out.push(c),
            }
        }
        out
    }

    fn raw_string(&mut self) -> String {
        let mut hashes = 0usize;
        while self.chars.peek() == Some(&'#') {
            self.bump();
            hashes += 1;
        }
        self.bump(); // the opening quote
        let mut out = String::new();
        while let Some(c) = self.bump() {
            if c == '"' {
                let mut ahead = self.chars.clone();
                if (0..hashes).all(|_| ahead.next() == Some('#')) {
                    for _ in 0..hashes {
                        self.bump();
                    }
                    break;
                }
            }
            out.push(c);
        }
        out
    }

    fn next_token(&mut self) -> Option<(Token, Position)> {
        self.skip_trivia();
        let pos = Position::new(self.line, self.col);
        let c = *self.chars.peek()?;
        let token = match c {
            '(' | '[' | '{' => {
                self.bump();
                Token::Open(c)
            }
            ')' | ']' | '}' => {
                self.bump();
                Token::Close
            }
            ',' => {
                self.bump();
                Token::Comma
            }
            ':' => {
                self.bump();
                Token::Colon
            }
            '"' => {
                self.bump();
                Token::Str(self.quoted())
            }
            '\'' => {
                self.bump();
                while let Some(c) = self.bump() {
                    match c {
                        '\\' => {
                            self.bump();
                        }
                        '\'' => break,
                        _ => {}
                    }
                }
                Token::Scalar
            }
            'r' | 'b' => {
                let mut ahead = self.chars.clone();
                ahead.next();
                let next = ahead.peek().copied();
                if c == 'r' && matches!(next, Some('"') | Some('#')) {
                    self.bump();
                    Token::Str(self.raw_string())
                } else if c == 'b' && next == Some('"') {
                    self.bump();
                    self.bump();
                    Token::Str(self.quoted())
                } else {
                    Token::Ident(self.word())
                }
            }
            c if c.is_alphabetic() || c == '_' => Token::Ident(self.word()),
            _ => {
                // Numbers and anything unexpected: consume one run so the scan always advances.
                let mut any = false;
                while let Some(&c) = self.chars.peek() {
                    if c.is_alphanumeric() || matches!(c, '.' | '+' | '-' | '_') {
                        self.bump();
                        any = true;
                    } else {
                        break;
                    }
                }
                if !any {
                    self.bump();
                }
                Token::Scalar
            }
        };
        Some((token, pos))
    }

    fn word(&mut self) -> String {
        let mut out = String::new();
        while let Some(&c) = self.chars.peek() {
            if c.is_alphanumeric() || c == '_' || c == '#' {
                out.push(c);
                self.bump();
            } else {
                break;
            }
        }
        out
    }
}

struct Frame {
    /// None when no wanted path goes through this value.
    path: Option<String>,
    index: usize,
    field: Option<String>,
    is_map: bool,
    map_key: Option<String>,
}

impl Frame {
    fn child_path(&self) -> Option<String> {
        let path = self.path.as_deref()?;
        Some(if let Some(field) = &self.field {
            join_field(path, field)
        } else if self.is_map {
            join_field(path, self.map_key.as_deref().unwrap_or(""))
        } else {
            format!("{path}[{}]", self.index)
        })
    }
}

fn join_field(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

/// Positions of values (and field names) in a RON text, by structural path.
#[derive(Debug, Default)]
pub struct Locator {
    values: HashMap<String, Position>,
}

/// The paths a scan records: every one, or only those a few diagnostics need (with their
/// ancestors, for the fallback to the nearest parent). A file of thousands of nodes with two
/// warnings then builds a few paths per element, not every path in the file.
enum Wanted {
    All,
    Only(HashSet<String>),
}

impl Wanted {
    fn only(paths: &[&str]) -> Wanted {
        let mut set = HashSet::new();
        set.insert(String::new());
        for path in paths {
            set.insert(format!("{path}#field"));
            let mut cut = *path;
            loop {
                set.insert(cut.to_string());
                match cut.rfind(['.', '[']) {
                    Some(at) => cut = &cut[..at],
                    None => break,
                }
            }
        }
        Wanted::Only(set)
    }

    fn has(&self, path: &str) -> bool {
        match self {
            Wanted::All => true,
            Wanted::Only(set) => set.contains(path),
        }
    }

    /// The wanted paths a scan has still to meet: None when every path is wanted.
    fn outstanding(&self) -> Option<Vec<String>> {
        match self {
            Wanted::All => None,
            Wanted::Only(set) => Some(set.iter().filter(|p| !p.is_empty()).cloned().collect()),
        }
    }
}

/// Forgets the outstanding paths at or under `element`: a list element, once the list has moved
/// past it, never comes back, so nothing under it can still be found.
fn settle(outstanding: &mut Option<Vec<String>>, element: &str) {
    if let Some(paths) = outstanding {
        paths.retain(|p| {
            !(p.strip_prefix(element)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[', '#'])))
        });
    }
}

/// The path of the list element a frame is in, when the frame is a list (or tuple) rather than
/// a struct or a map.
fn list_element(frame: &Frame) -> Option<String> {
    if frame.field.is_none() && !frame.is_map {
        frame.child_path()
    } else {
        None
    }
}

impl Locator {
    /// Every path in the text.
    pub fn scan(text: &str) -> Self {
        Self::scan_wanted(text, &Wanted::All)
    }

    /// Only what finding `paths` (and their fields) needs; `find` answers as `scan`'s would.
    pub fn scan_for(text: &str, paths: &[&str]) -> Self {
        Self::scan_wanted(text, &Wanted::only(paths))
    }

    fn scan_wanted(text: &str, wanted: &Wanted) -> Self {
        let mut values = HashMap::new();
        // The scan stops once every wanted path has been found or passed, so a few warnings near
        // the top of a large file do not cost a pass over all of it.
        let mut outstanding = wanted.outstanding();
        let mut record = |outstanding: &mut Option<Vec<String>>, path: &str, pos: Position| {
            if wanted.has(path) && !values.contains_key(path) {
                values.insert(path.to_string(), pos);
                if let Some(paths) = outstanding {
                    paths.retain(|p| p != path);
                }
            }
        };
        let mut lexer = Lexer::new(text);
        let mut stack: Vec<Frame> = Vec::new();
        let mut lookahead: Option<(Token, Position)> = None;
        let next = |lookahead: &mut Option<(Token, Position)>, lexer: &mut Lexer| {
            lookahead.take().or_else(|| lexer.next_token())
        };
        // Whether the value about to start follows an identifier (`Turn(`): the parenthesis
        // then belongs to the same value rather than starting a new element.
        let mut pending_named: Option<Option<String>> = None;
        while let Some((token, pos)) = next(&mut lookahead, &mut lexer) {
            if outstanding.as_ref().is_some_and(Vec::is_empty) {
                break;
            }
            // None: a path no wanted path goes through, so neither it nor anything under it
            // is recorded, and its text is never built.
            let current_path: Option<String> = match (&pending_named, stack.last()) {
                (Some(path), _) => path.clone(),
                (None, Some(frame)) => frame.child_path().filter(|p| wanted.has(p)),
                (None, None) => Some(String::new()),
            };
            match token {
                Token::Ident(name) => {
                    // A field name inside a struct: `name:`.
                    let following = next(&mut lookahead, &mut lexer);
                    match following {
                        Some((Token::Colon, _)) if pending_named.is_none() => {
                            if let Some(frame) = stack.last_mut() {
                                frame.field = Some(name);
                                if let Some(field_path) = frame.child_path() {
                                    record(&mut outstanding, &format!("{field_path}#field"), pos);
                                }
                            }
                        }
                        Some((Token::Open(c), open_pos)) => {
                            if let Some(path) = &current_path {
                                record(&mut outstanding, path, pos);
                            }
                            pending_named = Some(current_path);
                            lookahead = Some((Token::Open(c), open_pos));
                        }
                        other => {
                            if let Some(path) = &current_path {
                                record(&mut outstanding, path, pos);
                            }
                            pending_named = None;
                            lookahead = other;
                        }
                    }
                }
                Token::Open(c) => {
                    if let Some(path) = &current_path {
                        record(&mut outstanding, path, pos);
                    }
                    pending_named = None;
                    stack.push(Frame {
                        path: current_path,
                        index: 0,
                        field: None,
                        is_map: c == '{',
                        map_key: None,
                    });
                }
                Token::Close => {
                    pending_named = None;
                    if let Some(element) = stack.pop().as_ref().and_then(list_element) {
                        settle(&mut outstanding, &element);
                    }
                }
                Token::Comma => {
                    pending_named = None;
                    if let Some(frame) = stack.last_mut() {
                        if let Some(element) = list_element(frame) {
                            settle(&mut outstanding, &element);
                        }
                        frame.index += 1;
                        frame.field = None;
                        frame.map_key = None;
                    }
                }
                Token::Colon => {}
                Token::Str(s) => {
                    pending_named = None;
                    match stack.last_mut() {
                        Some(frame) if frame.is_map && frame.map_key.is_none() => {
                            frame.map_key = Some(s);
                        }
                        _ => {
                            if let Some(path) = &current_path {
                                record(&mut outstanding, path, pos);
                            }
                        }
                    }
                }
                Token::Scalar => {
                    pending_named = None;
                    if let Some(path) = &current_path {
                        record(&mut outstanding, path, pos);
                    }
                }
            }
        }
        Locator { values }
    }

    /// The position of the value at `path`, or of its nearest ancestor that is known.
    pub fn find(&self, path: &str) -> Position {
        let mut path = path;
        loop {
            if let Some(pos) = self.values.get(path) {
                return *pos;
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = &path[..cut],
                None => return self.values.get("").copied().unwrap_or(Position::new(1, 1)),
            }
        }
    }

    /// The position of a field's name (`goto:`), falling back to its value.
    pub fn find_field(&self, path: &str) -> Position {
        self.values
            .get(&format!("{path}#field"))
            .copied()
            .unwrap_or_else(|| self.find(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"Scenario(
    id: "x", // comment with "quote"
    nodes: [
        Turn(
            id: "a",
            replies: [
                (text: (zh: "好", en: "ok"), goto: "b"),
                Reply(goto: "c", requires: Not(Flag("f"))),
            ],
        ),
        /* block /* nested */ */ Ending(id: "b"),
    ],
    map: { "k": 5 },
)"#;

    #[test]
    fn finds_nested_values() {
        let loc = Locator::scan(SAMPLE);
        assert_eq!(loc.find("id"), Position::new(2, 9));
        assert_eq!(loc.find("nodes[0].id"), Position::new(5, 17));
        assert_eq!(loc.find("nodes[0].replies[0].goto"), Position::new(7, 51));
        assert_eq!(
            loc.find("nodes[0].replies[0].text.en"),
            Position::new(7, 38)
        );
        assert_eq!(loc.find("nodes[0].replies[1].goto"), Position::new(8, 29));
        assert_eq!(
            loc.find("nodes[0].replies[1].requires[0][0]"),
            Position::new(8, 53)
        );
        assert_eq!(loc.find("nodes[1].id"), Position::new(11, 45));
        assert_eq!(loc.find("map.k"), Position::new(13, 17));
    }

    #[test]
    fn falls_back_to_the_nearest_known_parent() {
        let loc = Locator::scan(SAMPLE);
        assert_eq!(loc.find("nodes[0].replies[7].goto"), Position::new(6, 22));
        assert_eq!(loc.find_field("nodes[0].id"), Position::new(5, 13));
    }

    #[test]
    fn a_scan_for_some_paths_finds_them_as_a_full_scan_does() {
        let all = Locator::scan(SAMPLE);
        for path in [
            "id",
            "nodes[0].id",
            "nodes[0].replies[0].goto",
            "nodes[0].replies[0].text.en",
            "nodes[0].replies[1].requires[0][0]",
            "nodes[0].replies[7].goto",
            "nodes[1].id",
            "map.k",
            "nowhere.at[3]",
        ] {
            let some = Locator::scan_for(SAMPLE, &[path, "nodes[1].id"]);
            assert_eq!(some.find(path), all.find(path), "{path}");
            assert_eq!(some.find_field(path), all.find_field(path), "{path}");
        }
        let some = Locator::scan_for(SAMPLE, &["nodes[1].id"]);
        assert!(some.values.len() < all.values.len() / 3);
    }

    /// The scan for a few paths stops early; every path of a real scenario, alone or with one
    /// near the end of the file, must still be found where the full scan finds it.
    #[test]
    fn a_scan_that_stops_early_still_finds_every_path() {
        let text = include_str!("../../scenarios/case1_seven_calls.ron");
        let all = Locator::scan(text);
        let mut paths: Vec<&String> = all.values.keys().collect();
        paths.sort();
        let last = paths
            .iter()
            .max_by_key(|p| all.values[p.as_str()])
            .map(|p| p.trim_end_matches("#field"))
            .unwrap_or("");
        for path in paths.iter().step_by(3) {
            let path = path.trim_end_matches("#field");
            for wanted in [vec![path], vec![path, last]] {
                let some = Locator::scan_for(text, &wanted);
                assert_eq!(some.find(path), all.find(path), "{path}");
                assert_eq!(some.find_field(path), all.find_field(path), "{path}");
            }
        }
    }

    #[test]
    fn survives_garbage() {
        for text in [
            "((((",
            ")))",
            "\"unterminated",
            "/* open",
            "r#\"x",
            "'",
            "a:b:c",
        ] {
            let loc = Locator::scan(text);
            let _ = loc.find("a.b[3]");
        }
    }
}
