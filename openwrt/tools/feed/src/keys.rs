//! Feed keys and signatures.
//!
//! - apk (`packages.adb`): ECDSA P-256. A SIG block holds `sign_ver` 0, `hash_alg` 4
//!   (SHA-512), the key id (the first 16 bytes of SHA-512 over the public point, as
//!   OpenSSL's `i2d_PublicKey` writes it: 0x04 || X || Y) and a DER signature. What is
//!   signed, with SHA-512 as the signature's digest, is the 86-byte message
//!   `schema (u32 le) || sign_ver || hash_alg || key id || SHA-512(ADB block)`.
//!   Nonces follow RFC 6979, so a signature is a function of key and message.
//! - opkg (`Packages.sig`): Ed25519 in usign's (= OpenBSD signify's) files: a comment
//!   line, then base64 of `"Ed" || key number (8) || signature (64)`; public key
//!   `"Ed" || key number || key (32)`; secret key `"Ed" "BK" rounds (u32 be, 0 = no
//!   passphrase) salt (16) checksum (8, SHA-512 of the key) key number || key (64)`.

use std::io::Read;
use std::path::Path;

use base64ct::{Base64, Encoding};
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};

use crate::{read, sha512, Error};

/// File names in a key folder: OpenWrt's (a buildroot's top folder works as KEY_DIR).
pub const USIGN_SECRET: &str = "key-build";
pub const USIGN_PUBLIC: &str = "key-build.pub";
pub const EC_SECRET: &str = "private-key.pem";
pub const EC_PUBLIC: &str = "public-key.pem";

fn random(buf: &mut [u8]) -> Result<(), Error> {
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| Error::new(format!("cannot read /dev/urandom for a new key: {e}")))
}

pub struct EcKey {
    pub sk: SigningKey,
    pub id: [u8; 16],
}

pub struct EcPublic {
    pub vk: VerifyingKey,
    pub id: [u8; 16],
}

pub fn key_id(vk: &VerifyingKey) -> [u8; 16] {
    let point = vk.to_encoded_point(false);
    let d = sha512(point.as_bytes());
    d[..16].try_into().unwrap_or([0; 16])
}

impl EcKey {
    pub fn generate() -> Result<Self, Error> {
        loop {
            let mut b = [0u8; 32];
            random(&mut b)?;
            if let Ok(sk) = SigningKey::from_slice(&b) {
                let id = key_id(sk.verifying_key());
                return Ok(EcKey { sk, id });
            }
        }
    }

    /// Reads an EC private key: SEC1 (`EC PRIVATE KEY`, what `openssl ecparam -genkey`
    /// writes and OpenWrt's build makes) or PKCS#8 (`PRIVATE KEY`).
    pub fn load(path: &Path) -> Result<Self, Error> {
        let pem = String::from_utf8(read(path)?)
            .map_err(|_| Error::new(format!("{}: not a PEM file", path.display())))?;
        let sk = if pem.contains("BEGIN EC PRIVATE KEY") {
            p256::SecretKey::from_sec1_pem(&pem)
                .map(SigningKey::from)
                .map_err(|e| e.to_string())
        } else {
            SigningKey::from_pkcs8_pem(&pem).map_err(|e| e.to_string())
        }
        .map_err(|e| {
            Error::new(format!(
                "{}: not an ECDSA P-256 private key ({e})",
                path.display()
            ))
        })?;
        let id = key_id(sk.verifying_key());
        Ok(EcKey { sk, id })
    }

    pub fn secret_pem(&self) -> Result<String, Error> {
        let sk = p256::SecretKey::from(&self.sk);
        sk.to_sec1_pem(LineEnding::LF)
            .map(|z| z.to_string())
            .map_err(|e| Error::new(format!("cannot encode the key: {e}")))
    }

    pub fn public(&self) -> EcPublic {
        EcPublic {
            vk: *self.sk.verifying_key(),
            id: self.id,
        }
    }

    /// A SIG block payload for an ADB block of `schema`.
    pub fn sign_adb(&self, schema: u32, adb: &[u8]) -> Result<Vec<u8>, Error> {
        let mut hdr = vec![0u8, 4];
        hdr.extend_from_slice(&self.id);
        let msg = sig_message(schema, &hdr, adb);
        let sig: Signature = self
            .sk
            .sign_prehash(&sha512(&msg))
            .map_err(|e| Error::new(format!("ECDSA signing failed: {e}")))?;
        hdr.extend_from_slice(sig.to_der().as_bytes());
        Ok(hdr)
    }
}

impl EcPublic {
    pub fn load(path: &Path) -> Result<Self, Error> {
        let pem = String::from_utf8(read(path)?)
            .map_err(|_| Error::new(format!("{}: not a PEM file", path.display())))?;
        let vk = VerifyingKey::from_public_key_pem(&pem).map_err(|e| {
            Error::new(format!(
                "{}: not an ECDSA P-256 public key ({e})",
                path.display()
            ))
        })?;
        let id = key_id(&vk);
        Ok(EcPublic { vk, id })
    }

    pub fn pem(&self) -> Result<String, Error> {
        self.vk
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| Error::new(format!("cannot encode the key: {e}")))
    }

    /// Checks one SIG block payload against an ADB block.
    pub fn verify_adb(&self, schema: u32, adb: &[u8], sig: &[u8]) -> Result<(), Error> {
        if sig.len() < 18 || sig[0] != 0 {
            return Err(Error::new("unknown signature version"));
        }
        if sig[2..18] != self.id {
            return Err(Error::new(format!(
                "signed by key {}, not by this key ({})",
                crate::schema::hex(&sig[2..18]),
                crate::schema::hex(&self.id)
            )));
        }
        if sig[1] != 4 {
            return Err(Error::new(format!(
                "signature over hash algorithm {} (this reader checks SHA-512, 4)",
                sig[1]
            )));
        }
        let msg = sig_message(schema, &sig[..18], adb);
        let s = Signature::from_der(&sig[18..])
            .map_err(|_| Error::new("the signature is not a DER ECDSA signature"))?;
        self.vk.verify_prehash(&sha512(&msg), &s).map_err(|_| {
            Error::new(
                "BAD signature: the index was changed after signing, or signed by another key",
            )
        })
    }
}

/// The message apk signs for an ADB block: schema, the signature header, SHA-512(ADB).
pub fn sig_message(schema: u32, sig_hdr: &[u8], adb: &[u8]) -> Vec<u8> {
    let mut m = schema.to_le_bytes().to_vec();
    m.extend_from_slice(&sig_hdr[..18]);
    m.extend_from_slice(&sha512(adb));
    m
}

/// A usign / signify Ed25519 key pair.
pub struct Usign {
    pub keynum: [u8; 8],
    pub kp: ed25519_compact::KeyPair,
}

fn b64line(text: &str, what: &str, path: &Path) -> Result<Vec<u8>, Error> {
    let mut lines = text.lines();
    let c = lines.next().unwrap_or("");
    if !c.starts_with("untrusted comment: ") {
        return Err(Error::new(format!(
            "{}: not a usign/signify {what} (no 'untrusted comment:' line)",
            path.display()
        )));
    }
    Base64::decode_vec(lines.next().unwrap_or("").trim()).map_err(|_| {
        Error::new(format!(
            "{}: not a usign/signify {what} (bad base64)",
            path.display()
        ))
    })
}

impl Usign {
    pub fn generate() -> Result<Self, Error> {
        let mut seed = [0u8; 32];
        random(&mut seed)?;
        let mut keynum = [0u8; 8];
        random(&mut keynum)?;
        let kp = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(seed));
        Ok(Usign { keynum, kp })
    }

    pub fn fingerprint(&self) -> String {
        crate::schema::hex(&self.keynum)
    }

    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = String::from_utf8(read(path)?)
            .map_err(|_| Error::new(format!("{}: not a usign secret key", path.display())))?;
        let b = b64line(&text, "secret key", path)?;
        if b.len() != 104 || &b[..4] != b"EdBK" {
            return Err(Error::new(format!(
                "{}: not an Ed25519 usign/signify secret key",
                path.display()
            )));
        }
        if b[4..8] != [0, 0, 0, 0] {
            return Err(Error::new(format!(
                "{}: the key has a passphrase; make one without (usign -G, signify -G -n)",
                path.display()
            )));
        }
        let keynum: [u8; 8] = b[32..40].try_into().unwrap_or([0; 8]);
        let sk = ed25519_compact::SecretKey::from_slice(&b[40..104])
            .map_err(|_| Error::new(format!("{}: damaged secret key", path.display())))?;
        if sha512(&b[40..104])[..8] != b[24..32] {
            return Err(Error::new(format!(
                "{}: damaged secret key (checksum)",
                path.display()
            )));
        }
        let kp = ed25519_compact::KeyPair {
            pk: sk.public_key(),
            sk,
        };
        Ok(Usign { keynum, kp })
    }

    pub fn secret_text(&self) -> String {
        let mut b = b"EdBK".to_vec();
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&[0; 16]);
        b.extend_from_slice(&sha512(self.kp.sk.as_ref())[..8]);
        b.extend_from_slice(&self.keynum);
        b.extend_from_slice(self.kp.sk.as_ref());
        format!(
            "untrusted comment: umodem feed secret key\n{}\n",
            Base64::encode_string(&b)
        )
    }

    pub fn public_text(&self) -> String {
        let mut b = b"Ed".to_vec();
        b.extend_from_slice(&self.keynum);
        b.extend_from_slice(self.kp.pk.as_ref());
        format!(
            "untrusted comment: umodem feed public key {}\n{}\n",
            self.fingerprint(),
            Base64::encode_string(&b)
        )
    }

    /// A `Packages.sig`: the signature over the uncompressed `Packages`.
    pub fn sign(&self, msg: &[u8]) -> String {
        let sig = self.kp.sk.sign(msg, None);
        let mut b = b"Ed".to_vec();
        b.extend_from_slice(&self.keynum);
        b.extend_from_slice(sig.as_ref());
        format!(
            "untrusted comment: signed by key {}\n{}\n",
            self.fingerprint(),
            Base64::encode_string(&b)
        )
    }
}

/// Checks a usign signature file against a public key file's text.
pub fn usign_verify(pub_path: &Path, msg: &[u8], sig_text: &str) -> Result<(), Error> {
    let text =
        String::from_utf8(read(pub_path)?).map_err(|_| Error::new("not a usign public key"))?;
    let p = b64line(&text, "public key", pub_path)?;
    let s = b64line(sig_text, "signature", Path::new("signature"))?;
    if p.len() != 42 || &p[..2] != b"Ed" || s.len() != 74 || &s[..2] != b"Ed" {
        return Err(Error::new("not an Ed25519 usign key or signature"));
    }
    if p[2..10] != s[2..10] {
        return Err(Error::new(format!(
            "signed by key {}, not by {}",
            crate::schema::hex(&s[2..10]),
            crate::schema::hex(&p[2..10])
        )));
    }
    let pk = ed25519_compact::PublicKey::from_slice(&p[10..])
        .map_err(|_| Error::new("damaged public key"))?;
    let sig = ed25519_compact::Signature::from_slice(&s[10..])
        .map_err(|_| Error::new("damaged signature"))?;
    pk.verify(msg, &sig).map_err(|_| {
        Error::new("BAD signature: Packages was changed after signing, or signed by another key")
    })
}

/// The feed's keys, from a key folder. With `create`, missing keys are made (the
/// first build); without, a missing key is an error.
pub struct FeedKeys {
    pub usign: Usign,
    pub ec: EcKey,
}

impl FeedKeys {
    pub fn open(dir: &Path, create: bool) -> Result<Self, Error> {
        let us = dir.join(USIGN_SECRET);
        let ec = dir.join(EC_SECRET);
        if create && !us.exists() && !ec.exists() {
            std::fs::create_dir_all(dir).map_err(|e| {
                Error::new(format!("cannot create key folder {}: {e}", dir.display()))
            })?;
            let u = Usign::generate()?;
            let e = EcKey::generate()?;
            crate::write_atomic(&us, u.secret_text().as_bytes(), 0o600)?;
            crate::write_atomic(&dir.join(USIGN_PUBLIC), u.public_text().as_bytes(), 0o644)?;
            crate::write_atomic(&ec, e.secret_pem()?.as_bytes(), 0o600)?;
            crate::write_atomic(&dir.join(EC_PUBLIC), e.public().pem()?.as_bytes(), 0o644)?;
            eprintln!(
                "made a new feed key pair in {} (keep it: routers trust the feed by it)",
                dir.display()
            );
        }
        let missing = |p: &Path, what: &str| {
            Error::new(format!(
                "no {what} at {}: point KEY_DIR at a folder with {USIGN_SECRET} (usign) and {EC_SECRET} (ECDSA P-256), or leave KEY_DIR unset to make a key pair on the first build",
                p.display()
            ))
        };
        if !us.exists() {
            return Err(missing(&us, "usign secret key"));
        }
        if !ec.exists() {
            return Err(missing(&ec, "apk (ECDSA P-256) private key"));
        }
        Ok(FeedKeys {
            usign: Usign::load(&us)?,
            ec: EcKey::load(&ec)?,
        })
    }
}
