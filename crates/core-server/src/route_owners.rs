//! Who registered which route, so a route conflict names the plugin that got there first.

use std::sync::{Arc, Mutex, PoisonError};

use core_http::{HttpError, RouteInfo, RouteMethod};

/// The owner recorded for core's own routes.
pub(crate) const CORE_OWNER: &str = "core";

/// Every route registered through core so far, with its owner (a plugin id, or `core`): for
/// conflict messages and the OpenAPI document.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteOwners(Arc<Mutex<Vec<(RouteInfo, String)>>>);

impl RouteOwners {
    pub(crate) fn record(&self, routes: &[RouteInfo], owner: &str) {
        let mut owners = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        owners.extend(routes.iter().map(|route| (route.clone(), owner.to_owned())));
    }

    /// A copy of every route recorded so far, with its owner, in registration order.
    pub(crate) fn routes(&self) -> Vec<(RouteInfo, String)> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Who registered the route with `method` and `full_path`, if anyone did.
    pub(crate) fn owner_of(&self, method: RouteMethod, full_path: &str) -> Option<String> {
        let owners = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        owners
            .iter()
            .find(|(route, _)| route.method == method && route.full_path == full_path)
            .map(|(_, owner)| owner.clone())
    }

    /// Wraps a registration error, naming the owner of the route it conflicts with.
    pub(crate) fn explain(&self, error: HttpError) -> RegisterRouterError {
        let existing_owner = match &error {
            HttpError::RouteConflict(conflict) => {
                self.owner_of(conflict.method, &conflict.existing_full_path)
            }
            _ => None,
        };
        RegisterRouterError {
            error,
            existing_owner,
        }
    }
}

/// Why a router could not be registered: core-http's error, plus who owns the route it
/// conflicts with (a plugin id, or `core`) when that is the reason.
#[derive(Debug, thiserror::Error)]
#[error("{error}{}", owner_suffix(.existing_owner.as_deref()))]
pub struct RegisterRouterError {
    /// What core-http reported (branch on it: `HttpError::RouteConflict`, ...). Not a
    /// `source`: the message already contains it, and error chains would repeat it.
    pub error: HttpError,
    /// The owner of the conflicting route: a plugin id, or `core`.
    pub existing_owner: Option<String>,
}

fn owner_suffix(owner: Option<&str>) -> String {
    match owner {
        Some(CORE_OWNER) => " registered by core".to_owned(),
        Some(plugin) => format!(" registered by plugin \"{plugin}\""),
        None => String::new(),
    }
}
