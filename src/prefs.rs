//! Settings remembered between runs: language, text size, projector theme, last choices.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::roleplay::Mode;
use crate::scenario::{Lang, as_sentence};

pub const SETTINGS_FILE: &str = "settings.json";
pub const MIN_TEXT_SCALE: f32 = 0.8;
pub const MAX_TEXT_SCALE: f32 = 2.0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub lang: Lang,
    /// Multiplies every text and widget size (1.0 = normal; larger for projectors).
    pub text_scale: f32,
    /// Black on white with strong outlines, for projectors and bright rooms.
    pub high_contrast: bool,
    pub mode: Mode,
    /// The employee number of the last trainee who signed in.
    pub last_trainee: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lang: Lang::from_env(),
            text_scale: 1.0,
            high_contrast: false,
            mode: Mode::Practice,
            last_trainee: None,
        }
    }
}

#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{column}: not valid settings ({message}); the defaults are used and the \
         file was kept as {kept}"
    )]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        kept: String,
    },
    #[error("cannot save settings to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot encode settings: {0}")]
    Encode(#[from] serde_json::Error),
}

impl SettingsError {
    /// The message shown in the app, in `lang`; the system's own reasons stay as it gives them.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => as_sentence(self),
            (SettingsError::Read { path, source }, Lang::Zh) => {
                format!("无法读取设置 {}：{source}", path.display())
            }
            (
                SettingsError::Parse {
                    path,
                    line,
                    column,
                    message,
                    kept,
                },
                Lang::Zh,
            ) => format!(
                "{}:{line}:{column}：设置文件无效（{message}），已改用默认设置，原文件另存为 {kept}",
                path.display()
            ),
            (SettingsError::Write { path, source }, Lang::Zh) => {
                format!("无法保存设置到 {}：{source}", path.display())
            }
            (SettingsError::Encode(e), Lang::Zh) => format!("无法写出设置：{e}"),
        }
    }
}

impl Settings {
    /// Keeps every value within what the app can show.
    pub fn clamped(mut self) -> Settings {
        if !self.text_scale.is_finite() {
            self.text_scale = 1.0;
        }
        self.text_scale = self.text_scale.clamp(MIN_TEXT_SCALE, MAX_TEXT_SCALE);
        self
    }

    /// Reads the settings in `dir`. A missing file gives the defaults silently; a broken one gives
    /// the defaults and the reason, and is moved aside (`settings.json.broken`) so that the next
    /// save cannot destroy what the user had.
    pub fn load(dir: &Path) -> (Settings, Option<SettingsError>) {
        let path = dir.join(SETTINGS_FILE);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Settings::default(), None);
            }
            Err(source) => {
                return (
                    Settings::default(),
                    Some(SettingsError::Read { path, source }),
                );
            }
        };
        match serde_json::from_slice::<Settings>(&bytes) {
            Ok(s) => (s.clamped(), None),
            Err(e) => {
                let aside = dir.join(format!("{SETTINGS_FILE}.broken"));
                let kept = match fs::rename(&path, &aside) {
                    Ok(()) => aside.display().to_string(),
                    Err(_) => path.display().to_string(),
                };
                (
                    Settings::default(),
                    Some(SettingsError::Parse {
                        path,
                        line: e.line(),
                        column: e.column(),
                        message: e.to_string(),
                        kept,
                    }),
                )
            }
        }
    }

    /// Writes the settings to `dir` through a temporary file, so that a crash mid-write never
    /// leaves a half-written file behind.
    pub fn save(&self, dir: &Path) -> Result<(), SettingsError> {
        let path = dir.join(SETTINGS_FILE);
        let write_err = |source| SettingsError::Write {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(dir).map_err(write_err)?;
        let json = serde_json::to_vec_pretty(self)?;
        let tmp = dir.join(format!("{SETTINGS_FILE}.tmp"));
        let mut file = fs::File::create(&tmp).map_err(write_err)?;
        file.write_all(&json).map_err(write_err)?;
        file.sync_all().map_err(write_err)?;
        drop(file);
        fs::rename(&tmp, &path).map_err(write_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ct-prefs-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn round_trips_and_clamps() {
        let dir = temp_dir("roundtrip");
        let s = Settings {
            lang: Lang::Zh,
            text_scale: 1.5,
            high_contrast: true,
            mode: Mode::Assessment,
            last_trainee: Some("A-01".into()),
        };
        s.save(&dir).unwrap();
        let (back, err) = Settings::load(&dir);
        assert!(err.is_none());
        assert_eq!(back, s);
        fs::write(dir.join(SETTINGS_FILE), r#"{"text_scale": 99}"#).unwrap();
        assert_eq!(Settings::load(&dir).0.text_scale, MAX_TEXT_SCALE);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn broken_file_gives_defaults_and_where() {
        let dir = temp_dir("broken");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(SETTINGS_FILE), "{\n  \"lang\": \"fr\"\n}").unwrap();
        let (s, err) = Settings::load(&dir);
        assert_eq!(s.text_scale, 1.0);
        let err = err.unwrap();
        let msg = err.to_string();
        assert!(msg.contains("settings.json:2:"), "{msg}");
        assert!(msg.contains("defaults"), "{msg}");
        // The app shows it in either language, with the same place and the same kept file.
        let en = err.message(Lang::En);
        assert!(en.starts_with(|c: char| !c.is_lowercase()), "{en}");
        let zh = err.message(Lang::Zh);
        for part in ["settings.json:2:", "默认设置", "settings.json.broken"] {
            assert!(zh.contains(part), "{part} in {zh}");
        }
        // The broken file is kept for the user to look at, out of the way of the next save.
        let aside = dir.join(format!("{SETTINGS_FILE}.broken"));
        assert!(msg.contains("settings.json.broken"), "{msg}");
        assert_eq!(
            fs::read_to_string(&aside).unwrap(),
            "{\n  \"lang\": \"fr\"\n}"
        );
        Settings::default().save(&dir).unwrap();
        assert!(aside.exists() && dir.join(SETTINGS_FILE).exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
