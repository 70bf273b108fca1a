//! Finds where a structural path such as `nodes[3].replies[1].goto` stands in a RON text.
//!
//! serde forgets positions once a value is parsed, so validation names what it checks by
//! path and this scanner maps paths back to lines and columns. It never fails: on text it
//! cannot follow it simply knows fewer paths, and callers fall back to the nearest parent.

use std::collections::HashMap;

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
    path: String,
    index: usize,
    field: Option<String>,
    is_map: bool,
    map_key: Option<String>,
}

impl Frame {
    fn child_path(&self) -> String {
        if let Some(field) = &self.field {
            join_field(&self.path, field)
        } else if self.is_map {
            join_field(&self.path, self.map_key.as_deref().unwrap_or(""))
        } else {
            format!("{}[{}]", self.path, self.index)
        }
    }
}

fn join_field(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

/// Positions of every value (and field name) in a RON text, by structural path.
#[derive(Debug, Default)]
pub struct Locator {
    values: HashMap<String, Position>,
}

impl Locator {
    pub fn scan(text: &str) -> Self {
        let mut values = HashMap::new();
        let mut lexer = Lexer::new(text);
        let mut stack: Vec<Frame> = Vec::new();
        let mut lookahead: Option<(Token, Position)> = None;
        let next = |lookahead: &mut Option<(Token, Position)>, lexer: &mut Lexer| {
            lookahead.take().or_else(|| lexer.next_token())
        };
        // Whether the value about to start follows an identifier (`Turn(`): the parenthesis
        // then belongs to the same value rather than starting a new element.
        let mut pending_named: Option<String> = None;
        while let Some((token, pos)) = next(&mut lookahead, &mut lexer) {
            let current_path = match (&pending_named, stack.last()) {
                (Some(path), _) => path.clone(),
                (None, Some(frame)) => frame.child_path(),
                (None, None) => String::new(),
            };
            match token {
                Token::Ident(name) => {
                    // A field name inside a struct: `name:`.
                    let following = next(&mut lookahead, &mut lexer);
                    match following {
                        Some((Token::Colon, _)) if pending_named.is_none() => {
                            if let Some(frame) = stack.last_mut() {
                                frame.field = Some(name);
                                let field_path = frame.child_path();
                                values.entry(format!("{field_path}#field")).or_insert(pos);
                            }
                        }
                        Some((Token::Open(c), open_pos)) => {
                            values.entry(current_path.clone()).or_insert(pos);
                            pending_named = Some(current_path);
                            lookahead = Some((Token::Open(c), open_pos));
                        }
                        other => {
                            values.entry(current_path).or_insert(pos);
                            pending_named = None;
                            lookahead = other;
                        }
                    }
                }
                Token::Open(c) => {
                    values.entry(current_path.clone()).or_insert(pos);
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
                    stack.pop();
                }
                Token::Comma => {
                    pending_named = None;
                    if let Some(frame) = stack.last_mut() {
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
                            values.entry(current_path).or_insert(pos);
                        }
                    }
                }
                Token::Scalar => {
                    pending_named = None;
                    values.entry(current_path).or_insert(pos);
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
