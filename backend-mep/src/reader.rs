//! A bounds-checked little-endian byte reader that knows its file offset.

use crate::error::{ErrorKind, MepError};

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// File offset of `bytes[0]`, so errors carry absolute offsets.
    base: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8], base: usize) -> Self {
        Self {
            bytes,
            pos: 0,
            base,
        }
    }

    /// Absolute file offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], MepError> {
        if self.remaining() < n {
            return Err(MepError::new(
                self.offset(),
                ErrorKind::Truncated {
                    what,
                    needed: n,
                    available: self.remaining(),
                },
            ));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], MepError> {
        let mut out = [0; N];
        out.copy_from_slice(self.bytes(N, what)?);
        Ok(out)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, MepError> {
        Ok(self.array::<1>(what)?[0])
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, MepError> {
        self.array(what).map(u16::from_le_bytes)
    }

    pub fn i16(&mut self, what: &'static str) -> Result<i16, MepError> {
        self.array(what).map(i16::from_le_bytes)
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, MepError> {
        self.array(what).map(u32::from_le_bytes)
    }

    pub fn u64(&mut self, what: &'static str) -> Result<u64, MepError> {
        self.array(what).map(u64::from_le_bytes)
    }

    pub fn i64(&mut self, what: &'static str) -> Result<i64, MepError> {
        self.array(what).map(i64::from_le_bytes)
    }

    pub fn f64(&mut self, what: &'static str) -> Result<f64, MepError> {
        self.array(what).map(f64::from_le_bytes)
    }

    pub fn f32(&mut self, what: &'static str) -> Result<f32, MepError> {
        self.array(what).map(f32::from_le_bytes)
    }

    /// A `u32` length, then that many bytes.
    pub fn blob(&mut self, what: &'static str) -> Result<&'a [u8], MepError> {
        let len = self.u32(what)? as usize;
        self.bytes(len, what)
    }

    /// A `u32` length, then that many bytes of UTF-8.
    pub fn string(&mut self, what: &'static str) -> Result<String, MepError> {
        let at = self.offset();
        let bytes = self.blob(what)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| MepError::new(at, ErrorKind::InvalidUtf8 { what }))
    }

    /// A `u32` element count, checked against the bytes left before allocating.
    pub fn count(&mut self, element_size: usize, what: &'static str) -> Result<usize, MepError> {
        let at = self.offset();
        let n = self.u32(what)? as usize;
        let needed = n.saturating_mul(element_size);
        if needed > self.remaining() {
            return Err(MepError::new(
                at,
                ErrorKind::Truncated {
                    what,
                    needed,
                    available: self.remaining(),
                },
            ));
        }
        Ok(n)
    }
}

/// Little-endian writers matching [`Reader`].
pub(crate) mod write {
    pub fn u32(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }

    pub fn len(out: &mut Vec<u8>, n: usize) {
        u32(out, u32::try_from(n).unwrap_or(u32::MAX));
    }

    pub fn blob(out: &mut Vec<u8>, bytes: &[u8]) {
        len(out, bytes.len());
        out.extend_from_slice(bytes);
    }

    pub fn string(out: &mut Vec<u8>, s: &str) {
        blob(out, s.as_bytes());
    }
}
