//! Kibana 7.2–7.6 `src/core/server/http/base_path_service.test.ts`, `describe('BasePath')`.
//!
//! Kibana's requests are mocked hapi requests; here a `MockRequest` (the `testing` feature)
//! stands in: clones of a `KibanaRequest` share the request's state, as two `KibanaRequest`s
//! made from one hapi request did. The two cases about legacy (`Legacy.Request`) requests are
//! listed in the crate README as not portable: this crate has no legacy platform.

use core_http::testing::MockRequest;
use core_http::{BasePath, Empty, HttpError, KibanaRequest};

fn request() -> KibanaRequest {
    MockRequest::new(Empty {}, Empty {}, Empty {}).build()
}

fn base_path(server_base_path: &str) -> BasePath {
    BasePath::new(Some(server_base_path.to_owned()))
}

// describe('serverBasePath')

#[test]
fn defaults_to_an_empty_string() {
    assert_eq!(BasePath::new(None).server_base_path(), "");
}

#[test]
fn returns_the_server_base_path() {
    assert_eq!(base_path("/server").server_base_path(), "/server");
}

// describe('#get()')

#[test]
fn returns_base_path_associated_with_an_incoming_kibana_request() {
    let request = request();
    let base_path = BasePath::new(None);
    base_path.set(&request, "/baz/").unwrap();
    // Another handle on the same incoming request sees it.
    assert_eq!(base_path.get(&request.clone()), "/baz/");
}

#[test]
fn is_based_on_server_base_path() {
    let request = request();
    let base_path = base_path("/foo/bar");
    base_path.set(&request, "/baz/").unwrap();
    assert_eq!(base_path.get(&request), "/foo/bar/baz/");
}

// describe('#set()')

#[test]
fn set_cannot_be_set_twice_for_one_request() {
    let request = request();
    let base_path = base_path("/foo/bar");
    base_path.set(&request, "baz/").unwrap();
    let err = base_path.set(&request, "baz/").unwrap_err();
    assert!(matches!(err, HttpError::BasePathAlreadySet), "{err}");
    assert_eq!(
        err.to_string(),
        "Request basePath was previously set. Setting multiple times is not supported."
    );
}

// describe('#prepend()')

#[test]
fn adds_the_base_path_to_the_path_if_it_is_relative_and_starts_with_a_slash() {
    assert_eq!(base_path("/foo/bar").prepend("/a/b"), "/foo/bar/a/b");
}

#[test]
fn leaves_the_query_string_and_hash_of_path_unchanged() {
    assert_eq!(
        base_path("/foo/bar").prepend("/a/b?x=y#c/d/e"),
        "/foo/bar/a/b?x=y#c/d/e"
    );
}

#[test]
fn returns_the_path_unchanged_if_it_does_not_start_with_a_slash() {
    assert_eq!(base_path("/foo/bar").prepend("a/b"), "a/b");
}

#[test]
fn returns_the_path_unchanged_it_it_has_a_hostname() {
    assert_eq!(
        base_path("/foo/bar").prepend("http://localhost:5601/a/b"),
        "http://localhost:5601/a/b"
    );
}

// describe('#remove()')

#[test]
fn removes_the_base_path_if_relative_path_starts_with_it() {
    assert_eq!(base_path("/foo/bar").remove("/foo/bar/a/b"), "/a/b");
}

#[test]
fn leaves_query_string_and_hash_intact() {
    assert_eq!(
        base_path("/foo/bar").remove("/foo/bar/a/b?c=y#1234"),
        "/a/b?c=y#1234"
    );
}

#[test]
fn ignores_urls_with_hostnames() {
    assert_eq!(
        base_path("/foo/bar").remove("http://localhost:5601/foo/bar/a/b"),
        "http://localhost:5601/foo/bar/a/b"
    );
}

#[test]
fn returns_slash_if_path_is_just_base_path() {
    assert_eq!(base_path("/foo/bar").remove("/foo/bar"), "/");
}

#[test]
fn returns_full_path_if_base_path_is_not_its_own_segment() {
    assert_eq!(base_path("/foo/bar").remove("/foo/barhop"), "/foo/barhop");
}
