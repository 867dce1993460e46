//! A typed view of one config section that follows `set` and `reload`.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::watch;

use crate::section::typed;
use crate::tree::get;
use crate::{ConfigError, ConfigSchema};

/// A typed view of one config section that follows changes.
///
/// It watches the whole raw tree and compares only its own subtree, so a change elsewhere
/// never wakes its owner, and a value is validated once per real change.
pub struct ConfigSubscription<T> {
    path: String,
    tree: watch::Receiver<Arc<Value>>,
    /// The subtree behind the last emission (`None` when absent or `null`).
    last_raw: Option<Value>,
    current: Arc<T>,
}

impl<T: ConfigSchema> ConfigSubscription<T> {
    /// Validates the current subtree; fails like `at_path` would.
    pub(crate) fn new(
        path: &str,
        mut tree: watch::Receiver<Arc<Value>>,
    ) -> Result<Self, ConfigError> {
        let last_raw = subtree(&tree.borrow_and_update(), path);
        let current = Arc::new(typed(path, last_raw.as_ref())?);
        Ok(Self {
            path: path.to_owned(),
            tree,
            last_raw,
            current,
        })
    }

    /// The current value: the last one that validated.
    pub fn current(&self) -> Arc<T> {
        Arc::clone(&self.current)
    }

    /// Waits until the section changes and returns the new value, or the validation error of the
    /// new raw value; `None` when the service is gone.
    ///
    /// After an error the previous value stays [`current`](Self::current), and the same invalid
    /// subtree is not reported twice.
    pub async fn changed(&mut self) -> Option<Result<Arc<T>, ConfigError>> {
        loop {
            self.tree.changed().await.ok()?;
            let raw = subtree(&self.tree.borrow_and_update(), &self.path);
            if raw == self.last_raw {
                continue;
            }
            let result = typed(&self.path, raw.as_ref());
            self.last_raw = raw;
            return Some(result.map(|value| {
                self.current = Arc::new(value);
                Arc::clone(&self.current)
            }));
        }
    }
}

impl<T> std::fmt::Debug for ConfigSubscription<T> {
    /// Names the section only; values may hold secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigSubscription")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The subtree at `path`, with `null` treated as absent (both mean "use the defaults").
fn subtree(tree: &Value, path: &str) -> Option<Value> {
    get(tree, path).filter(|value| !value.is_null()).cloned()
}
