//! Scanner profiles: one TOML file per scanner model or site set-up. Unknown or
//! misspelt keys are errors, never silently ignored.

use regex::Regex;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Profiles shipped with Pli (the repository's `scanner-profiles/`).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("generic-pdf", include_str!("../../../scanner-profiles/generic-pdf.toml")),
    ("generic-tiff", include_str!("../../../scanner-profiles/generic-tiff.toml")),
    ("jpeg-folder", include_str!("../../../scanner-profiles/jpeg-folder.toml")),
    ("kodak-i3000-duplex", include_str!("../../../scanner-profiles/kodak-i3000-duplex.toml")),
    ("maarch-separators", include_str!("../../../scanner-profiles/maarch-separators.toml")),
    ("patch-t", include_str!("../../../scanner-profiles/patch-t.toml")),
];

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "generic-pdf";

/// A scanner profile, as read from its TOML file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Short name; defaults to the file name without `.toml`.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub input: Input,
    #[serde(default)]
    pub ocr: Ocr,
    #[serde(default)]
    pub blank: Blank,
    #[serde(default)]
    pub separator: Separator,
}

/// Where and what the scanner writes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Input {
    /// The scanner's output folder (used by `pli watch`).
    pub folder: Option<PathBuf>,
    /// Accepted formats: `pdf`, `tiff`, `jpeg`, `png`, `folder` (a folder of page files).
    pub formats: Vec<Format>,
    /// Resolution to assume when a file does not say it.
    pub dpi: u32,
    /// How the folder is watched: `notify` (local disks) or `poll` (network shares).
    pub watch: WatchMode,
    /// Seconds a file's size and date must stay unchanged before it is taken; for a
    /// folder of pages without a done marker, seconds without a new page.
    pub stable_seconds: u64,
    /// Seconds between two looks at the folder in `poll` mode (and, in `notify` mode,
    /// between safety-net looks in case an event was lost).
    pub poll_seconds: u64,
    /// A folder of pages is complete when this file appears in it (e.g. `.done`);
    /// without it, when no page has arrived for `stable_seconds`.
    pub done_marker: Option<String>,
    /// Where originals go once their courriers are committed (default: the data
    /// folder's `archive/<profile>/`).
    pub archive: Option<PathBuf>,
    /// Where unreadable batches go, each with a `.error.txt` (default: the data
    /// folder's `quarantine/<profile>/`).
    pub quarantine: Option<PathBuf>,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            folder: None,
            formats: vec![Format::Pdf, Format::Tiff, Format::Jpeg, Format::Png, Format::Folder],
            dpi: 300,
            watch: WatchMode::Notify,
            stable_seconds: 5,
            poll_seconds: 10,
            done_marker: None,
            archive: None,
            quarantine: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Pdf,
    Tiff,
    Jpeg,
    Png,
    Folder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchMode {
    Notify,
    Poll,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ocr {
    /// Tesseract languages, e.g. `fra+eng`.
    pub languages: String,
    /// Below this mean word confidence (0–100), the page's orientation is checked.
    pub orientation_check_below: f32,
}

impl Default for Ocr {
    fn default() -> Self {
        Ocr { languages: "fra+eng".into(), orientation_check_below: 75.0 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Blank {
    /// A page whose marks cover at most this share of it is blank (0.0–1.0); marks are
    /// what is left once specks, streaks, margins and faint bleed-through are set aside
    /// (`blank::marks`). The default, 0.00002, is a short handwritten word on A4.
    pub max_ink_ratio: f32,
}

impl Default for Blank {
    fn default() -> Self {
        Blank { max_ink_ratio: 0.00002 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Separator {
    /// Barcode symbologies read on every page.
    pub symbologies: Vec<Symbology>,
    /// Whether the batch starts with a separator sheet (pages before the first one still
    /// make a courrier, so that nothing is lost, but it carries no separator).
    pub precedes_first_letter: bool,
    /// Payloads recognised besides Pli's own `PLI-SEP[:CODE]`.
    pub patterns: Vec<PayloadPattern>,
    /// Another tool's ids for the sheets (a pattern's `entity` group) mapped to Pli
    /// direction codes, e.g. Maarch's `"DGS" = "DIR-GEN"`.
    pub directions: std::collections::BTreeMap<String, String>,
}

impl Default for Separator {
    fn default() -> Self {
        Separator {
            symbologies: vec![Symbology::Qr, Symbology::Code128, Symbology::Code39, Symbology::DataMatrix],
            precedes_first_letter: true,
            patterns: Vec::new(),
            directions: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Symbology {
    Qr,
    Code128,
    Code39,
    DataMatrix,
}

/// A separator payload pattern: a regular expression over the whole payload; a named
/// group `direction` pre-routes the courrier to that direction code, a named group
/// `entity` to the direction `[separator.directions]` maps it to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadPattern {
    #[serde(deserialize_with = "anchored_regex")]
    pub regex: Regex,
    /// Only entities listed in `[separator.directions]` match: for a bare id, which any
    /// label on a letter could carry.
    #[serde(default)]
    pub known_only: bool,
    /// Only on a page that looks like a separator sheet (little of it inked), never on a
    /// page of text: for a bare id, which a tracking label on a letter could carry.
    #[serde(default)]
    pub sheet_only: bool,
}

fn anchored_regex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Regex, D::Error> {
    let text = String::deserialize(d)?;
    Regex::new(&format!("^(?:{text})$")).map_err(serde::de::Error::custom)
}

/// A profile that could not be found or read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("profil de scanner « {0} » introuvable (profils fournis : {1})")]
    NotFound(String, String),
    #[error("profil de scanner « {path} » : {message}")]
    Invalid { path: String, message: String },
}

impl Profile {
    /// Reads a profile from TOML text; `origin` names it in errors and gives the default name.
    pub fn from_toml(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let mut profile: Profile =
            toml::from_str(text).map_err(|e| ProfileError::Invalid { path: origin.into(), message: e.to_string() })?;
        if profile.name.is_empty() {
            profile.name = Path::new(origin).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        }
        profile.validate().map_err(|message| ProfileError::Invalid { path: origin.into(), message })?;
        Ok(profile)
    }

    fn validate(&self) -> Result<(), String> {
        if self.separator.symbologies.is_empty() {
            return Err("separator.symbologies : au moins une symbologie est nécessaire".into());
        }
        if !(0.0..0.2).contains(&self.blank.max_ink_ratio) {
            return Err("blank.max_ink_ratio : attendu entre 0 et 0,2".into());
        }
        if !(50..=1200).contains(&self.input.dpi) {
            return Err("input.dpi : attendu entre 50 et 1200".into());
        }
        if self.ocr.languages.trim().is_empty() {
            return Err("ocr.languages : vide".into());
        }
        for (entity, direction) in &self.separator.directions {
            if !pli_core::separator::is_direction_code(direction) {
                return Err(format!(
                    "separator.directions : « {entity} » = « {direction} » n'est pas un code de direction \
                     (lettres, chiffres, - ou _)"
                ));
            }
        }
        if self.input.poll_seconds == 0 {
            return Err("input.poll_seconds : au moins 1 seconde".into());
        }
        if let Some(marker) = &self.input.done_marker {
            // The marker must not be read as a page.
            if marker.contains('/') || !crate::source::is_ignored(marker) {
                return Err(format!(
                    "input.done_marker : « {marker} » doit être un nom de fichier caché ou finir par .done ou .ok"
                ));
            }
        }
        Ok(())
    }

    /// Finds a profile by name: a path to a `.toml` file, a file in `extra_dir`
    /// (the data folder's `scanner-profiles/`), or a profile shipped with Pli.
    pub fn find(name: &str, extra_dir: Option<&Path>) -> Result<Profile, ProfileError> {
        let as_path = Path::new(name);
        if name.ends_with(".toml") && as_path.is_file() {
            return Self::load_file(as_path);
        }
        if let Some(dir) = extra_dir {
            let candidate = dir.join(format!("{name}.toml"));
            if candidate.is_file() {
                return Self::load_file(&candidate);
            }
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Self::from_toml(text, &format!("{n}.toml")),
            None => Err(ProfileError::NotFound(
                name.into(),
                BUILT_IN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
            )),
        }
    }

    fn load_file(path: &Path) -> Result<Profile, ProfileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ProfileError::Invalid { path: path.display().to_string(), message: e.to_string() })?;
        Self::from_toml(&text, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_profile_reads() {
        for (name, _) in BUILT_IN {
            let p = Profile::find(name, None).unwrap();
            assert_eq!(&p.name, name);
        }
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_it() {
        let err = Profile::from_toml("[ocr]\nlanguage = \"fra\"\n", "x.toml").unwrap_err().to_string();
        assert!(err.contains("x.toml") && err.contains("language"), "{err}");
    }

    #[test]
    fn a_bad_value_is_an_error() {
        assert!(Profile::from_toml("[separator]\nsymbologies = [\"pdf417\"]\n", "x.toml").is_err());
        assert!(Profile::from_toml("[blank]\nmax_ink_ratio = 0.5\n", "x.toml").is_err());
        assert!(Profile::from_toml("[[separator.patterns]]\nregex = \"(\"\n", "x.toml").is_err());
    }

    #[test]
    fn a_done_marker_that_would_be_read_as_a_page_is_refused() {
        assert!(Profile::from_toml("[input]\ndone_marker = \".done\"\n", "x.toml").is_ok());
        assert!(Profile::from_toml("[input]\ndone_marker = \"lot.ok\"\n", "x.toml").is_ok());
        let err = Profile::from_toml("[input]\ndone_marker = \"FIN\"\n", "x.toml").unwrap_err().to_string();
        assert!(err.contains("done_marker"), "{err}");
    }

    #[test]
    fn an_unknown_profile_lists_the_known_ones() {
        let err = Profile::find("nope", None).unwrap_err().to_string();
        assert!(err.contains("nope") && err.contains("generic-pdf"), "{err}");
    }
}
