//! Interceptors (onPreAuth, auth, onPostAuth), auth state and cookie sessions over real HTTP.

mod app;
mod auth_required;
mod interceptors;
mod secrets;
mod server_side;
mod session;
