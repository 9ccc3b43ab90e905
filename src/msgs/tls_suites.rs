//! The TLS cipher-suite registry as data: every two-byte suite IANA has assigned (plus a few
//! pre-standard codes servers still speak), with properties derived from each name by rule
//! (`describe`), so that the table is the registry's names and nothing hand-classified.

use std::sync::OnceLock;

/// How the premaster / shared secret is agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyExchange {
    /// TLS_NULL_WITH_NULL_NULL: no key exchange.
    Null,
    /// Static RSA key transport.
    Rsa,
    /// Static (certificate) Diffie-Hellman.
    Dh,
    /// Ephemeral Diffie-Hellman (also anonymous DH, whose keys are ephemeral).
    Dhe,
    /// Static (certificate) elliptic-curve Diffie-Hellman.
    Ecdh,
    /// Ephemeral elliptic-curve Diffie-Hellman (also anonymous ECDH).
    Ecdhe,
    Psk,
    DhePsk,
    EcdhePsk,
    RsaPsk,
    Krb5,
    Srp,
    EccPwd,
    Gost,
    /// TLS 1.3 suites: the key exchange is negotiated separately (key_share).
    Any,
}

impl KeyExchange {
    pub fn name(self) -> &'static str {
        match self {
            KeyExchange::Null => "NULL",
            KeyExchange::Rsa => "RSA",
            KeyExchange::Dh => "DH",
            KeyExchange::Dhe => "DHE",
            KeyExchange::Ecdh => "ECDH",
            KeyExchange::Ecdhe => "ECDHE",
            KeyExchange::Psk => "PSK",
            KeyExchange::DhePsk => "DHE_PSK",
            KeyExchange::EcdhePsk => "ECDHE_PSK",
            KeyExchange::RsaPsk => "RSA_PSK",
            KeyExchange::Krb5 => "KRB5",
            KeyExchange::Srp => "SRP",
            KeyExchange::EccPwd => "ECCPWD",
            KeyExchange::Gost => "GOST",
            KeyExchange::Any => "any",
        }
    }

    /// Ephemeral finite-field Diffie-Hellman (DHE, DH_anon, DHE_PSK): the server picks a group
    /// and sends it in its ServerKeyExchange (`tls.dh_bits`).
    pub fn finite_field_ephemeral(self) -> bool {
        matches!(self, KeyExchange::Dhe | KeyExchange::DhePsk)
    }

    /// Ephemeral key agreement: the session keys survive the theft of the server's long-term key.
    pub fn forward_secret(self) -> bool {
        matches!(
            self,
            KeyExchange::Dhe
                | KeyExchange::Ecdhe
                | KeyExchange::DhePsk
                | KeyExchange::EcdhePsk
                | KeyExchange::Srp
                | KeyExchange::EccPwd
                | KeyExchange::Any
        )
    }
}

/// How the server authenticates itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Authentication {
    /// Anonymous (`anon`) or TLS_NULL_WITH_NULL_NULL.
    None,
    Rsa,
    Dss,
    Ecdsa,
    Psk,
    Krb5,
    Srp,
    Password,
    Gost,
    /// TLS 1.3 suites: authentication is by the certificate, negotiated separately.
    Any,
}

impl Authentication {
    pub fn name(self) -> &'static str {
        match self {
            Authentication::None => "none",
            Authentication::Rsa => "RSA",
            Authentication::Dss => "DSS",
            Authentication::Ecdsa => "ECDSA",
            Authentication::Psk => "PSK",
            Authentication::Krb5 => "KRB5",
            Authentication::Srp => "SRP",
            Authentication::Password => "password",
            Authentication::Gost => "GOST",
            Authentication::Any => "any",
        }
    }
}

/// The bulk cipher's algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cipher {
    Null,
    Rc4,
    Rc2,
    Idea,
    Des,
    TripleDes,
    Aes,
    Camellia,
    Aria,
    Seed,
    ChaCha20,
    Sm4,
    Kuznyechik,
    Magma,
    Gost28147,
    Aegis,
}

impl Cipher {
    pub fn name(self) -> &'static str {
        match self {
            Cipher::Null => "NULL",
            Cipher::Rc4 => "RC4",
            Cipher::Rc2 => "RC2",
            Cipher::Idea => "IDEA",
            Cipher::Des => "DES",
            Cipher::TripleDes => "3DES",
            Cipher::Aes => "AES",
            Cipher::Camellia => "CAMELLIA",
            Cipher::Aria => "ARIA",
            Cipher::Seed => "SEED",
            Cipher::ChaCha20 => "CHACHA20",
            Cipher::Sm4 => "SM4",
            Cipher::Kuznyechik => "KUZNYECHIK",
            Cipher::Magma => "MAGMA",
            Cipher::Gost28147 => "GOST28147",
            Cipher::Aegis => "AEGIS",
        }
    }
}

/// The cipher's mode of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// No encryption (NULL cipher).
    None,
    Stream,
    Cbc,
    Ctr,
    Gcm,
    Ccm,
    Ccm8,
    Poly1305,
    Mgm,
    /// AEGIS is its own AEAD construction.
    Aegis,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::None => "",
            Mode::Stream => "",
            Mode::Cbc => "CBC",
            Mode::Ctr => "CTR",
            Mode::Gcm => "GCM",
            Mode::Ccm => "CCM",
            Mode::Ccm8 => "CCM8",
            Mode::Poly1305 => "POLY1305",
            Mode::Mgm => "MGM",
            Mode::Aegis => "",
        }
    }

    pub fn aead(self) -> bool {
        matches!(
            self,
            Mode::Gcm | Mode::Ccm | Mode::Ccm8 | Mode::Poly1305 | Mode::Mgm | Mode::Aegis
        )
    }
}

/// What a suite's name says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Properties {
    pub kx: KeyExchange,
    pub auth: Authentication,
    pub cipher: Cipher,
    pub mode: Mode,
    /// Effective symmetric key bits (3DES: 112; EXPORT: 40 or 56; NULL: 0).
    pub bits: u16,
    /// The last element of the name: the record MAC's hash, or for AEAD suites the PRF hash
    /// ("SHA" is SHA-1; "" when the name gives none, as for the CCM suites).
    pub hash: &'static str,
    pub aead: bool,
    pub forward_secrecy: bool,
    /// An export-grade suite (`EXPORT`, `EXPORT1024`).
    pub export: bool,
    /// A TLS 1.3 suite (no `_WITH_`, or the MGM GOST suites); useless below TLS 1.3 and the only
    /// kind TLS 1.3 accepts.
    pub tls13: bool,
}

/// One registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Suite {
    pub code: u16,
    pub name: &'static str,
    /// Not in IANA's registry: an early or vendor code still seen in the field.
    pub pre_standard: bool,
    pub props: Properties,
}

impl Suite {
    /// Weak in the sense of SPEC §7.2 `tls-weak-cipher`: NULL, EXPORT, anonymous, RC4, DES or 3DES.
    /// (PSK, SRP and Kerberos suites carry no certificate but are not anonymous.)
    pub fn weak(&self) -> bool {
        let p = &self.props;
        p.export
            || p.auth == Authentication::None
            || matches!(
                p.cipher,
                Cipher::Null | Cipher::Rc4 | Cipher::Des | Cipher::TripleDes
            )
    }
}

const HASHES: &[&str] = &[
    "MD5",
    "SHA",
    "SHA256",
    "SHA384",
    "SM3",
    "OMAC",
    "IMIT",
    "GOSTR3411",
];

/// Derives a suite's properties from its IANA-style name (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`
/// -> ECDHE, RSA, AES 128 GCM, AEAD, forward secret). `None` for a name outside the grammar.
pub fn describe(name: &str) -> Option<Properties> {
    let s = name
        .strip_prefix("TLS_")
        .or_else(|| name.strip_prefix("SSL_"))?;
    let s = s.strip_suffix("_OLD").unwrap_or(s);
    let (kx_part, rest) = match s.split_once("_WITH_") {
        Some((kx, rest)) => (Some(kx), rest),
        None => (None, s),
    };

    // Key exchange and authentication.
    let mut export = false;
    let (mut kx, mut auth) = match kx_part {
        None => (KeyExchange::Any, Authentication::Any),
        Some(part) => {
            let mut toks: Vec<&str> = Vec::new();
            for t in part.split('_') {
                if t == "EXPORT" || t == "EXPORT1024" {
                    export = true;
                } else {
                    toks.push(t);
                }
            }
            match toks.join("_").as_str() {
                "NULL" => (KeyExchange::Null, Authentication::None),
                "RSA" | "RSA_FIPS" => (KeyExchange::Rsa, Authentication::Rsa),
                "DH_DSS" => (KeyExchange::Dh, Authentication::Dss),
                "DH_RSA" => (KeyExchange::Dh, Authentication::Rsa),
                "DHE_DSS" => (KeyExchange::Dhe, Authentication::Dss),
                "DHE_RSA" => (KeyExchange::Dhe, Authentication::Rsa),
                "DH_anon" => (KeyExchange::Dhe, Authentication::None),
                "ECDH_ECDSA" => (KeyExchange::Ecdh, Authentication::Ecdsa),
                "ECDH_RSA" => (KeyExchange::Ecdh, Authentication::Rsa),
                "ECDHE_ECDSA" => (KeyExchange::Ecdhe, Authentication::Ecdsa),
                "ECDHE_RSA" => (KeyExchange::Ecdhe, Authentication::Rsa),
                "ECDH_anon" => (KeyExchange::Ecdhe, Authentication::None),
                "PSK" => (KeyExchange::Psk, Authentication::Psk),
                "DHE_PSK" | "PSK_DHE" => (KeyExchange::DhePsk, Authentication::Psk),
                "ECDHE_PSK" => (KeyExchange::EcdhePsk, Authentication::Psk),
                "RSA_PSK" => (KeyExchange::RsaPsk, Authentication::Rsa),
                "KRB5" => (KeyExchange::Krb5, Authentication::Krb5),
                "SRP_SHA" => (KeyExchange::Srp, Authentication::Srp),
                "SRP_SHA_RSA" => (KeyExchange::Srp, Authentication::Rsa),
                "SRP_SHA_DSS" => (KeyExchange::Srp, Authentication::Dss),
                "ECCPWD" => (KeyExchange::EccPwd, Authentication::Password),
                "GOSTR341094" | "GOSTR341001" | "GOSTR341112_256" => {
                    (KeyExchange::Gost, Authentication::Gost)
                }
                _ => return None,
            }
        }
    };

    // Cipher, key size, mode and hash.
    let mut toks: Vec<&str> = rest.split('_').collect();
    let hash = match toks.last() {
        Some(last) if toks.len() > 1 => HASHES.iter().find(|h| *h == last).copied(),
        _ => None,
    };
    if hash.is_some() {
        toks.pop();
    }
    let hash = hash.unwrap_or("");
    let mut it = toks.into_iter();
    let (cipher, mut bits, mut mode) = match it.next()? {
        "NULL" => (Cipher::Null, Some(0), Mode::None),
        // RFC 9150 integrity-only TLS 1.3 suites: TLS_SHA256_SHA256.
        "SHA256" | "SHA384" => (Cipher::Null, Some(0), Mode::None),
        "RC4" => (Cipher::Rc4, None, Mode::Stream),
        "RC2" => (Cipher::Rc2, None, Mode::Cbc),
        "IDEA" => (Cipher::Idea, Some(128), Mode::Cbc),
        "DES40" => (Cipher::Des, Some(40), Mode::Cbc),
        "DES" => (Cipher::Des, Some(56), Mode::Cbc),
        "3DES" => (Cipher::TripleDes, Some(112), Mode::Cbc),
        "AES" => (Cipher::Aes, None, Mode::Cbc),
        "CAMELLIA" => (Cipher::Camellia, None, Mode::Cbc),
        "ARIA" => (Cipher::Aria, None, Mode::Cbc),
        "SEED" => (Cipher::Seed, Some(128), Mode::Cbc),
        "CHACHA20" => (Cipher::ChaCha20, Some(256), Mode::Stream),
        "SM4" => (Cipher::Sm4, Some(128), Mode::Cbc),
        "KUZNYECHIK" => (Cipher::Kuznyechik, Some(256), Mode::Ctr),
        "MAGMA" => (Cipher::Magma, Some(256), Mode::Ctr),
        "28147" => (Cipher::Gost28147, Some(256), Mode::Ctr),
        "AEGIS" => (Cipher::Aegis, None, Mode::Aegis),
        _ => return None,
    };
    for t in it {
        match t {
            "CBC" => mode = Mode::Cbc,
            "EDE" => {}
            // TLS_NULL_WITH_NULL_NULL: no MAC either.
            "NULL" if cipher == Cipher::Null => {}
            "GCM" => mode = Mode::Gcm,
            "CCM" => mode = Mode::Ccm,
            "8" if mode == Mode::Ccm => mode = Mode::Ccm8,
            "POLY1305" => mode = Mode::Poly1305,
            "CTR" | "CNT" => mode = Mode::Ctr,
            "MGM" => mode = Mode::Mgm,
            // MGM with light (L) or strong (S) rekeying.
            "L" | "S" if mode == Mode::Mgm => {}
            "128L" if cipher == Cipher::Aegis => bits = Some(128),
            n => bits = Some(n.parse::<u16>().ok()?),
        }
    }
    let bits = bits?;
    let tls13 = kx_part.is_none() || mode == Mode::Mgm;
    if tls13 {
        kx = KeyExchange::Any;
        auth = Authentication::Any;
    }
    Some(Properties {
        kx,
        auth,
        cipher,
        mode,
        bits,
        hash,
        aead: mode.aead(),
        forward_secrecy: kx.forward_secret(),
        export,
        tls13,
    })
}

/// The registry, sorted by code point. Entries whose name falls outside `describe`'s grammar
/// would be left out; a unit test asserts there are none.
pub fn all() -> &'static [Suite] {
    static TABLE: OnceLock<Vec<Suite>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut v: Vec<Suite> = IANA
            .iter()
            .map(|&(code, name)| (code, name, false))
            .chain(PRE_STANDARD.iter().map(|&(code, name)| (code, name, true)))
            .filter_map(|(code, name, pre_standard)| {
                Some(Suite {
                    code,
                    name,
                    pre_standard,
                    props: describe(name)?,
                })
            })
            .collect();
        v.sort_by_key(|s| s.code);
        v
    })
}

/// The registry entry of a code point.
pub fn lookup(code: u16) -> Option<&'static Suite> {
    let table = all();
    let i = table.binary_search_by_key(&code, |s| s.code).ok()?;
    table.get(i)
}

/// A suite's name, or its code as `0x1234` when unknown.
pub fn name(code: u16) -> String {
    match lookup(code) {
        Some(s) => s.name.to_owned(),
        None => format!("0x{code:04X}"),
    }
}

/// All suites usable below TLS 1.3 (what a ≤ TLS 1.2 ClientHello offers).
pub fn legacy_codes() -> Vec<u16> {
    all()
        .iter()
        .filter(|s| !s.props.tls13)
        .map(|s| s.code)
        .collect()
}

/// All TLS 1.3 suites.
pub fn tls13_codes() -> Vec<u16> {
    all()
        .iter()
        .filter(|s| s.props.tls13)
        .map(|s| s.code)
        .collect()
}

/// Codes servers in the field still speak that IANA never assigned (OpenSSL's 56-bit export
/// drafts, GOST 2001 drafts, pre-RFC 7905 ChaCha20, Netscape's FIPS suites). Names follow the
/// IANA grammar; `_OLD` marks a draft code of a suite IANA later assigned elsewhere.
const PRE_STANDARD: &[(u16, &str)] = &[
    (0x0060, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5"),
    (0x0061, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5"),
    (0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"),
    (0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"),
    (0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"),
    (0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA"),
    (0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA"),
    (0x0080, "TLS_GOSTR341094_WITH_28147_CNT_IMIT"),
    (0x0081, "TLS_GOSTR341001_WITH_28147_CNT_IMIT"),
    (0x0082, "TLS_GOSTR341094_WITH_NULL_GOSTR3411"),
    (0x0083, "TLS_GOSTR341001_WITH_NULL_GOSTR3411"),
    (0xCC13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"),
    (0xCC14, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD"),
    (0xCC15, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"),
    (0xFEFE, "SSL_RSA_FIPS_WITH_DES_CBC_SHA"),
    (0xFEFF, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA"),
    (0xFFE0, "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA_OLD"),
    (0xFFE1, "SSL_RSA_FIPS_WITH_DES_CBC_SHA_OLD"),
];

/// IANA "TLS Cipher Suites" registry (https://www.iana.org/assignments/tls-parameters/,
/// tls-parameters-4.csv, 2023 edition with the AEGIS suites): every assigned two-byte code and its
/// Description, the two signalling values (0x00FF, 0x5600) and the GREASE/reserved ranges
/// left out. 350 entries.
const IANA: &[(u16, &str)] = &[
    (0x0000, "TLS_NULL_WITH_NULL_NULL"),
    (0x0001, "TLS_RSA_WITH_NULL_MD5"),
    (0x0002, "TLS_RSA_WITH_NULL_SHA"),
    (0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"),
    (0x0004, "TLS_RSA_WITH_RC4_128_MD5"),
    (0x0005, "TLS_RSA_WITH_RC4_128_SHA"),
    (0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"),
    (0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"),
    (0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (0x0009, "TLS_RSA_WITH_DES_CBC_SHA"),
    (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA"),
    (0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"),
    (0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA"),
    (0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"),
    (0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"),
    (0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"),
    (0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"),
    (0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"),
    (0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"),
    (0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"),
    (0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"),
    (0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA"),
    (0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"),
    (0x001E, "TLS_KRB5_WITH_DES_CBC_SHA"),
    (0x001F, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA"),
    (0x0020, "TLS_KRB5_WITH_RC4_128_SHA"),
    (0x0021, "TLS_KRB5_WITH_IDEA_CBC_SHA"),
    (0x0022, "TLS_KRB5_WITH_DES_CBC_MD5"),
    (0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5"),
    (0x0024, "TLS_KRB5_WITH_RC4_128_MD5"),
    (0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5"),
    (0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA"),
    (0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA"),
    (0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA"),
    (0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5"),
    (0x002A, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5"),
    (0x002B, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5"),
    (0x002C, "TLS_PSK_WITH_NULL_SHA"),
    (0x002D, "TLS_DHE_PSK_WITH_NULL_SHA"),
    (0x002E, "TLS_RSA_PSK_WITH_NULL_SHA"),
    (0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"),
    (0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA"),
    (0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA"),
    (0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"),
    (0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
    (0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"),
    (0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
    (0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA"),
    (0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA"),
    (0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"),
    (0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
    (0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA"),
    (0x003B, "TLS_RSA_WITH_NULL_SHA256"),
    (0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
    (0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
    (0x003E, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256"),
    (0x003F, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256"),
    (0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"),
    (0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"),
    (0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256"),
    (0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256"),
    (0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"),
    (0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
    (0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"),
    (0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"),
    (0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"),
    (0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"),
    (0x008A, "TLS_PSK_WITH_RC4_128_SHA"),
    (0x008B, "TLS_PSK_WITH_3DES_EDE_CBC_SHA"),
    (0x008C, "TLS_PSK_WITH_AES_128_CBC_SHA"),
    (0x008D, "TLS_PSK_WITH_AES_256_CBC_SHA"),
    (0x008E, "TLS_DHE_PSK_WITH_RC4_128_SHA"),
    (0x008F, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA"),
    (0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA"),
    (0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA"),
    (0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA"),
    (0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA"),
    (0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA"),
    (0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA"),
    (0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"),
    (0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA"),
    (0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA"),
    (0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA"),
    (0x009A, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"),
    (0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA"),
    (0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    (0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    (0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0x00A0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256"),
    (0x00A1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384"),
    (0x00A2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"),
    (0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"),
    (0x00A4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256"),
    (0x00A5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384"),
    (0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"),
    (0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"),
    (0x00A8, "TLS_PSK_WITH_AES_128_GCM_SHA256"),
    (0x00A9, "TLS_PSK_WITH_AES_256_GCM_SHA384"),
    (0x00AA, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"),
    (0x00AB, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"),
    (0x00AC, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256"),
    (0x00AD, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384"),
    (0x00AE, "TLS_PSK_WITH_AES_128_CBC_SHA256"),
    (0x00AF, "TLS_PSK_WITH_AES_256_CBC_SHA384"),
    (0x00B0, "TLS_PSK_WITH_NULL_SHA256"),
    (0x00B1, "TLS_PSK_WITH_NULL_SHA384"),
    (0x00B2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"),
    (0x00B3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384"),
    (0x00B4, "TLS_DHE_PSK_WITH_NULL_SHA256"),
    (0x00B5, "TLS_DHE_PSK_WITH_NULL_SHA384"),
    (0x00B6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256"),
    (0x00B7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384"),
    (0x00B8, "TLS_RSA_PSK_WITH_NULL_SHA256"),
    (0x00B9, "TLS_RSA_PSK_WITH_NULL_SHA384"),
    (0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (0x00BB, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256"),
    (0x00BC, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (0x00BD, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256"),
    (0x00BE, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (0x00BF, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256"),
    (0x00C0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (0x00C1, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256"),
    (0x00C2, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (0x00C3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256"),
    (0x00C4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
    (0x00C5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256"),
    (0x00C6, "TLS_SM4_GCM_SM3"),
    (0x00C7, "TLS_SM4_CCM_SM3"),
    (0x1301, "TLS_AES_128_GCM_SHA256"),
    (0x1302, "TLS_AES_256_GCM_SHA384"),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
    (0x1304, "TLS_AES_128_CCM_SHA256"),
    (0x1305, "TLS_AES_128_CCM_8_SHA256"),
    (0x1306, "TLS_AEGIS_256_SHA384"),
    (0x1307, "TLS_AEGIS_128L_SHA256"),
    (0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"),
    (0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"),
    (0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"),
    (0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"),
    (0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
    (0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
    (0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA"),
    (0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA"),
    (0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"),
    (0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"),
    (0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA"),
    (0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"),
    (0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    (0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    (0xC015, "TLS_ECDH_anon_WITH_NULL_SHA"),
    (0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA"),
    (0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"),
    (0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"),
    (0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"),
    (0xC01A, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA"),
    (0xC01B, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA"),
    (0xC01C, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA"),
    (0xC01D, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA"),
    (0xC01E, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA"),
    (0xC01F, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA"),
    (0xC020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA"),
    (0xC021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA"),
    (0xC022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA"),
    (0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xC025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"),
    (0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"),
    (0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
    (0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
    (0xC029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"),
    (0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"),
    (0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xC02D, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"),
    (0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"),
    (0xC033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA"),
    (0xC034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA"),
    (0xC035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"),
    (0xC036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"),
    (0xC037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"),
    (0xC038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384"),
    (0xC039, "TLS_ECDHE_PSK_WITH_NULL_SHA"),
    (0xC03A, "TLS_ECDHE_PSK_WITH_NULL_SHA256"),
    (0xC03B, "TLS_ECDHE_PSK_WITH_NULL_SHA384"),
    (0xC03C, "TLS_RSA_WITH_ARIA_128_CBC_SHA256"),
    (0xC03D, "TLS_RSA_WITH_ARIA_256_CBC_SHA384"),
    (0xC03E, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256"),
    (0xC03F, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384"),
    (0xC040, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256"),
    (0xC041, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384"),
    (0xC042, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256"),
    (0xC043, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384"),
    (0xC044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256"),
    (0xC045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384"),
    (0xC046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256"),
    (0xC047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384"),
    (0xC048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256"),
    (0xC049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384"),
    (0xC04A, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256"),
    (0xC04B, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384"),
    (0xC04C, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256"),
    (0xC04D, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384"),
    (0xC04E, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256"),
    (0xC04F, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384"),
    (0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"),
    (0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"),
    (0xC052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"),
    (0xC053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"),
    (0xC054, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256"),
    (0xC055, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384"),
    (0xC056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256"),
    (0xC057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384"),
    (0xC058, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256"),
    (0xC059, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384"),
    (0xC05A, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"),
    (0xC05B, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384"),
    (0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"),
    (0xC05D, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"),
    (0xC05E, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256"),
    (0xC05F, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384"),
    (0xC060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"),
    (0xC061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"),
    (0xC062, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256"),
    (0xC063, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384"),
    (0xC064, "TLS_PSK_WITH_ARIA_128_CBC_SHA256"),
    (0xC065, "TLS_PSK_WITH_ARIA_256_CBC_SHA384"),
    (0xC066, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256"),
    (0xC067, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384"),
    (0xC068, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256"),
    (0xC069, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384"),
    (0xC06A, "TLS_PSK_WITH_ARIA_128_GCM_SHA256"),
    (0xC06B, "TLS_PSK_WITH_ARIA_256_GCM_SHA384"),
    (0xC06C, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256"),
    (0xC06D, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384"),
    (0xC06E, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256"),
    (0xC06F, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384"),
    (0xC070, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256"),
    (0xC071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384"),
    (0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (0xC073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (0xC074, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (0xC075, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (0xC076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (0xC077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (0xC078, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256"),
    (0xC079, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384"),
    (0xC07A, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC07B, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC07C, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC07D, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC07E, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC07F, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC080, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC081, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC082, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC083, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC088, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC089, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC08A, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC08B, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC08C, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC08D, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC08E, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC08F, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC090, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC091, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC092, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256"),
    (0xC093, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384"),
    (0xC094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (0xC095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (0xC096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (0xC097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (0xC098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (0xC099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (0xC09A, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"),
    (0xC09B, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"),
    (0xC09C, "TLS_RSA_WITH_AES_128_CCM"),
    (0xC09D, "TLS_RSA_WITH_AES_256_CCM"),
    (0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM"),
    (0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM"),
    (0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8"),
    (0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8"),
    (0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8"),
    (0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8"),
    (0xC0A4, "TLS_PSK_WITH_AES_128_CCM"),
    (0xC0A5, "TLS_PSK_WITH_AES_256_CCM"),
    (0xC0A6, "TLS_DHE_PSK_WITH_AES_128_CCM"),
    (0xC0A7, "TLS_DHE_PSK_WITH_AES_256_CCM"),
    (0xC0A8, "TLS_PSK_WITH_AES_128_CCM_8"),
    (0xC0A9, "TLS_PSK_WITH_AES_256_CCM_8"),
    (0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8"),
    (0xC0AB, "TLS_PSK_DHE_WITH_AES_256_CCM_8"),
    (0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"),
    (0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"),
    (0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"),
    (0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"),
    (0xC0B0, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256"),
    (0xC0B1, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384"),
    (0xC0B2, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256"),
    (0xC0B3, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384"),
    (0xC0B4, "TLS_SHA256_SHA256"),
    (0xC0B5, "TLS_SHA384_SHA384"),
    (0xC100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC"),
    (0xC101, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC"),
    (0xC102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT"),
    (0xC103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L"),
    (0xC104, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L"),
    (0xC105, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S"),
    (0xC106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S"),
    (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCAB, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCAC, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCAD, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCAE, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256"),
    (0xD001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"),
    (0xD002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384"),
    (0xD003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256"),
    (0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"),
];

#[cfg(test)]
mod tests {
    use super::*;

    const OPENSSL3: &[u16] = &[
        0x0001, 0x0002, 0x002C, 0x002D, 0x002E, 0x002F, 0x0032, 0x0033, 0x0034, 0x0035, 0x0038,
        0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x0040, 0x0041, 0x0044, 0x0045, 0x0046, 0x0067,
        0x006A, 0x006B, 0x006C, 0x006D, 0x0084, 0x0087, 0x0088, 0x0089, 0x008C, 0x008D, 0x0090,
        0x0091, 0x0094, 0x0095, 0x009C, 0x009D, 0x009E, 0x009F, 0x00A2, 0x00A3, 0x00A6, 0x00A7,
        0x00A8, 0x00A9, 0x00AA, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x00AF, 0x00B0, 0x00B1, 0x00B2,
        0x00B3, 0x00B4, 0x00B5, 0x00B6, 0x00B7, 0x00B8, 0x00B9, 0x00BA, 0x00BD, 0x00BE, 0x00BF,
        0x00C0, 0x00C3, 0x00C4, 0x00C5, 0x1301, 0x1302, 0x1303, 0xC006, 0xC009, 0xC00A, 0xC010,
        0xC013, 0xC014, 0xC015, 0xC018, 0xC019, 0xC01D, 0xC01E, 0xC01F, 0xC020, 0xC021, 0xC022,
        0xC023, 0xC024, 0xC027, 0xC028, 0xC02B, 0xC02C, 0xC02F, 0xC030, 0xC035, 0xC036, 0xC037,
        0xC038, 0xC039, 0xC03A, 0xC03B, 0xC050, 0xC051, 0xC052, 0xC053, 0xC056, 0xC057, 0xC05C,
        0xC05D, 0xC060, 0xC061, 0xC06A, 0xC06B, 0xC06C, 0xC06D, 0xC06E, 0xC06F, 0xC072, 0xC073,
        0xC076, 0xC077, 0xC094, 0xC095, 0xC096, 0xC097, 0xC098, 0xC099, 0xC09A, 0xC09B, 0xC09C,
        0xC09D, 0xC09E, 0xC09F, 0xC0A0, 0xC0A1, 0xC0A2, 0xC0A3, 0xC0A4, 0xC0A5, 0xC0A6, 0xC0A7,
        0xC0A8, 0xC0A9, 0xC0AA, 0xC0AB, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF, 0xCCA8, 0xCCA9, 0xCCAA,
        0xCCAB, 0xCCAC, 0xCCAD, 0xCCAE,
        // TLS 1.3 suites OpenSSL 3 can enable, and the legacy suites of an OpenSSL 3 built with
        // enable-weak-ssl-ciphers (RC4, DES, 3DES, EXPORT are not in Debian's build).
        0x1304, 0x1305, 0x0004, 0x0005, 0x0009, 0x000A, 0x0003, 0x0006, 0x0008, 0x0012, 0x0013,
        0x0015, 0x0016, 0x0017, 0x0018, 0x0019, 0x001A, 0x001B, 0x0014, 0x0011, 0xC007, 0xC008,
        0xC011, 0xC012, 0xC016, 0xC017, 0x008A, 0x008B, 0x008E, 0x008F, 0x0092, 0x0093, 0xC033,
        0xC034, 0xC01A, 0xC01B, 0xC01C,
    ];

    fn props(code: u16) -> Properties {
        lookup(code).unwrap().props
    }

    #[test]
    fn every_name_follows_the_grammar() {
        let bad: Vec<&str> = IANA
            .iter()
            .chain(PRE_STANDARD)
            .map(|(_, n)| *n)
            .filter(|n| describe(n).is_none())
            .collect();
        assert!(bad.is_empty(), "names outside the grammar: {bad:?}");
        assert_eq!(IANA.len(), 350);
        assert_eq!(all().len(), IANA.len() + PRE_STANDARD.len());
        // Code points are unique.
        assert!(all().windows(2).all(|w| w[0].code < w[1].code));
    }

    #[test]
    fn rule_examples() {
        let p = describe("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").unwrap();
        assert_eq!(
            p,
            Properties {
                kx: KeyExchange::Ecdhe,
                auth: Authentication::Rsa,
                cipher: Cipher::Aes,
                mode: Mode::Gcm,
                bits: 128,
                hash: "SHA256",
                aead: true,
                forward_secrecy: true,
                export: false,
                tls13: false,
            }
        );
        let p = props(0x000A); // TLS_RSA_WITH_3DES_EDE_CBC_SHA
        assert_eq!(
            (
                p.kx,
                p.cipher,
                p.mode,
                p.bits,
                p.hash,
                p.aead,
                p.forward_secrecy
            ),
            (
                KeyExchange::Rsa,
                Cipher::TripleDes,
                Mode::Cbc,
                112,
                "SHA",
                false,
                false
            )
        );
        let p = props(0x0003); // TLS_RSA_EXPORT_WITH_RC4_40_MD5
        assert!(p.export);
        assert_eq!((p.cipher, p.bits, p.mode), (Cipher::Rc4, 40, Mode::Stream));
        let p = props(0x0019); // TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA
        assert_eq!(
            (p.auth, p.cipher, p.bits),
            (Authentication::None, Cipher::Des, 40)
        );
        let p = props(0x0026); // TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA
        assert_eq!((p.kx, p.bits, p.export), (KeyExchange::Krb5, 40, true));
        let p = props(0x0000);
        assert_eq!(
            (p.kx, p.cipher, p.bits),
            (KeyExchange::Null, Cipher::Null, 0)
        );
        let p = props(0x1301);
        assert_eq!(
            (
                p.kx,
                p.auth,
                p.cipher,
                p.bits,
                p.aead,
                p.forward_secrecy,
                p.tls13
            ),
            (
                KeyExchange::Any,
                Authentication::Any,
                Cipher::Aes,
                128,
                true,
                true,
                true
            )
        );
        assert_eq!(props(0x1303).cipher, Cipher::ChaCha20);
        assert_eq!(props(0x1303).mode, Mode::Poly1305);
        assert_eq!(props(0x1305).mode, Mode::Ccm8);
        assert_eq!(props(0x1307).bits, 128); // TLS_AEGIS_128L_SHA256
        assert!(props(0xC103).tls13); // GOST MGM suites are TLS 1.3 suites
        assert!(!props(0xC100).tls13);
        assert_eq!(props(0xC0B4).cipher, Cipher::Null); // TLS_SHA256_SHA256
        assert_eq!(props(0xCCA8).mode, Mode::Poly1305);
        assert_eq!(props(0xC0AA).kx, KeyExchange::DhePsk); // TLS_PSK_DHE_WITH_AES_128_CCM_8
        assert_eq!(props(0xC0A0).hash, "");
        assert_eq!(props(0x0062).bits, 56);
        assert!(props(0x0062).export);
        assert!(lookup(0xCC13).unwrap().pre_standard);
        assert!(describe("TLS_FOO_WITH_AES_128_GCM_SHA256").is_none());
        assert!(describe("NOT_A_SUITE").is_none());
        assert!(describe("TLS_RSA_WITH_AES_X_CBC_SHA").is_none());
    }

    #[test]
    fn weak_and_forward_secrecy_per_spec() {
        let weak = |c: u16| lookup(c).unwrap().weak();
        assert!(weak(0x0001)); // NULL
        assert!(weak(0x0005)); // RC4
        assert!(weak(0x0009)); // DES
        assert!(weak(0x000A)); // 3DES
        assert!(weak(0x0034)); // DH_anon AES
        assert!(weak(0xC018)); // ECDH_anon AES
        assert!(weak(0x0008)); // EXPORT
        assert!(!weak(0x002F));
        assert!(!weak(0xC02F));
        assert!(!weak(0x1301));
        assert!(!props(0x009C).forward_secrecy); // TLS_RSA_WITH_AES_128_GCM_SHA256
        assert!(!props(0xC031).forward_secrecy); // static ECDH
        assert!(props(0x009E).forward_secrecy);
    }

    #[test]
    fn finite_field_dhe_suites_send_a_group() {
        let ff = |c: u16| props(c).kx.finite_field_ephemeral();
        assert!(ff(0x009E)); // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
        assert!(ff(0x0034)); // TLS_DH_anon_WITH_AES_128_CBC_SHA
        assert!(ff(0x00AA)); // TLS_DHE_PSK_WITH_AES_128_GCM_SHA256
        assert!(ff(0x0014)); // TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA
        assert!(!ff(0xC02F)); // ECDHE
        assert!(!ff(0x0030)); // static DH_DSS
        assert!(!ff(0x009C)); // static RSA
        assert!(!ff(0x1301)); // TLS 1.3: the group is a key share, always >= 2048 bits
    }

    #[test]
    fn covers_every_suite_openssl_3_speaks() {
        // `openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` (OpenSSL 3.0.19) plus the TLS 1.3
        // suites 0x1301-0x1305.
        for code in OPENSSL3 {
            assert!(lookup(*code).is_some(), "0x{code:04X} missing");
        }
        assert_eq!(name(0xC02F), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert_eq!(name(0xABCD), "0xABCD");
        // 0x1301-0x1307, SM4 (RFC 8998), integrity-only (RFC 9150), GOST MGM.
        assert_eq!(tls13_codes().len(), 15);
        assert!(legacy_codes().contains(&0x000A));
        assert!(!legacy_codes().contains(&0x1301));
    }
}
