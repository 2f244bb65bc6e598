//! Small decoding helpers shared by the serialisable types.

use crate::Error;

/// Decodes exactly `N` bytes of hex.
pub(crate) fn hex_array<const N: usize>(s: &str, what: &str) -> Result<[u8; N], Error> {
    alc_protocol::encoding::hex_array(s).map_err(|e| Error::malformed(format!("{what}: {e}")))
}

/// A cursor over untrusted bytes whose reads fail instead of panicking.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], Error> {
        if self.rest.len() < n {
            return Err(Error::malformed(format!("truncated {what}")));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], Error> {
        let head = self.take(N, what)?;
        <[u8; N]>::try_from(head).map_err(|_| Error::malformed(format!("truncated {what}")))
    }

    pub(crate) fn u16(&mut self, what: &str) -> Result<u16, Error> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn u32(&mut self, what: &str) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn u64(&mut self, what: &str) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(self.array(what)?))
    }

    pub(crate) fn finish(self) -> Result<(), Error> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Error::malformed(format!(
                "{} trailing bytes",
                self.rest.len()
            )))
        }
    }
}
