//! The instance UUID (Kibana's `server.uuid`) and the data folder it is kept in (`path.data`).
//!
//! An instance keeps one id across restarts: `server.uuid` when configured, otherwise the one
//! stored in `<path.data>/uuid`, otherwise a new one, which is then stored there. A configured
//! id is stored too, so that removing it from the config later keeps the same id.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use core_config::{ConfigSchema, ValidationError};
use core_logging::Logger;
use serde::Deserialize;

/// The name of the file in `path.data` that holds the instance UUID.
const FILE_NAME: &str = "uuid";

/// The `path.*` config section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct PathConfig {
    /// `path.data`: where the server keeps its own files (the instance UUID). Default:
    /// `data` under the home directory.
    pub data: Option<PathBuf>,
}

impl ConfigSchema for PathConfig {
    fn validate(&self) -> Result<(), ValidationError> {
        match &self.data {
            Some(path) if path.as_os_str().is_empty() => {
                Err(ValidationError::new("data", "must not be empty"))
            }
            _ => Ok(()),
        }
    }
}

impl PathConfig {
    /// The data folder: `path.data`, or `<home_dir>/data`.
    ///
    /// # Arguments
    ///
    /// * `home_dir` - the server's home directory (relative `path.data` values are resolved
    ///   against it too).
    pub fn data_dir(&self, home_dir: &Path) -> PathBuf {
        match &self.data {
            Some(path) => home_dir.join(path),
            None => home_dir.join("data"),
        }
    }
}

/// Why the instance UUID could not be read or stored.
#[derive(Debug, thiserror::Error)]
pub enum UuidError {
    /// The UUID file exists but cannot be read.
    #[error(
        "Unable to read Kibana UUID file, please check the uuid.server configuration value in kibana.yml and ensure Kibana has sufficient permissions to read / write to this file. Error was: {code} ({path})"
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's error code, e.g. `EACCES`.
        code: String,
    },
    /// The UUID file cannot be written.
    #[error(
        "Unable to write Kibana UUID file, please check the uuid.server configuration value in kibana.yml and ensure Kibana has sufficient permissions to read / write to this file. Error was: {code} ({path})"
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// The system's error code, e.g. `EISDIR`.
        code: String,
    },
    /// The UUID file holds something other than a UUID.
    #[error("The Kibana UUID file {path} does not hold a valid uuid; remove it or set server.uuid")]
    Invalid {
        /// The file.
        path: PathBuf,
    },
}

/// Resolves the instance UUID, Kibana's way, logging what it did at debug.
///
/// # Arguments
///
/// * `data_dir` - the data folder; its `uuid` file is read and, when `sync_to_file`, written
///   (the folder is created if missing).
/// * `configured` - `server.uuid`, already validated as a UUID.
/// * `sync_to_file` - whether to store the id (false leaves the file as it is).
/// * `log` - where the decision is logged.
pub fn resolve_instance_uuid(
    data_dir: &Path,
    configured: Option<&str>,
    sync_to_file: bool,
    log: &Logger,
) -> Result<String, UuidError> {
    let path = data_dir.join(FILE_NAME);
    let from_file = read_uuid(&path)?;
    if let Some(configured) = configured {
        match &from_file {
            Some(stored) if stored == configured => {
                log.debug(format!("Kibana instance UUID: {configured}"));
                return Ok(configured.to_owned());
            }
            Some(stored) => log.debug(format!(
                "Updating Kibana instance UUID to: {configured} (was: {stored})"
            )),
            None => log.debug(format!("Setting new Kibana instance UUID: {configured}")),
        }
        write_uuid(&path, configured, sync_to_file)?;
        return Ok(configured.to_owned());
    }
    if let Some(stored) = from_file {
        log.debug(format!(
            "Resuming persistent Kibana instance UUID: {stored}"
        ));
        return Ok(stored);
    }
    let generated = uuid::Uuid::new_v4().to_string();
    log.debug(format!("Setting new Kibana instance UUID: {generated}"));
    write_uuid(&path, &generated, sync_to_file)?;
    Ok(generated)
}

/// The stored id; `None` when there is no file. At most a line is read (a UUID is 36 bytes).
fn read_uuid(path: &Path) -> Result<Option<String>, UuidError> {
    use std::io::Read;

    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(UuidError::Read {
                path: path.to_owned(),
                code: error_code(&error),
            });
        }
    };
    let mut text = String::new();
    file.take(256)
        .read_to_string(&mut text)
        .map_err(|error| UuidError::Read {
            path: path.to_owned(),
            code: error_code(&error),
        })?;
    let text = text.trim();
    if uuid::Uuid::try_parse(text).is_err() {
        return Err(UuidError::Invalid {
            path: path.to_owned(),
        });
    }
    Ok(Some(text.to_owned()))
}

/// Stores `value` atomically (a temporary file renamed over the old one), so a reader never
/// sees half a UUID.
fn write_uuid(path: &Path, value: &str, sync_to_file: bool) -> Result<(), UuidError> {
    if !sync_to_file {
        return Ok(());
    }
    let write_error = |error: std::io::Error| UuidError::Write {
        path: path.to_owned(),
        code: error_code(&error),
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(write_error)?;
    let mut temporary = tempfile::NamedTempFile::new_in(dir).map_err(write_error)?;
    std::io::Write::write_all(&mut temporary, value.as_bytes()).map_err(write_error)?;
    temporary
        .persist(path)
        .map_err(|error| write_error(error.error))?;
    Ok(())
}

/// The error's symbolic code as Node reports it (`EACCES`, `EISDIR`, ...), or its text.
fn error_code(error: &std::io::Error) -> String {
    match error.kind() {
        ErrorKind::PermissionDenied => "EACCES".to_owned(),
        ErrorKind::IsADirectory => "EISDIR".to_owned(),
        ErrorKind::NotADirectory => "ENOTDIR".to_owned(),
        ErrorKind::NotFound => "ENOENT".to_owned(),
        ErrorKind::ReadOnlyFilesystem => "EROFS".to_owned(),
        ErrorKind::StorageFull => "ENOSPC".to_owned(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    //! Kibana 7.6 `src/core/server/uuid/resolve_uuid.test.ts`, on real files in a temporary
    //! folder (Kibana mocked the file system). The file and config ids are real UUIDs here,
    //! since a stored id is checked.

    use super::*;
    use core_logging::LogLevel;
    use core_logging::testing::capturing_logger_factory;

    const FILE_UUID: &str = "cb2a3a0c-0d5e-4b4e-9d1a-2f1f6b0f9a11";
    const CONFIG_UUID: &str = "4b7c3a7e-8f35-4d6b-a1d4-6b9c0c4f2e22";

    struct Case {
        dir: tempfile::TempDir,
        logs: core_logging::testing::CapturedLogs,
        log: Logger,
    }

    fn case(file: Option<&str>) -> Case {
        let dir = tempfile::tempdir().unwrap();
        if let Some(content) = file {
            std::fs::write(dir.path().join("uuid"), content).unwrap();
        }
        let (loggers, logs) = capturing_logger_factory();
        let log = loggers.get(&["uuid"]);
        Case { dir, logs, log }
    }

    impl Case {
        fn resolve(&self, configured: Option<&str>, sync: bool) -> Result<String, UuidError> {
            resolve_instance_uuid(self.dir.path(), configured, sync, &self.log)
        }
        fn file(&self) -> Option<String> {
            std::fs::read_to_string(self.dir.path().join("uuid")).ok()
        }
        fn debug(&self) -> Vec<String> {
            self.logs.messages_at(LogLevel::Debug)
        }
    }

    // describe('when file is present and config property is set') → describe('when they
    // mismatch') → describe('when syncToFile is true')
    #[test]
    fn writes_to_file_and_returns_the_config_uuid() {
        let case = case(Some(FILE_UUID));
        assert_eq!(case.resolve(Some(CONFIG_UUID), true).unwrap(), CONFIG_UUID);
        assert_eq!(case.file().as_deref(), Some(CONFIG_UUID));
        assert_eq!(
            case.debug(),
            [format!(
                "Updating Kibana instance UUID to: {CONFIG_UUID} (was: {FILE_UUID})"
            )]
        );
    }

    // ... → describe('when syncTofile is false')
    #[test]
    fn does_not_write_to_file_and_returns_the_config_uuid() {
        let case = case(Some(FILE_UUID));
        assert_eq!(case.resolve(Some(CONFIG_UUID), false).unwrap(), CONFIG_UUID);
        assert_eq!(case.file().as_deref(), Some(FILE_UUID));
        assert_eq!(
            case.debug(),
            [format!(
                "Updating Kibana instance UUID to: {CONFIG_UUID} (was: {FILE_UUID})"
            )]
        );
    }

    // describe('when file is present and config property is set') → describe('when they match')
    #[test]
    fn does_not_write_to_file() {
        let case = case(Some(CONFIG_UUID));
        let before = std::fs::metadata(case.dir.path().join("uuid"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(case.resolve(Some(CONFIG_UUID), true).unwrap(), CONFIG_UUID);
        let after = std::fs::metadata(case.dir.path().join("uuid"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(before, after);
        assert_eq!(
            case.debug(),
            [format!("Kibana instance UUID: {CONFIG_UUID}")]
        );
    }

    // describe('when file is not present and config property is set') → describe('when
    // syncToFile is true')
    #[test]
    fn writes_the_uuid_to_file_and_returns_the_config_uuid() {
        let case = case(None);
        assert_eq!(case.resolve(Some(CONFIG_UUID), true).unwrap(), CONFIG_UUID);
        assert_eq!(case.file().as_deref(), Some(CONFIG_UUID));
        assert_eq!(
            case.debug(),
            [format!("Setting new Kibana instance UUID: {CONFIG_UUID}")]
        );
    }

    // ... → describe('when syncToFile is false')
    #[test]
    fn does_not_write_the_uuid_to_file_and_returns_the_config_uuid() {
        let case = case(None);
        assert_eq!(case.resolve(Some(CONFIG_UUID), false).unwrap(), CONFIG_UUID);
        assert_eq!(case.file(), None);
        assert_eq!(
            case.debug(),
            [format!("Setting new Kibana instance UUID: {CONFIG_UUID}")]
        );
    }

    // describe('when file is present and config property is not set')
    #[test]
    fn does_not_write_to_file_and_returns_the_file_uuid() {
        let case = case(Some(&format!("{FILE_UUID}\n")));
        assert_eq!(case.resolve(None, true).unwrap(), FILE_UUID);
        assert_eq!(case.file(), Some(format!("{FILE_UUID}\n")));
        assert_eq!(
            case.debug(),
            [format!(
                "Resuming persistent Kibana instance UUID: {FILE_UUID}"
            )]
        );
    }

    // describe('when file is not present and config property is not set') → describe('when
    // syncToFile is true')
    #[test]
    fn generates_a_new_uuid_and_write_it_to_file() {
        let case = case(None);
        let generated = case.resolve(None, true).unwrap();
        assert!(uuid::Uuid::try_parse(&generated).is_ok(), "{generated}");
        assert_eq!(case.file(), Some(generated.clone()));
        assert_eq!(
            case.debug(),
            [format!("Setting new Kibana instance UUID: {generated}")]
        );
        // The next start resumes it.
        assert_eq!(case.resolve(None, true).unwrap(), generated);
    }

    // ... → describe('when syncToFile is false')
    #[test]
    fn generates_a_new_uuid_and_does_not_write_it_to_file() {
        let case = case(None);
        let generated = case.resolve(None, false).unwrap();
        assert!(uuid::Uuid::try_parse(&generated).is_ok(), "{generated}");
        assert_eq!(case.file(), None);
        assert_eq!(
            case.debug(),
            [format!("Setting new Kibana instance UUID: {generated}")]
        );
    }

    // describe('when file access error occurs'): a folder where the file should be cannot be
    // read as one (Kibana's case mocked `EACCES`, which root would not see on real files).
    #[test]
    fn throws_an_explicit_error_for_file_read_errors() {
        let case = case(None);
        std::fs::create_dir(case.dir.path().join("uuid")).unwrap();
        let error = case
            .resolve(Some(CONFIG_UUID), true)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("Unable to read Kibana UUID file, please check the uuid.server configuration value in kibana.yml and ensure Kibana has sufficient permissions to read / write to this file. Error was: EISDIR"),
            "{error}"
        );
    }

    // describe('when file access error occurs')
    #[test]
    fn throws_an_explicit_error_for_file_write_errors() {
        let case = case(None);
        // procfs has no `uuid` file and takes no new files (Kibana's case mocked `EISDIR`).
        let error =
            resolve_instance_uuid(Path::new("/proc/self"), Some(CONFIG_UUID), true, &case.log)
                .unwrap_err()
                .to_string();
        assert!(
            error.starts_with("Unable to write Kibana UUID file, please check the uuid.server configuration value in kibana.yml and ensure Kibana has sufficient permissions to read / write to this file. Error was: "),
            "{error}"
        );
    }

    #[test]
    fn a_file_that_holds_no_uuid_is_an_error_naming_it() {
        let case = case(Some("not a uuid"));
        let error = case.resolve(None, true).unwrap_err().to_string();
        assert!(error.contains("does not hold a valid uuid"), "{error}");
        assert!(
            error.contains(&case.dir.path().join("uuid").display().to_string()),
            "{error}"
        );
    }
}
