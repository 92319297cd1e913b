//! The NumPy `.npy` format, version 1.0: a magic string, a header (a Python
//! dict literal with `descr`, `fortran_order` and `shape`, padded so the
//! data starts at a multiple of 64 bytes), then the data, little-endian, in
//! row-major order.

use half::f16;

use crate::error::{Result, RuntimeError};
use crate::tensor::{DType, Tensor, with_tensor};

const MAGIC: &[u8] = b"\x93NUMPY";

fn descr(dtype: DType) -> &'static str {
    match dtype {
        DType::Bool => "|b1",
        DType::U8 => "|u1",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::F16 => "<f2",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
    }
}

trait LeBytes: Copy {
    fn put(self, out: &mut Vec<u8>);
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
le!(u8, i32, i64, f32, f64);

impl LeBytes for f16 {
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl LeBytes for bool {
    fn put(self, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
}

/// Encodes a tensor as a `.npy` file.
pub fn encode(t: &Tensor) -> Vec<u8> {
    let shape = match t.shape() {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        dims => format!(
            "({})",
            dims.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        descr(t.dtype())
    );
    // magic (6) + version (2) + header length (2) + header + '\n' = multiple of 64
    let unpadded = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + header.len() + t.numel() * t.dtype().size());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    with_tensor!(t, a => a.iter().for_each(|x| x.put(&mut out)));
    out
}

/// Decodes a `.npy` file written in C order with one of the supported dtypes.
pub fn decode(bytes: &[u8]) -> Result<Tensor> {
    let bad = |why: &str| RuntimeError::value(format!("not a supported .npy file: {why}"));
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad("missing the \\x93NUMPY magic"));
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err(bad("unknown version")),
    };
    let header = bytes
        .get(start..start + header_len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated header"))?;
    if header.contains("'fortran_order': True") {
        return Err(bad("Fortran order"));
    }
    let field = |key: &str| -> Option<&str> {
        let at = header.find(key)? + key.len();
        Some(header[at..].trim_start_matches([':', ' ', '\'']))
    };
    let descr_text = field("'descr'").ok_or_else(|| bad("no descr"))?;
    let dtype = [
        DType::Bool,
        DType::U8,
        DType::I32,
        DType::I64,
        DType::F16,
        DType::F32,
        DType::F64,
    ]
    .into_iter()
    .find(|d| descr_text.starts_with(descr(*d)))
    .ok_or_else(|| bad("unsupported dtype"))?;
    let shape_text = field("'shape'").ok_or_else(|| bad("no shape"))?;
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("bad shape"))?;
    let shape: Vec<usize> = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad("bad shape")))
        .collect::<Result<_>>()?;
    let data = &bytes[start + header_len..];
    let n: usize = shape.iter().product();
    if data.len() < n * dtype.size() {
        return Err(bad("truncated data"));
    }
    macro_rules! read {
        ($t:ty, $size:expr, $conv:expr) => {
            Tensor::from_vec::<$t>(
                &shape,
                data.chunks_exact($size).take(n).map($conv).collect(),
            )
        };
    }
    match dtype {
        DType::Bool => read!(bool, 1, |c| c[0] != 0),
        DType::U8 => read!(u8, 1, |c| c[0]),
        DType::I32 => read!(i32, 4, |c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        DType::I64 => read!(i64, 8, |c| i64::from_le_bytes(
            c.try_into().unwrap_or([0; 8])
        )),
        DType::F16 => read!(f16, 2, |c| f16::from_le_bytes([c[0], c[1]])),
        DType::F32 => read!(f32, 4, |c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        DType::F64 => read!(f64, 8, |c| f64::from_le_bytes(
            c.try_into().unwrap_or([0; 8])
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let t = Tensor::from_vec(&[2, 3], vec![1.5f32, 2.0, 3.0, 4.0, 5.0, -6.0]).unwrap();
        let bytes = encode(&t);
        assert_eq!((bytes.len() - t.numel() * 4) % 64, 0);
        let back = decode(&bytes).unwrap();
        assert_eq!(back.shape(), &[2, 3]);
        assert_eq!(back.to_string(), t.to_string());
        let s = Tensor::scalar(7i64);
        assert_eq!(decode(&encode(&s)).unwrap().to_string(), "7");
    }
}
