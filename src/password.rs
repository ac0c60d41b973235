//! Password hashing with argon2id.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::{Error, Result};

/// Longer passwords are refused before hashing: argon2 would accept them, but hashing megabytes
/// per request is a denial-of-service lever.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes a password with argon2id and the library's recommended parameters (19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::InvalidInput("password too long"));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Internal(format!("hashing a password: {error}")))
}

/// Checks a password against a stored PHC-format hash. A malformed stored hash counts as a
/// mismatch (and is logged), never as a match.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(error) => {
            tracing::error!(%error, "a stored password hash is malformed");
            false
        }
    }
}

/// Verifies against a throwaway hash, so that a sign-in for an unknown email takes as long as
/// one for a known email with a wrong password.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash_password("dummy password").unwrap_or_default());
    let _ = verify_password(password, &DUMMY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse ", &hash));
    }

    #[test]
    fn malformed_hashes_and_huge_passwords_never_verify() {
        assert!(!verify_password("x", "not a hash"));
        let hash = hash_password("x").unwrap();
        assert!(!verify_password(&"x".repeat(MAX_PASSWORD_BYTES + 1), &hash));
        assert!(hash_password(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
    }
}
