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

/// Shortest password anyone may choose.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Refuses a new password that is short, or that zxcvbn estimates can be guessed in fewer
/// than 10^10 tries (score 4 of 4 is "very unguessable"; 3, which we require, "safely
/// unguessable" against an offline attack on a slow hash like ours). `about_them` are the
/// person's own name and email, which people like to build passwords from.
pub fn check_strength(password: &str, about_them: &[&str]) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::WeakPassword(format!(
            "use at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::InvalidInput("the password is too long"));
    }
    // "henk.becker1990" is built from "Henk Becker": give the estimator the words, not the
    // whole name, so it sees the pieces people reuse.
    let words: Vec<String> = about_them
        .iter()
        .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
        .filter(|word| word.chars().count() >= 3)
        .map(str::to_lowercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &words);
    if u8::from(estimate.score()) >= 3 {
        return Ok(());
    }
    let why = estimate
        .feedback()
        .and_then(|feedback| {
            feedback
                .warning()
                .map(|warning| warning.to_string())
                .or_else(|| feedback.suggestions().first().map(ToString::to_string))
        })
        .unwrap_or_else(|| "add another word or two; uncommon words are better".to_owned());
    Err(Error::WeakPassword(why))
}

/// Checks a password against a stored PHC-format hash. A malformed stored hash counts as a
/// mismatch (and is logged), never as a match.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    // No password yet (a person who has not followed their set-password link).
    if stored_hash.is_empty() {
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

    #[test]
    fn guessable_passwords_are_refused_with_a_reason_and_strong_ones_pass() {
        for weak in ["short", "password1234", "qwertyuiop123", "henkbecker"] {
            match check_strength(weak, &["Henk Becker", "henk@ektek.de"]) {
                Err(Error::WeakPassword(why)) => assert!(!why.is_empty(), "{weak}"),
                other => panic!("{weak} was not refused: {other:?}"),
            }
        }
        assert!(check_strength("correct horse battery staple", &[]).is_ok());
        assert!(check_strength("Vq7#mT2p!xL9wZ", &[]).is_ok());
    }

    #[test]
    fn a_person_without_a_password_matches_nothing() {
        assert!(!verify_password("", ""));
        assert!(!verify_password("anything", ""));
    }
}
