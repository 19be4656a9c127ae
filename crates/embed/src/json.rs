//! The JSON files of a model folder, read with errors that name the file.

use std::path::Path;

use crate::error::{Error, Result};

/// Reads and parses one JSON file of a model folder.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::bad_file(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::bad_file(path, format!("invalid JSON: {e}")))
}
