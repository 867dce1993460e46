//! The cookie itself: sealing a plaintext into a `Set-Cookie` header with the configured
//! attributes, opening a received value, the removal cookie, and finding cookies by name.

use actix_web::cookie::time::OffsetDateTime;
use actix_web::cookie::{Cookie, Key};
use actix_web::http::header::COOKIE;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::options::SameSite;
use super::{MAX_COOKIE_BYTES, MIN_ENCRYPTION_KEY_CHARS, SessionError};
use crate::headers::RequestHeaders;

/// Seals and opens one cookie name with one key.
pub(crate) struct CookieCodec {
    name: String,
    /// AES-256-GCM with the key's encryption half, set up once: the cookie crate's private jar
    /// would expand the key again for every cookie it opens.
    cipher: Aes256Gcm,
    path: String,
    secure: bool,
    same_site: Option<SameSite>,
    /// What follows `name=value` in every `Set-Cookie` this codec writes: the attributes as
    /// the cookie crate formats them, built once.
    attributes: String,
}

/// The sizes of AES-GCM's nonce and tag, the parts around a sealed value's ciphertext.
const NONCE: usize = 12;
const TAG: usize = 16;

impl CookieCodec {
    /// Checks the options (before `Key::derive_from`, which panics on short keys).
    pub(crate) fn new(
        name: &str,
        encryption_key: &str,
        path: &str,
        secure: bool,
        same_site: Option<SameSite>,
    ) -> Result<Self, SessionError> {
        if !is_token(name) {
            return Err(SessionError::InvalidName {
                cookie: name.to_owned(),
            });
        }
        let chars = encryption_key.chars().count();
        if chars < MIN_ENCRYPTION_KEY_CHARS {
            return Err(SessionError::KeyTooShort {
                cookie: name.to_owned(),
                min: MIN_ENCRYPTION_KEY_CHARS,
                actual: chars,
            });
        }
        if same_site == Some(SameSite::None) && !secure {
            return Err(SessionError::SameSiteNoneNeedsSecure {
                cookie: name.to_owned(),
            });
        }
        // At least 32 characters are at least 32 bytes: derive_from cannot panic here.
        let key = Key::derive_from(encryption_key.as_bytes());
        // `encryption()` is always 32 bytes, the AES-256 key size.
        let cipher = Aes256Gcm::new(aes_gcm::Key::<Aes256Gcm>::from_slice(key.encryption()));
        let mut codec = Self {
            name: name.to_owned(),
            cipher,
            path: path.to_owned(),
            secure,
            same_site,
            attributes: String::new(),
        };
        let sample = codec
            .with_attributes(Cookie::new(codec.name.clone(), ""))
            .to_string();
        codec.attributes = sample[codec.name.len() + 1..].to_owned();
        Ok(codec)
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The `Set-Cookie` value carrying `plaintext` encrypted, or `TooLarge`.
    pub(crate) fn seal(&self, plaintext: &str) -> Result<String, SessionError> {
        let sealed = self.seal_with(plaintext, self.name.as_bytes())?;
        let mut header =
            String::with_capacity(self.name.len() + 1 + sealed.len() + self.attributes.len());
        header.push_str(&self.name);
        header.push('=');
        header.push_str(&sealed);
        header.push_str(&self.attributes);
        if header.len() > MAX_COOKIE_BYTES {
            return Err(SessionError::TooLarge {
                cookie: self.name.clone(),
                size: header.len(),
                limit: MAX_COOKIE_BYTES,
            });
        }
        Ok(header)
    }

    /// `plaintext` sealed as the cookie crate's private jar seals a value (see
    /// [`open`](Self::open)), with the cipher set up once and `aad` as associated data.
    fn seal_with(&self, plaintext: &str, aad: &[u8]) -> Result<String, SessionError> {
        use rand::RngCore as _;
        let mut data = vec![0u8; NONCE + plaintext.len() + TAG];
        let (nonce, rest) = data.split_at_mut(NONCE);
        rand::thread_rng().fill_bytes(nonce);
        let (message, tag) = rest.split_at_mut(plaintext.len());
        message.copy_from_slice(plaintext.as_bytes());
        let sealed_tag = self
            .cipher
            .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, message)
            .map_err(|_| SessionError::Encrypt {
                cookie: self.name.clone(),
                size: plaintext.len(),
            })?;
        tag.copy_from_slice(&sealed_tag);
        Ok(BASE64.encode(&data))
    }

    /// The plaintext of a received value; `None` when it was tampered with, sealed with another
    /// key or for another cookie name, or is not a sealed value at all.
    ///
    /// The format is the cookie crate's private cookie, which [`seal`](Self::seal) writes:
    /// base64 (standard, padded) of a 96-bit nonce, the ciphertext and the 128-bit tag, with the
    /// cookie name as associated data. Opened here with the cipher set up once.
    pub(crate) fn open(&self, sealed: &str) -> Option<String> {
        self.open_with(sealed, self.name.as_bytes())
    }

    /// `plaintext` encrypted in the format [`seal`](Self::seal) uses, with `aad` as associated
    /// data instead of the cookie name: a server-side session's content, which only opens with
    /// the `aad` kept in its cookie. No size limit (it is not a cookie).
    pub(crate) fn encrypt(&self, plaintext: &str, aad: &str) -> Result<String, SessionError> {
        self.seal_with(plaintext, aad.as_bytes())
    }

    /// The plaintext of what [`encrypt`](Self::encrypt) gave for the same `aad`; `None` for
    /// anything else.
    pub(crate) fn decrypt(&self, encrypted: &str, aad: &str) -> Option<String> {
        self.open_with(encrypted, aad.as_bytes())
    }

    fn open_with(&self, sealed: &str, aad: &[u8]) -> Option<String> {
        let mut data = BASE64.decode(sealed).ok()?;
        if data.len() < NONCE + TAG {
            return None;
        }
        let tag_at = data.len() - TAG;
        let (nonce, rest) = data.split_at_mut(NONCE);
        let (message, tag) = rest.split_at_mut(tag_at - NONCE);
        self.cipher
            .decrypt_in_place_detached(Nonce::from_slice(nonce), aad, message, Tag::from_slice(tag))
            .ok()?;
        data.truncate(tag_at);
        data.drain(..NONCE);
        String::from_utf8(data).ok()
    }

    /// A `Set-Cookie` value removing the cookie: same name, path and attributes, empty value,
    /// `Max-Age=0` and an `Expires` in 1970.
    pub(crate) fn removal(&self) -> String {
        let mut cookie = self.with_attributes(Cookie::new(self.name.clone(), ""));
        cookie.set_max_age(actix_web::cookie::time::Duration::ZERO);
        cookie.set_expires(OffsetDateTime::UNIX_EPOCH);
        cookie.to_string()
    }

    fn with_attributes(&self, mut cookie: Cookie<'static>) -> Cookie<'static> {
        cookie.set_http_only(true);
        cookie.set_path(self.path.clone());
        if self.secure {
            cookie.set_secure(true);
        }
        if let Some(same_site) = self.same_site {
            cookie.set_same_site(match same_site {
                SameSite::Strict => actix_web::cookie::SameSite::Strict,
                SameSite::Lax => actix_web::cookie::SameSite::Lax,
                SameSite::None => actix_web::cookie::SameSite::None,
            });
        }
        cookie
    }
}

/// Every value of cookie `name` in the request's `Cookie` headers, in order.
pub(crate) fn cookie_values<'a>(
    headers: &'a RequestHeaders,
    name: &str,
) -> impl Iterator<Item = &'a str> {
    headers
        .values_named(&COOKIE)
        .flat_map(|header| header.split(';'))
        .filter_map(move |pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key.trim() == name).then(|| value.trim().trim_matches('"'))
        })
}

/// RFC 7230 `token`: what a cookie name may be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use actix_web::cookie::CookieJar;

    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn codec() -> CookieCodec {
        CookieCodec::new("sid", KEY, "/", false, None).unwrap()
    }

    fn value_of(header: &str) -> &str {
        header
            .split(';')
            .next()
            .and_then(|pair| pair.split_once('='))
            .map(|(_, value)| value)
            .unwrap()
    }

    #[test]
    fn round_trip_and_attributes() {
        let codec = codec();
        let header = codec.seal(r#"{"v":1}"#).unwrap();
        assert!(header.starts_with("sid="), "{header}");
        assert!(
            header.contains("; HttpOnly") && header.contains("; Path=/"),
            "{header}"
        );
        assert!(!header.contains("v\":1"), "plaintext leaked: {header}");
        assert_eq!(codec.open(value_of(&header)).as_deref(), Some(r#"{"v":1}"#));
    }

    #[test]
    fn other_key_other_name_and_tampering_fail() {
        let header = codec().seal("x").unwrap();
        let sealed = value_of(&header);
        let other_key = CookieCodec::new("sid", &KEY.replace('0', "1"), "/", false, None).unwrap();
        assert_eq!(other_key.open(sealed), None);
        let other_name = CookieCodec::new("other", KEY, "/", false, None).unwrap();
        assert_eq!(other_name.open(sealed), None);
        let mut tampered = sealed.as_bytes().to_vec();
        tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
        assert_eq!(codec().open(std::str::from_utf8(&tampered).unwrap()), None);
        assert_eq!(codec().open("not sealed"), None);
        // Shorter than a nonce and a tag, and the empty ciphertext of an empty plaintext.
        assert_eq!(codec().open("AAAA"), None);
        assert_eq!(codec().open(&BASE64.encode([0u8; 27])), None);
        assert_eq!(
            codec()
                .open(value_of(&codec().seal("").unwrap()))
                .as_deref(),
            Some("")
        );
    }

    /// `open` reads what the cookie crate's private jar writes, byte for byte.
    #[test]
    fn the_private_jar_opens_what_seal_writes() {
        let codec = CookieCodec::new("sid", KEY, "/app", true, Some(SameSite::Lax)).unwrap();
        let header = codec.seal("plaintext é").unwrap();
        let parsed = Cookie::parse(header.clone()).unwrap();
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new("sid", parsed.value().to_owned()));
        let key = Key::derive_from(KEY.as_bytes());
        let opened = jar.private(&key).get("sid").unwrap();
        assert_eq!(opened.value(), "plaintext é");
        // The attributes are the cookie crate's own formatting of the options.
        let mut expected = Cookie::new("sid", parsed.value().to_owned());
        expected.set_http_only(true);
        expected.set_path("/app");
        expected.set_secure(true);
        expected.set_same_site(actix_web::cookie::SameSite::Lax);
        assert_eq!(header, expected.to_string());
        // A fresh nonce each time.
        assert_ne!(codec.seal("plaintext é").unwrap(), header);
    }

    #[test]
    fn opens_what_the_private_jar_seals() {
        let codec = codec();
        let mut jar = CookieJar::new();
        jar.private_mut(&Key::derive_from(KEY.as_bytes()))
            .add(Cookie::new("sid", "plaintext é"));
        let sealed = jar.get("sid").unwrap().value().to_owned();
        assert_eq!(codec.open(&sealed).as_deref(), Some("plaintext é"));
    }

    #[test]
    fn content_opens_only_with_its_aad() {
        let codec = codec();
        let encrypted = codec.encrypt(r#"{"secret":1}"#, "aad-1").unwrap();
        assert!(!encrypted.contains("secret"), "{encrypted}");
        assert_eq!(
            codec.decrypt(&encrypted, "aad-1").as_deref(),
            Some(r#"{"secret":1}"#)
        );
        assert_eq!(codec.decrypt(&encrypted, "aad-2"), None);
        assert_eq!(codec.open(&encrypted), None);
        // A large content is fine: it is not a cookie.
        let large = "x".repeat(10_000);
        assert_eq!(
            codec
                .decrypt(&codec.encrypt(&large, "a").unwrap(), "a")
                .as_deref(),
            Some(large.as_str())
        );
    }

    #[test]
    fn removal_keeps_attributes() {
        let codec = CookieCodec::new("sid", KEY, "/base", true, Some(SameSite::Strict)).unwrap();
        let removal = codec.removal();
        assert!(removal.starts_with("sid=;"), "{removal}");
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/base",
            "Max-Age=0",
            "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        ] {
            assert!(removal.contains(part), "{part} missing in {removal}");
        }
    }

    #[test]
    fn bad_options_are_errors_not_panics() {
        assert!(matches!(
            CookieCodec::new("sid", "short", "/", false, None),
            Err(SessionError::KeyTooShort { actual: 5, .. })
        ));
        assert!(matches!(
            CookieCodec::new("s id", KEY, "/", false, None),
            Err(SessionError::InvalidName { .. })
        ));
        assert!(matches!(
            CookieCodec::new("sid", KEY, "/", false, Some(SameSite::None)),
            Err(SessionError::SameSiteNoneNeedsSecure { .. })
        ));
        assert!(CookieCodec::new("sid", KEY, "/", true, Some(SameSite::None)).is_ok());
    }

    #[test]
    fn oversized_values_are_refused() {
        let error = codec().seal(&"x".repeat(4000)).unwrap_err();
        assert!(
            matches!(error, SessionError::TooLarge { limit: 4096, .. }),
            "{error}"
        );
        assert!(codec().seal(&"x".repeat(2800)).is_ok());
    }

    #[test]
    fn finds_cookies_by_name() {
        let headers: RequestHeaders = [("cookie", "a=1; sid=x; b=2"), ("cookie", "sid=y")]
            .into_iter()
            .collect();
        assert_eq!(
            cookie_values(&headers, "sid").collect::<Vec<_>>(),
            vec!["x", "y"]
        );
        assert_eq!(cookie_values(&headers, "c").count(), 0);
    }
}
