//! Secrets: password hashing (argon2id, off the async executor), API tokens and calendar feed
//! secrets (random, shown once, stored only as a SHA-256 hash and compared in constant time
//! by the database lookup of that hash).

use anyhow::Context;
use argon2::password_hash::{
    rand_core::{OsRng, RngCore},
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// argon2id with the OWASP baseline (19 MiB, 2 passes, 1 lane): about 20–40 ms on one core
/// here, which keeps guessing expensive without making sign-in slow.
fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// Hashes a password on the blocking pool, keeping the current tracing span.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("could not hash the password: {e}"))
    })
    .await
    .context("password hashing task failed")?
}

/// Checks a password against a stored PHC string, on the blocking pool.
pub async fn verify_password(password: String, stored: String) -> anyhow::Result<bool> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| anyhow::anyhow!("stored password hash is malformed: {e}"))?;
        Ok(argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .context("password verification task failed")?
}

/// A password people can type: 24 characters from 122 random bits.
pub fn generate_password() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..24].to_string()
}

/// A new API token: `stw_` and 64 hex characters (244 random bits).
pub fn generate_token() -> String {
    format!(
        "stw_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A new calendar feed secret: `stwcal_` and 32 random bytes, base64url without padding. It
/// travels in a URL path, hence the URL-safe alphabet.
pub fn generate_feed_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("stwcal_{}", base64url(&bytes))
}

/// RFC 4648 §5 base64url without padding (small enough not to need a crate).
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// What is stored for a token: its SHA-256, hex. Tokens carry enough entropy that a fast
/// hash is safe, and it lets the lookup be an indexed equality on the hash.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Bytes as lowercase hex (hashes, keys, signatures).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone())
            .await
            .expect("verify"));
        assert!(!verify_password("wrong".into(), hash).await.expect("verify"));
        assert!(verify_password("x".into(), "not a hash".into())
            .await
            .is_err());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = generate_token();
        assert!(a.starts_with("stw_") && a.len() == 68);
        assert_ne!(a, generate_token());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(generate_password().len(), 24);
    }

    #[test]
    fn feed_secrets_are_url_safe_and_random() {
        let a = generate_feed_secret();
        assert!(a.starts_with("stwcal_") && a.len() == 7 + 43, "{a}");
        assert!(a[7..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_ne!(a, generate_feed_secret());
        // RFC 4648 test vectors, base64url without padding.
        for (input, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64url(input.as_bytes()), encoded);
        }
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
    }
}
