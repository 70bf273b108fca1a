//! The trainer/HR password: set on first use, kept only as an Argon2id hash.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use thiserror::Error;

use super::{Db, RecordsError};

const KEY: &str = "trainer_password";
/// Shortest password accepted, in characters.
pub const MIN_CHARS: usize = 8;

#[derive(Debug, Error)]
pub enum PasswordError {
    #[error("the password must have at least {MIN_CHARS} characters")]
    TooShort,
    #[error("the two passwords differ")]
    Mismatch,
    #[error("wrong password")]
    Wrong,
    #[error("a trainer password is already set")]
    AlreadySet,
    #[error("the stored password hash is unreadable; ask whoever looks after this machine")]
    BadHash,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error(transparent)]
    Records(#[from] RecordsError),
}

impl PasswordError {
    pub fn message_zh(&self) -> String {
        match self {
            PasswordError::TooShort => format!("密码至少需要 {MIN_CHARS} 个字符。"),
            PasswordError::Mismatch => "两次输入的密码不一致。".into(),
            PasswordError::Wrong => "密码错误。".into(),
            PasswordError::AlreadySet => "培训师密码已经设置过了。".into(),
            PasswordError::BadHash => "保存的密码记录无法读取，请联系本机管理员。".into(),
            PasswordError::Hash(e) => format!("密码无法处理：{e}"),
            PasswordError::Records(e) => format!("记录出错：{e}"),
        }
    }
}

/// Whether the trainer area has a password yet.
pub fn is_set(db: &Db) -> Result<bool, RecordsError> {
    Ok(db.setting(KEY)?.is_some())
}

/// Sets the first password; refuses if one exists.
pub fn set_first(db: &Db, password: &str, again: &str) -> Result<(), PasswordError> {
    if is_set(db)? {
        return Err(PasswordError::AlreadySet);
    }
    if password != again {
        return Err(PasswordError::Mismatch);
    }
    store(db, password)
}

/// Changes the password after checking the current one.
pub fn change(db: &Db, current: &str, new: &str, again: &str) -> Result<(), PasswordError> {
    verify(db, current)?;
    if new != again {
        return Err(PasswordError::Mismatch);
    }
    store(db, new)
}

fn store(db: &Db, password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| PasswordError::Hash(e.to_string()))?
        .to_string();
    db.set_setting(KEY, Some(&hash))?;
    Ok(())
}

/// Checks a password against the stored hash.
pub fn verify(db: &Db, password: &str) -> Result<(), PasswordError> {
    let stored = db.setting(KEY)?.ok_or(PasswordError::Wrong)?;
    let parsed = PasswordHash::new(&stored).map_err(|_| PasswordError::BadHash)?;
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .map_err(|_| PasswordError::Wrong)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_password_is_hashed_and_checked() {
        let db = Db::in_memory().unwrap();
        assert!(!is_set(&db).unwrap());
        assert!(matches!(
            set_first(&db, "short", "short"),
            Err(PasswordError::TooShort)
        ));
        assert!(matches!(
            set_first(&db, "培训师口令1234", "培训师口令123"),
            Err(PasswordError::Mismatch)
        ));
        set_first(&db, "培训师口令1234", "培训师口令1234").unwrap();
        let stored = db.setting(KEY).unwrap().unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("培训师口令1234"));
        verify(&db, "培训师口令1234").unwrap();
        assert!(matches!(
            verify(&db, "培训师口令1235"),
            Err(PasswordError::Wrong)
        ));
        assert!(matches!(
            set_first(&db, "another-one", "another-one"),
            Err(PasswordError::AlreadySet)
        ));
        change(&db, "培训师口令1234", "new-password", "new-password").unwrap();
        assert!(verify(&db, "new-password").is_ok());
        assert!(verify(&db, "培训师口令1234").is_err());
    }
}
