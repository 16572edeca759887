//! PKCS#12 (`.pfx`/`.p12`) import under rules K1 and K2.
//!
//! The order of work is the point of this module:
//! 1. read the whole visible structure (BER) and every algorithm's parameters;
//! 2. refuse unsupported schemes and charge every iteration count to the file's budget,
//!    before any key derivation runs;
//! 3. find which encoding of the password opens the file (MAC, or the first encrypted
//!    part when there is no MAC), testing the empty password only if that fails;
//! 4. decrypt the rest, count private keys, check the key (K1) and its certificates.
//!
//! It must never report a damaged file as a wrong password, never accept a key that no
//! non-empty password protects, and never log passwords or decrypted bytes.

mod limits;
mod mac;
mod password;
mod pbe;
mod structure;

use keyward_domain::Fingerprint;
use openssl::x509::X509;
use tracing::debug;
use zeroize::Zeroizing;

pub use limits::IterationLimits;

use self::limits::IterationBudget;
use self::mac::MacScheme;
use self::password::Candidate;
use self::pbe::{decrypt, worth_trying, EncryptionScheme};
use self::structure::{Bag, Content, Pfx};
use crate::asn1::pkcs8_algorithm;
use crate::key_policy::tenant_key_from_pkcs8;
use crate::{identity, ImportError, Password, TenantPrivateKey};

/// A private key taken from a PKCS#12 file that passed every check.
#[derive(Debug)]
pub struct Pkcs12Key {
    /// The RSA-2048 private key.
    pub key: TenantPrivateKey,
    /// Its identity.
    pub fingerprint: Fingerprint,
    /// How many X.509 certificates the file held (the key's own and any chain).
    pub certificates: usize,
}

/// An encrypted element and its parsed scheme.
struct Sealed {
    scheme: EncryptionScheme,
    ciphertext: Vec<u8>,
}

/// What the bags seen so far hold.
#[derive(Default)]
struct Collected {
    plain_keys: Vec<Zeroizing<Vec<u8>>>,
    shrouded_keys: Vec<Sealed>,
    certificates: Vec<Vec<u8>>,
}

/// Everything visible before decryption, with every scheme parsed and charged.
struct Plan {
    mac: Option<MacScheme>,
    sealed_contents: Vec<Sealed>,
    collected: Collected,
}

/// Imports the one RSA-2048 private key of a PKCS#12 file.
///
/// `password` is `None` when the caller has none; the file is then only tested for an
/// empty password, to say so precisely.
pub fn import_pkcs12(
    der: &[u8],
    password: Option<&Password>,
    limits: IterationLimits,
) -> Result<Pkcs12Key, ImportError> {
    crate::provider::load_providers();
    let pfx = structure::parse_pfx(der).map_err(|_| ImportError::Pkcs12Malformed)?;
    let mut budget = IterationBudget::new(limits);
    let mut plan = read_plan(&pfx, &mut budget)?;

    let candidates = choose_password(&plan, &pfx.auth_safe, password)?;
    open_sealed_contents(&mut plan, &candidates, &mut budget)?;
    let keys = open_key_bags(&plan.collected, &candidates)?;
    finish(keys, &plan.collected.certificates)
}

/// Step 1 and 2: the structure, every scheme, every iteration count.
fn read_plan(pfx: &Pfx, budget: &mut IterationBudget) -> Result<Plan, ImportError> {
    let contents =
        structure::parse_auth_safe(&pfx.auth_safe).map_err(|_| ImportError::Pkcs12Malformed)?;
    let mac = pfx
        .mac
        .as_ref()
        .map(|mac| MacScheme::parse(mac, budget))
        .transpose()?;
    let mut plan = Plan {
        mac,
        sealed_contents: Vec::new(),
        collected: Collected::default(),
    };
    for content in contents {
        match content {
            Content::Data(bytes) => collect_bags(&bytes, budget, &mut plan.collected)?,
            Content::Encrypted {
                algorithm,
                ciphertext,
            } => {
                let scheme = EncryptionScheme::parse(&algorithm, budget)?;
                plan.sealed_contents.push(Sealed { scheme, ciphertext });
            }
            Content::Enveloped => return Err(ImportError::Pkcs12UnsupportedContent),
            Content::Other => {}
        }
    }
    debug!(
        mac = plan.mac.as_ref().map_or("none", MacScheme::describe),
        encrypted_contents = plan.sealed_contents.len(),
        "pkcs12 structure read"
    );
    Ok(plan)
}

/// Sorts the bags of one SafeContents, parsing and charging each shrouded key's scheme.
fn collect_bags(
    safe_contents: &[u8],
    budget: &mut IterationBudget,
    into: &mut Collected,
) -> Result<(), ImportError> {
    let bags =
        structure::parse_safe_contents(safe_contents).map_err(|_| ImportError::Pkcs12Malformed)?;
    for bag in bags {
        match bag {
            Bag::Key(der) => into.plain_keys.push(der),
            Bag::ShroudedKey {
                algorithm,
                ciphertext,
            } => {
                let scheme = EncryptionScheme::parse(&algorithm, budget)?;
                into.shrouded_keys.push(Sealed { scheme, ciphertext });
            }
            Bag::Certificate(der) => into.certificates.push(der),
            Bag::Other => {}
        }
    }
    Ok(())
}

/// Step 3: the candidates of the given password, the one that opens the file first.
fn choose_password(
    plan: &Plan,
    auth_safe: &[u8],
    password: Option<&Password>,
) -> Result<Vec<Candidate>, ImportError> {
    let probe = Probe::of(plan)?;
    let mut given = match password {
        Some(password) if !password.is_empty() => Candidate::given(password),
        _ => Vec::new(),
    };
    if let Some(index) = given.iter().position(|c| probe.opens(c, auth_safe)) {
        debug!(encoding = ?given[index].kind, "pkcs12 password verified");
        given.swap(0, index);
        return Ok(given);
    }

    // Only now, when the given password failed or was empty, is the empty one tested.
    if Candidate::empty().iter().any(|c| probe.opens(c, auth_safe)) {
        return Err(ImportError::Pkcs12NoPassword);
    }
    match password {
        None => Err(ImportError::Pkcs12PasswordRequired),
        Some(_) => Err(ImportError::Pkcs12IncorrectPassword),
    }
}

/// How a password candidate is verified.
enum Probe<'p> {
    /// The MAC over the authenticated safe.
    Mac(&'p MacScheme),
    /// Decrypting a key bag to a well-formed PKCS#8 (files without MAC).
    Key(&'p Sealed),
    /// Decrypting an encrypted content to well-formed SafeContents (files without MAC).
    Content(&'p Sealed),
}

impl<'p> Probe<'p> {
    fn of(plan: &'p Plan) -> Result<Self, ImportError> {
        if let Some(mac) = &plan.mac {
            return Ok(Self::Mac(mac));
        }
        if let Some(key) = plan.collected.shrouded_keys.first() {
            return Ok(Self::Key(key));
        }
        if let Some(content) = plan.sealed_contents.first() {
            return Ok(Self::Content(content));
        }
        Err(ImportError::Pkcs12NotPasswordProtected)
    }

    fn opens(&self, candidate: &Candidate, auth_safe: &[u8]) -> bool {
        match self {
            Self::Mac(mac) => mac.verify(candidate, auth_safe),
            Self::Key(sealed) => open_key(sealed, candidate).is_some(),
            Self::Content(sealed) => open_content(sealed, candidate).is_some(),
        }
    }
}

/// Decrypts a shrouded key bag and checks that the result is a PKCS#8 structure.
fn open_key(sealed: &Sealed, candidate: &Candidate) -> Option<Zeroizing<Vec<u8>>> {
    if !worth_trying(&sealed.scheme, candidate) {
        return None;
    }
    let plain = decrypt(&sealed.scheme, candidate, &sealed.ciphertext).ok()?;
    pkcs8_algorithm(&plain).ok()?;
    Some(plain)
}

/// Decrypts an encrypted content and checks that the result is SafeContents.
fn open_content(sealed: &Sealed, candidate: &Candidate) -> Option<Zeroizing<Vec<u8>>> {
    if !worth_trying(&sealed.scheme, candidate) {
        return None;
    }
    let plain = decrypt(&sealed.scheme, candidate, &sealed.ciphertext).ok()?;
    structure::parse_safe_contents(&plain).ok()?;
    Some(plain)
}

/// Step 4a: decrypts every encrypted content and sorts its bags.
fn open_sealed_contents(
    plan: &mut Plan,
    candidates: &[Candidate],
    budget: &mut IterationBudget,
) -> Result<(), ImportError> {
    for sealed in std::mem::take(&mut plan.sealed_contents) {
        let plain = candidates
            .iter()
            .find_map(|c| open_content(&sealed, c))
            .ok_or(ImportError::Pkcs12ContentPasswordDiffers)?;
        collect_bags(&plain, budget, &mut plan.collected)?;
    }
    Ok(())
}

/// Step 4b: every private key as plaintext PKCS#8, refusing unencrypted ones.
fn open_key_bags(
    collected: &Collected,
    candidates: &[Candidate],
) -> Result<Vec<Zeroizing<Vec<u8>>>, ImportError> {
    if !collected.plain_keys.is_empty() {
        return Err(ImportError::Pkcs12KeyNotEncrypted);
    }
    let mut keys = Vec::new();
    for sealed in &collected.shrouded_keys {
        if let Some(plain) = candidates.iter().find_map(|c| open_key(sealed, c)) {
            keys.push(plain);
            continue;
        }
        // A key under an empty password is not password-protected, whatever the MAC says.
        if Candidate::empty()
            .iter()
            .any(|c| open_key(sealed, c).is_some())
        {
            return Err(ImportError::Pkcs12NoPassword);
        }
        return Err(ImportError::Pkcs12KeyPasswordDiffers);
    }
    Ok(keys)
}

/// Step 4c: exactly one key, RSA-2048, matching a certificate if any is present.
fn finish(
    keys: Vec<Zeroizing<Vec<u8>>>,
    certificates: &[Vec<u8>],
) -> Result<Pkcs12Key, ImportError> {
    let der = match keys.as_slice() {
        [] => return Err(ImportError::Pkcs12NoPrivateKey),
        [one] => one,
        many => return Err(ImportError::Pkcs12MultiplePrivateKeys { count: many.len() }),
    };
    let key = tenant_key_from_pkcs8(der)?;
    let spki = key
        .expose_pkey()
        .public_key_to_der()
        .map_err(|_| ImportError::KeyMalformed)?;
    if !certificates.is_empty() && !certificates.iter().any(|c| certificate_has_key(c, &spki)) {
        return Err(ImportError::Pkcs12CertificateMismatch);
    }
    let fingerprint =
        identity::fingerprint(key.expose_pkey()).map_err(|_| ImportError::KeyMalformed)?;
    Ok(Pkcs12Key {
        key,
        fingerprint,
        certificates: certificates.len(),
    })
}

/// Whether the certificate's public key is the one whose SubjectPublicKeyInfo is `spki`.
/// Certificates OpenSSL cannot read simply do not match.
fn certificate_has_key(der: &[u8], spki: &[u8]) -> bool {
    let Ok(cert) = X509::from_der(der) else {
        return false;
    };
    cert.public_key()
        .and_then(|key| key.public_key_to_der())
        .is_ok_and(|cert_spki| cert_spki == spki)
}
