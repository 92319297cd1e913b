//! The rules on single values: names, versions, digests, paths, dtypes and
//! sizes. Each returns why a value is wrong, for the caller to put in a
//! diagnostic at the value's span.

use omex_ir::DType;

/// `[a-z0-9-]+`, not starting or ending with `-`.
pub fn name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the name is empty".into());
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "`{c}` is not allowed: names are lowercase letters, digits and `-`"
        ));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err("a name does not start or end with `-`".into());
    }
    Ok(())
}

/// The name with every disallowed character replaced, for a suggestion.
pub fn fix_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' | '-' => c,
            _ => '-',
        })
        .collect();
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.trim_matches('-').to_string()
}

/// Semantic versioning 2.0: `MAJOR.MINOR.PATCH[-pre][+build]`.
pub fn semver(s: &str) -> Result<(), String> {
    let (core, build) = match s.split_once('+') {
        Some((c, b)) => (c, Some(b)),
        None => (s, None),
    };
    let (core, pre) = match core.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (core, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.len() != 3 {
        return Err(format!(
            "`{s}` has {} number(s) where MAJOR.MINOR.PATCH has 3",
            parts.len()
        ));
    }
    for p in &parts {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("`{p}` is not a number"));
        }
        if p.len() > 1 && p.starts_with('0') {
            return Err(format!("`{p}` has a leading zero"));
        }
    }
    let ident_ok = |ids: &str| {
        !ids.is_empty()
            && ids
                .split('.')
                .all(|i| !i.is_empty() && i.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    };
    if pre.is_some_and(|p| !ident_ok(p)) {
        return Err(
            "the pre-release part after `-` is not dot-separated [0-9A-Za-z-] identifiers".into(),
        );
    }
    if build.is_some_and(|b| !ident_ok(b)) {
        return Err(
            "the build part after `+` is not dot-separated [0-9A-Za-z-] identifiers".into(),
        );
    }
    Ok(())
}

/// 64 hexadecimal digits (an optional `sha256:` prefix is accepted).
pub fn sha256(s: &str) -> Result<[u8; 32], String> {
    let hex = s.strip_prefix("sha256:").unwrap_or(s);
    if hex.len() != 64 {
        return Err(format!("it has {} characters, not 64", hex.len()));
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        let digit = |b: u8| (b as char).to_digit(16);
        match (digit(pair[0]), digit(pair[1])) {
            (Some(h), Some(l)) => out[i] = (h * 16 + l) as u8,
            _ => {
                let bad = pair
                    .iter()
                    .find(|b| digit(**b).is_none())
                    .map_or('?', |b| *b as char);
                return Err(format!("`{bad}` is not a hexadecimal digit"));
            }
        }
    }
    Ok(out)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A relative path inside the package: not absolute, no `..`, not empty.
pub fn package_path(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("the path is empty".into());
    }
    if s.starts_with('/')
        || s.starts_with('\\')
        || s.get(1..3) == Some(":\\")
        || s.get(1..3) == Some(":/")
    {
        return Err("it is absolute; paths are relative to the package folder".into());
    }
    if s.split(['/', '\\']).any(|c| c == "..") {
        return Err("it contains `..`; a package only refers to its own files".into());
    }
    Ok(())
}

/// A manifest dtype (`float32`, `int64`, ...; the short forms too).
pub fn dtype(s: &str) -> Option<DType> {
    Some(match s.to_ascii_lowercase().as_str() {
        "float32" | "float" | "f32" => DType::F32,
        "float16" | "half" | "f16" => DType::F16,
        "bfloat16" | "bf16" => DType::BF16,
        "float64" | "double" | "f64" => DType::F64,
        "int64" | "long" | "i64" => DType::I64,
        "int32" | "int" | "i32" => DType::I32,
        "int16" | "i16" => DType::I16,
        "int8" | "i8" => DType::I8,
        "uint8" | "u8" => DType::U8,
        "bool" => DType::Bool,
        _ => return None,
    })
}

pub const DTYPES: &[&str] = &[
    "float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8", "bool",
];

/// A memory size: Kubernetes quantities (`512Mi`, `2Gi`, `1G`), or bytes
/// with a unit (`2GiB`, `512MB`), or a plain number of bytes.
pub fn memory(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim());
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{s}` does not start with a number"))?;
    let scale: f64 = match unit {
        "" | "B" | "b" => 1.0,
        "k" | "K" | "KB" | "kB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "T" | "TB" => 1e12,
        "Ki" | "KiB" => 1024.0,
        "Mi" | "MiB" => 1024.0 * 1024.0,
        "Gi" | "GiB" => 1024.0 * 1024.0 * 1024.0,
        "Ti" | "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown unit `{other}`; use Ki, Mi, Gi, Ti (powers of 1024) or K, M, G, T (powers of 1000), optionally followed by B"
            ));
        }
    };
    let bytes = value * scale;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(format!("`{s}` is not a usable size"));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(name("minilm-l6-int8").is_ok());
        assert!(name("MiniLM").is_err());
        assert!(name("a_b").is_err());
        assert!(name("-a").is_err());
        assert!(name("").is_err());
        assert_eq!(fix_name("MiniLM_L6 v2"), "minilm-l6-v2");
    }

    #[test]
    fn versions() {
        for ok in ["1.0.0", "0.1.2-rc.1", "1.2.3+build.5", "10.20.30-alpha-1+x"] {
            assert!(semver(ok).is_ok(), "{ok}");
        }
        for bad in [
            "1.0", "1.0.0.0", "v1.0.0", "01.0.0", "1.0.x", "1.0.0-", "1.0.0+",
        ] {
            assert!(semver(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digests_and_paths() {
        let h = "ab".repeat(32);
        assert_eq!(sha256(&h).unwrap(), [0xab; 32]);
        assert_eq!(hex(&sha256(&format!("sha256:{h}")).unwrap()), h);
        assert!(sha256("abc").is_err());
        assert!(sha256(&"zz".repeat(32)).is_err());
        assert!(package_path("model.onnx").is_ok());
        assert!(package_path("onnx/model.onnx").is_ok());
        assert!(package_path("../model.onnx").is_err());
        assert!(package_path("a/../../b").is_err());
        assert!(package_path("/abs/model.onnx").is_err());
        assert!(package_path("").is_err());
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(memory("512Mi").unwrap(), 512 << 20);
        assert_eq!(memory("2Gi").unwrap(), 2 << 30);
        assert_eq!(memory("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(memory("4096").unwrap(), 4096);
        assert!(memory("lots").is_err());
        assert!(memory("2 parsecs").is_err());
        assert!(memory("0").is_err());
    }
}
