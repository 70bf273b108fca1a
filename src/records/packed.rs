//! Transcripts and score cards as stored: the scenario texts they quote are kept once in the
//! `texts` table and referred to by a hash, and the rest is deflated. A transcript of 10–30 KB
//! of JSON becomes 1–2 KB.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Largest transcript accepted when unpacking, so that a damaged row cannot exhaust memory.
const MAX_UNPACKED: usize = 64 << 20;
/// The key that marks a text replaced by its id.
const TEXT_REF: &str = "$text";

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the stored data does not decompress ({0})")]
    Inflate(String),
    #[error("text {0} is missing from the texts table")]
    MissingText(i64),
    #[error("two different texts share the id {0}")]
    Collision(i64),
}

/// FNV-1a, 64 bits, of the two languages: stable across builds and machines.
fn text_id(zh: &str, en: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in zh.bytes().chain([0xff]).chain(en.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash as i64
}

/// `{ "zh": …, "en": … }` and nothing else: a scenario text.
fn as_text(map: &Map<String, Value>) -> Option<(&str, &str)> {
    if map.len() != 2 {
        return None;
    }
    Some((map.get("zh")?.as_str()?, map.get("en")?.as_str()?))
}

/// Replaces every text with a reference, saving new texts; `known` remembers the ids already
/// checked against the table in this process.
fn intern(conn: &Connection, known: &mut HashSet<i64>, value: &mut Value) -> Result<(), PackError> {
    match value {
        Value::Object(map) => {
            if let Some((zh, en)) = as_text(map) {
                let id = text_id(zh, en);
                if !known.contains(&id) {
                    let stored: Option<(String, String)> = conn
                        .prepare_cached("SELECT zh, en FROM texts WHERE id = ?1")?
                        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()?;
                    match stored {
                        Some((z, e)) if z != zh || e != en => return Err(PackError::Collision(id)),
                        Some(_) => {}
                        None => {
                            conn.prepare_cached(
                                "INSERT INTO texts (id, zh, en) VALUES (?1, ?2, ?3)",
                            )?
                            .execute(params![id, zh, en])?;
                        }
                    }
                    known.insert(id);
                }
                *value = serde_json::json!({ TEXT_REF: id });
            } else {
                for v in map.values_mut() {
                    intern(conn, known, v)?;
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                intern(conn, known, v)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn restore(conn: &Connection, value: &mut Value) -> Result<(), PackError> {
    match value {
        Value::Object(map) => {
            if map.len() == 1
                && let Some(id) = map.get(TEXT_REF).and_then(Value::as_i64)
            {
                let (zh, en): (String, String) = conn
                    .prepare_cached("SELECT zh, en FROM texts WHERE id = ?1")?
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                    .ok_or(PackError::MissingText(id))?;
                *value = serde_json::json!({ "zh": zh, "en": en });
            } else {
                for v in map.values_mut() {
                    restore(conn, v)?;
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                restore(conn, v)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The stored form of a value.
pub fn pack<T: Serialize>(
    conn: &Connection,
    known: &mut HashSet<i64>,
    value: &T,
) -> Result<Vec<u8>, PackError> {
    let mut tree = serde_json::to_value(value)?;
    intern(conn, known, &mut tree)?;
    let bytes = serde_json::to_vec(&tree)?;
    Ok(miniz_oxide::deflate::compress_to_vec(&bytes, 3))
}

/// A value from its stored form.
pub fn unpack<T: DeserializeOwned>(conn: &Connection, blob: &[u8]) -> Result<T, PackError> {
    let bytes = miniz_oxide::inflate::decompress_to_vec_with_limit(blob, MAX_UNPACKED)
        .map_err(|e| PackError::Inflate(format!("{:?}", e.status)))?;
    let mut tree: Value = serde_json::from_slice(&bytes)?;
    restore(conn, &mut tree)?;
    Ok(serde_json::from_value(tree)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_kept_once_and_restored() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE texts (id INTEGER PRIMARY KEY, zh TEXT NOT NULL, en TEXT NOT NULL)",
        )
        .unwrap();
        let value = serde_json::json!({
            "say": { "zh": "您好", "en": "Hello" },
            "turns": [{ "say": { "zh": "您好", "en": "Hello" }, "n": 3 }, { "zh": "x", "en": "y", "extra": 1 }],
        });
        let mut known = HashSet::new();
        let blob = pack(&conn, &mut known, &value).unwrap();
        let count: i64 = conn
            .query_row("SELECT COUNT(*) FROM texts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            count, 1,
            "the repeated text is stored once; the 3-key object is not a text"
        );
        let back: Value = unpack(&conn, &blob).unwrap();
        assert_eq!(back, value);
        assert!(matches!(
            unpack::<Value>(&conn, b"not deflate"),
            Err(PackError::Inflate(_))
        ));
    }
}
