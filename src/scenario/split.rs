//! Parsing a large scenario file on several cores: its node list is cut between nodes and the
//! parts are parsed side by side, giving exactly what one parse of the whole file gives.
//!
//! The cut is found by a small scanner that knows just enough RON (strings, comments,
//! brackets) to tell where each node of the top-level `nodes: [...]` list ends. Anything it is
//! not sure of (raw strings, characters, attributes, deep nesting) leaves the file to the
//! ordinary parse, and so does any error in a part: the error a trainer sees always comes
//! from parsing the whole file, with its real line and column.

use super::raw::{RawNode, RawScenario};

/// Files smaller than this are parsed in one go: below it, starting threads costs more than
/// it saves.
pub const PARALLEL_FROM_BYTES: usize = 512 * 1024;

/// The deepest bracket nesting the scanner accepts. Far below the parser's own limit, so that
/// a part (one level shallower than in the whole file) can never pass where the whole fails.
const MAX_SCANNED_DEPTH: usize = 16;

/// Where the top-level node list is: its brackets and the commas between its nodes.
#[derive(Debug, PartialEq, Eq)]
pub struct NodeList {
    /// The byte offset of `[`.
    pub open: usize,
    /// The byte offset of the matching `]`.
    pub close: usize,
    /// The byte offsets of the commas between the list's items.
    pub commas: Vec<usize>,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Skips blanks and comments from `i`; None when a block comment is not closed.
fn skip_blanks(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        match (bytes.get(i), bytes.get(i + 1)) {
            (Some(b'/'), Some(b'/')) => {
                i = bytes[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |at| i + at + 1);
            }
            (Some(b'/'), Some(b'*')) => {
                // RON's block comments nest.
                let mut depth = 0usize;
                loop {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (Some(b'/'), Some(b'*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some(b'*'), Some(b'/')) => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (Some(_), _) => i += 1,
                        (None, _) => return None,
                    }
                }
            }
            _ => return Some(i),
        }
    }
}

/// Finds the node list of a scenario file, or None when the file is not plainly laid out
/// (the ordinary parse then reads it, and reports whatever is wrong).
pub fn node_list(text: &str) -> Option<NodeList> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut list: Option<(usize, usize)> = None; // (open, depth inside the list)
    let mut found: Option<NodeList> = None;
    let mut commas = Vec::new();
    let mut i = skip_blanks(bytes, 0)?;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                i += 1;
                loop {
                    match bytes.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => {
                            // Jump to the next quote or backslash.
                            i += bytes[i..]
                                .iter()
                                .position(|&c| c == b'"' || c == b'\\')
                                .unwrap_or(bytes.len() - i);
                        }
                    }
                }
                i += 1;
            }
            // Characters, attributes and raw strings or identifiers: not worth the risk.
            b'\'' | b'#' => return None,
            b'/' => {
                let after = skip_blanks(bytes, i)?;
                if after == i {
                    // A lone slash is not RON.
                    return None;
                }
                i = after;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_SCANNED_DEPTH {
                    return None;
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                if depth == 0 {
                    return None;
                }
                if let Some((open, inside)) = list
                    && depth == inside
                {
                    if b != b']' {
                        return None;
                    }
                    found = Some(NodeList {
                        open,
                        close: i,
                        commas: std::mem::take(&mut commas),
                    });
                    list = None;
                }
                depth -= 1;
                i += 1;
            }
            b',' => {
                if list.is_some_and(|(_, inside)| depth == inside) {
                    commas.push(i);
                }
                i += 1;
            }
            _ if is_ident_byte(b) => {
                let start = i;
                while bytes.get(i).is_some_and(|&c| is_ident_byte(c)) {
                    i += 1;
                }
                if depth == 1 && &bytes[start..i] == b"nodes" {
                    if found.is_some() || list.is_some() {
                        // Named twice: the ordinary parse reports it.
                        return None;
                    }
                    let colon = skip_blanks(bytes, i)?;
                    if bytes.get(colon) != Some(&b':') {
                        return None;
                    }
                    let open = skip_blanks(bytes, colon + 1)?;
                    if bytes.get(open) != Some(&b'[') {
                        return None;
                    }
                    depth += 1;
                    list = Some((open, depth));
                    i = open + 1;
                }
            }
            _ => i += 1,
        }
    }
    if depth != 0 || list.is_some() {
        return None;
    }
    found
}

/// Parses `text` as the parser `parse` would, cutting its node list into `parts` parts parsed
/// on as many threads. Falls back to one parse of the whole text whenever the cut is not
/// plain or a part does not parse, so the result is always the whole parse's.
pub fn parse_in_parts<E>(
    text: &str,
    parts: usize,
    parse: impl Fn(&str) -> Result<RawScenario, E> + Sync,
    parse_nodes: impl Fn(&str) -> Result<Vec<RawNode>, E> + Sync,
) -> Result<RawScenario, E>
where
    E: Send,
{
    if parts < 2 {
        return parse(text);
    }
    let Some(list) = node_list(text) else {
        return parse(text);
    };
    let pieces = pieces(text, &list, parts);
    let head = format!("{}{}", &text[..=list.open], &text[list.close..]);
    let results: Vec<Option<Vec<RawNode>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = pieces[1..]
            .iter()
            .map(|piece| scope.spawn(|| parse_nodes(piece).ok()))
            .collect();
        let mut results = vec![parse_nodes(&pieces[0]).ok()];
        // A worker that panicked gives no part, so the whole text is parsed again below.
        results.extend(workers.into_iter().map(|w| w.join().ok().flatten()));
        results
    });
    let (Ok(mut scenario), Some(nodes)) = (
        parse(&head),
        results.into_iter().collect::<Option<Vec<_>>>(),
    ) else {
        return parse(text);
    };
    if !scenario.nodes.is_empty() {
        return parse(text);
    }
    scenario.nodes = nodes.into_iter().flatten().collect();
    Ok(scenario)
}

/// The node list cut at commas into about `parts` pieces of similar size, each a list of its
/// own (`[` … `]`).
fn pieces(text: &str, list: &NodeList, parts: usize) -> Vec<String> {
    let inner = list.close - list.open - 1;
    let mut pieces = Vec::with_capacity(parts);
    let mut start = list.open + 1;
    let mut commas = list.commas.iter().copied().peekable();
    for k in 1..parts {
        let goal = list.open + 1 + inner * k / parts;
        let mut cut = None;
        while let Some(&comma) = commas.peek() {
            commas.next();
            if comma >= goal {
                cut = Some(comma);
                break;
            }
        }
        let Some(cut) = cut else { break };
        pieces.push(format!("[{}]", &text[start..cut]));
        start = cut + 1;
    }
    pieces.push(format!("[{}]", &text[start..list.close]));
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_commas_between_nodes_only() {
        let text = r#"Scenario(id: "a, [b]", nodes: [Turn(id: "x", say: [(zh: "，", en: ")")]), /* ] , */ Ending(id: "y"), // ],
        ], flags: ["nodes"])"#;
        let list = node_list(text).expect("plain layout");
        assert_eq!(&text[list.open..=list.open], "[");
        assert_eq!(&text[list.close..=list.close], "]");
        assert_eq!(list.commas.len(), 2, "{list:?}");
        assert!(text[list.commas[0]..].starts_with(", /*"));
        assert!(text[list.close + 1..].starts_with(", flags"));
    }

    #[test]
    fn leaves_unusual_files_to_the_ordinary_parse() {
        for text in [
            "#![enable(implicit_some)]\nScenario(nodes: [])",
            "Scenario(nodes: [Turn(c: 'x')])",
            "Scenario(nodes: [], nodes: [])",
            "Scenario(nodes: [Turn(]",
            "Scenario(nodes: [Turn(id: \"x)])",
            "Scenario(nodes: [] /* open",
            "Scenario(nodes: ((((((((((((((((((1)))))))))))))))))))",
            "Scenario(id: \"x\")",
            "Scenario(nodes: [1 / 2])",
        ] {
            assert_eq!(node_list(text), None, "{text}");
        }
    }

    #[test]
    fn pieces_cover_every_node_once() {
        let text = "Scenario(nodes: [A(1), B(2), C(3), D(4),])";
        let list = node_list(text).expect("plain layout");
        for parts in 1..6 {
            let pieces = pieces(text, &list, parts);
            let joined: String = pieces
                .iter()
                .map(|p| p.trim_start_matches('[').trim_end_matches(']'))
                .collect::<Vec<_>>()
                .join(",");
            assert_eq!(joined, "A(1), B(2), C(3), D(4),", "{parts} parts");
        }
    }
}
