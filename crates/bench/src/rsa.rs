//! The RSA-2048 baseline: what one private operation costs, and how many of them every
//! core of this machine does per second.
//!
//! The operation is the one a tenant-protected data key needs to open: RSA-OAEP with
//! SHA-256 and a label, through OpenSSL, on a key already parsed and kept in memory. This is
//! the floor under opening and re-wrapping: Keyward cannot do a tenant unwrap for less.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use openssl::encrypt::{Decrypter, Encrypter};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::{Padding, Rsa};

/// An RSA-2048 key and a data key wrapped under it, ready for private operations.
pub struct RsaBaseline {
    key: PKey<Private>,
    wrapped: Vec<u8>,
}

const LABEL: &[u8] = b"env-benchmark";

impl RsaBaseline {
    /// Generates a fresh key and wraps a 32-byte data key under it.
    pub fn new() -> Result<Self> {
        let key = PKey::from_rsa(Rsa::generate(2048)?)?;
        let wrapped = wrap(&key, &[7u8; 32])?;
        Ok(Self { key, wrapped })
    }

    /// One private operation: unwraps the data key.
    pub fn private_op(&self) -> Result<()> {
        let mut dec = Decrypter::new(&self.key)?;
        dec.set_rsa_padding(Padding::PKCS1_OAEP)?;
        dec.set_rsa_oaep_md(MessageDigest::sha256())?;
        dec.set_rsa_mgf1_md(MessageDigest::sha256())?;
        dec.set_rsa_oaep_label(LABEL)?;
        let mut out = vec![0u8; dec.decrypt_len(&self.wrapped)?];
        let n = dec.decrypt(&self.wrapped, &mut out)?;
        std::hint::black_box(n);
        Ok(())
    }

    /// Times one private operation.
    pub fn time_private_op(&self) -> Result<Duration> {
        let start = Instant::now();
        self.private_op()?;
        Ok(start.elapsed())
    }

    /// Private operations per second on `threads` threads together, for `duration`.
    pub fn ops_per_second(self: &Arc<Self>, threads: usize, duration: Duration) -> Result<f64> {
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let handles: Vec<std::thread::JoinHandle<Result<()>>> = (0..threads)
            .map(|_| {
                let (this, stop, count) = (Arc::clone(self), Arc::clone(&stop), Arc::clone(&count));
                // Named, so a profile can tell the baseline from what it is compared with.
                std::thread::Builder::new()
                    .name("kw-rsa-baseline".into())
                    .spawn(move || -> Result<()> {
                        while !stop.load(Ordering::Relaxed) {
                            this.private_op()?;
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(())
                    })
            })
            .collect::<std::io::Result<_>>()?;
        std::thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
        for handle in handles {
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("an RSA thread panicked"))??;
        }
        Ok(count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
    }
}

/// One timed step of [`key_handling_profile`].
type Step<'a> = Box<dyn Fn() -> Result<()> + 'a>;

/// Medians, over `samples` runs, of the steps the engine takes per tenant data key, for
/// the profile of activation and opening: the bare private operation on a parsed key;
/// parsing the private key from PKCS#8 DER (the file vault does it per unwrap); parsing
/// a public key from SubjectPublicKeyInfo DER (the envelope does it per wrap); and the
/// OAEP wrap itself on a parsed public key.
pub fn key_handling_profile(samples: usize) -> Result<[(&'static str, Duration); 4]> {
    let base = RsaBaseline::new()?;
    let pkcs8 = base.key.private_key_to_pkcs8()?;
    let spki = base.key.public_key_to_der()?;
    let public = PKey::public_key_from_der(&spki)?;
    let steps: [(&'static str, Step<'_>); 4] = [
        (
            "RSA-2048 private op (parsed key)",
            Box::new(|| base.private_op()),
        ),
        (
            "parse private key from PKCS#8",
            Box::new(|| {
                PKey::private_key_from_pkcs8(&pkcs8)
                    .map(drop)
                    .map_err(Into::into)
            }),
        ),
        (
            "parse public key from SPKI DER",
            Box::new(|| {
                PKey::public_key_from_der(&spki)
                    .map(drop)
                    .map_err(Into::into)
            }),
        ),
        (
            "RSA-OAEP wrap (parsed public key)",
            Box::new(|| wrap_public(&public, &[1; 32]).map(drop)),
        ),
    ];
    let mut out = [("", Duration::ZERO); 4];
    for (slot, (name, step)) in out.iter_mut().zip(steps.iter()) {
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples {
            let start = Instant::now();
            step()?;
            times.push(start.elapsed());
        }
        *slot = (*name, crate::stats::percentile(&times, 50.0));
    }
    Ok(out)
}

fn wrap_public(key: &PKey<openssl::pkey::Public>, dek: &[u8]) -> Result<Vec<u8>> {
    let mut enc = Encrypter::new(key)?;
    enc.set_rsa_padding(Padding::PKCS1_OAEP)?;
    enc.set_rsa_oaep_md(MessageDigest::sha256())?;
    enc.set_rsa_mgf1_md(MessageDigest::sha256())?;
    enc.set_rsa_oaep_label(LABEL)?;
    let mut wrapped = vec![0u8; enc.encrypt_len(dek)?];
    let n = enc.encrypt(dek, &mut wrapped)?;
    wrapped.truncate(n);
    Ok(wrapped)
}

fn wrap(key: &PKey<Private>, dek: &[u8]) -> Result<Vec<u8>> {
    let mut enc = Encrypter::new(key)?;
    enc.set_rsa_padding(Padding::PKCS1_OAEP)?;
    enc.set_rsa_oaep_md(MessageDigest::sha256())?;
    enc.set_rsa_mgf1_md(MessageDigest::sha256())?;
    enc.set_rsa_oaep_label(LABEL)?;
    let mut wrapped = vec![0u8; enc.encrypt_len(dek)?];
    let n = enc.encrypt(dek, &mut wrapped)?;
    wrapped.truncate(n);
    Ok(wrapped)
}

/// The number of cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
