//! Secrets at rest: channel credentials (access tokens, app secrets) are sealed with
//! XChaCha20-Poly1305 under the `credentials_key` Spin variable before they reach SQLite, so a
//! copied database file or backup does not hand over a WhatsApp or Slack account.
//!
//! Stored form: `v1:` + base64(24-byte random nonce ‖ ciphertext ‖ tag). The associated data
//! names what the secret belongs to (`integration:<public id>`), so a sealed value copied onto
//! another row does not open. Without a key, values are stored as they are. Once a key is set,
//! an unsealed value is refused ([`VaultError::Unsealed`]): anyone able to write the database
//! could otherwise plant credentials of their own. Values stored before the key was set are
//! sealed by an admin, at once, with `POST /api/admin/integrations/seal`.

use crate::config;
use crate::ports::{Config, Random};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

const PREFIX: &str = "v1:";
const NONCE_BYTES: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// `credentials_key` is set but is not 64 hexadecimal characters.
    #[error(
        "the credentials_key variable must be 64 hexadecimal characters (openssl rand -hex 32)"
    )]
    BadKey,
    /// The value is sealed and no key is set.
    #[error("stored credentials are sealed but the credentials_key variable is not set")]
    NoKey,
    /// A key is set but the value is not sealed: stored before the key, or planted.
    #[error(
        "stored credentials are not sealed although the credentials_key variable is set; an \
         admin seals the ones stored before the key with POST /api/admin/integrations/seal"
    )]
    Unsealed,
    /// The value is sealed under another key, or was altered, or belongs to another owner.
    #[error(
        "stored credentials cannot be opened with the current credentials_key \
         (another key sealed them, or they were altered)"
    )]
    CannotOpen,
}

pub struct Vault {
    cipher: Option<XChaCha20Poly1305>,
}

impl Vault {
    /// The vault of this deployment: sealing when `credentials_key` is set.
    pub fn from_config(config: &dyn Config) -> Result<Vault, VaultError> {
        match config.get(config::CREDENTIALS_KEY) {
            None => Ok(Vault { cipher: None }),
            Some(hex) => Vault::with_key(&hex),
        }
    }

    /// A vault with the key given as 64 hexadecimal characters.
    pub fn with_key(hex: &str) -> Result<Vault, VaultError> {
        let bytes = decode_hex(hex.trim()).ok_or(VaultError::BadKey)?;
        let key = Key::try_from(bytes.as_slice()).map_err(|_| VaultError::BadKey)?;
        Ok(Vault {
            cipher: Some(XChaCha20Poly1305::new(&key)),
        })
    }

    pub fn seals(&self) -> bool {
        self.cipher.is_some()
    }

    /// `plaintext` as it should be stored for `owner`: sealed when there is a key.
    pub fn seal(&self, random: &dyn Random, owner: &str, plaintext: &str) -> String {
        let Some(cipher) = &self.cipher else {
            return plaintext.to_owned();
        };
        let mut nonce = [0u8; NONCE_BYTES];
        random.fill(&mut nonce);
        let sealed = cipher.encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext.as_bytes(),
                aad: owner.as_bytes(),
            },
        );
        // Encryption into a Vec cannot fail for inputs this size; should it, storing the value
        // unsealed would be worse than storing nothing, so the stored value is then empty and
        // the credentials read back as unusable.
        let Ok(sealed) = sealed else {
            return PREFIX.to_owned();
        };
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// The plaintext of a stored value for `owner`. Without a key, a value stored unsealed is
    /// returned as it is; with a key, only sealed values open.
    pub fn open(&self, owner: &str, stored: &str) -> Result<String, VaultError> {
        let Some(encoded) = stored.strip_prefix(PREFIX) else {
            return match self.cipher {
                None => Ok(stored.to_owned()),
                Some(_) => Err(VaultError::Unsealed),
            };
        };
        let cipher = self.cipher.as_ref().ok_or(VaultError::NoKey)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| VaultError::CannotOpen)?;
        if bytes.len() < NONCE_BYTES {
            return Err(VaultError::CannotOpen);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| VaultError::CannotOpen)?;
        let plain = cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| VaultError::CannotOpen)?;
        String::from_utf8(plain).map_err(|_| VaultError::CannotOpen)
    }

    /// Whether a stored value is sealed.
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(std::cell::Cell<u8>);
    impl Random for Counter {
        fn fill(&self, buf: &mut [u8]) {
            for b in buf {
                self.0.set(self.0.get().wrapping_add(1));
                *b = self.0.get();
            }
        }
    }

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn sealed_values_open_only_with_the_key_and_for_their_owner() {
        let vault = Vault::with_key(KEY).unwrap();
        let random = Counter(Default::default());
        let sealed = vault.seal(&random, "integration:a", r#"{"bot_token":"123:abc"}"#);
        assert!(Vault::is_sealed(&sealed));
        assert!(!sealed.contains("abc"));
        // A fresh nonce each time: the same secret never looks the same twice.
        assert_ne!(
            vault.seal(&random, "integration:a", "x"),
            vault.seal(&random, "integration:a", "x")
        );
        assert_eq!(
            vault.open("integration:a", &sealed).unwrap(),
            r#"{"bot_token":"123:abc"}"#
        );
        assert_eq!(
            vault.open("integration:b", &sealed),
            Err(VaultError::CannotOpen)
        );
        let other = Vault::with_key(&KEY.replace("00", "ff")).unwrap();
        assert_eq!(
            other.open("integration:a", &sealed),
            Err(VaultError::CannotOpen)
        );
        let mut altered = sealed.clone();
        altered.pop();
        altered.push('A');
        assert_eq!(
            vault.open("integration:a", &altered),
            Err(VaultError::CannotOpen)
        );
        let none = Vault { cipher: None };
        assert_eq!(none.open("integration:a", &sealed), Err(VaultError::NoKey));
    }

    #[test]
    fn without_a_key_values_stay_as_they_are_and_with_one_only_sealed_values_open() {
        let none = Vault { cipher: None };
        let random = Counter(Default::default());
        assert_eq!(none.seal(&random, "o", "{}"), "{}");
        assert_eq!(none.open("o", r#"{"a":"b"}"#).unwrap(), r#"{"a":"b"}"#);
        let vault = Vault::with_key(KEY).unwrap();
        assert_eq!(vault.open("o", r#"{"a":"b"}"#), Err(VaultError::Unsealed));
    }

    #[test]
    fn keys_must_be_64_hex_characters() {
        for bad in [
            "",
            "abc",
            &KEY[..62],
            &format!("{}zz", &KEY[..62]),
            &format!("{KEY}00"),
        ] {
            assert_eq!(
                Vault::with_key(bad).err(),
                Some(VaultError::BadKey),
                "{bad}"
            );
        }
        assert!(Vault::with_key(&KEY.to_uppercase()).is_ok());
    }
}
