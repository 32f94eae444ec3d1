//! Opening a file that may or may not be gzipped.
//!
//! A file that starts with the gzip magic `1f 8b` is decompressed on the fly
//! (several concatenated gzip members are read as one stream); any other file
//! is read as it is. Every error is a [`DataError`] naming the file.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

use crate::error::{DataError, Result};

/// Read buffer size: large enough that a 1 GB stream costs few syscalls.
const BUF_SIZE: usize = 256 * 1024;

/// A byte stream from a file, gunzipped when the file is gzip.
///
/// It counts the (decompressed) bytes it has delivered, so that truncation
/// errors can say how long the file really was.
pub struct Source {
    path: PathBuf,
    inner: Inner,
    position: u64,
    /// Size of the file on disk.
    disk_len: u64,
}

/// Deflate cannot compress better than about 1032:1, so a gzip file of `n`
/// bytes holds at most this many times `n` bytes of data.
const MAX_GZIP_RATIO: u64 = 1100;

enum Inner {
    Raw(BufReader<File>),
    Gz(Box<MultiGzDecoder<BufReader<File>>>),
}

impl Source {
    /// Opens `path`, sniffing the first two bytes for the gzip magic.
    pub fn open(path: &Path) -> Result<Source> {
        let file = File::open(path).map_err(|e| DataError::io(path, e))?;
        let len = file.metadata().map_err(|e| DataError::io(path, e))?.len();
        let mut reader = BufReader::with_capacity(BUF_SIZE, file);
        let head = reader.fill_buf().map_err(|e| DataError::io(path, e))?;
        let gz = head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b;
        let inner = if gz { Inner::Gz(Box::new(MultiGzDecoder::new(reader))) } else { Inner::Raw(reader) };
        Ok(Source { path: path.to_path_buf(), inner, position: 0, disk_len: len })
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the file is gzip-compressed.
    pub fn is_gzip(&self) -> bool {
        matches!(self.inner, Inner::Gz(_))
    }

    /// Size in bytes of a raw (not gzipped) file; `None` for gzip.
    pub fn raw_len(&self) -> Option<u64> {
        (!self.is_gzip()).then_some(self.disk_len)
    }

    /// An upper bound of the (decompressed) length: the exact length of a raw
    /// file, a bound from deflate's best ratio for gzip. Readers use it to
    /// reject headers that announce more data than the file can hold before
    /// allocating anything.
    pub fn max_len(&self) -> u64 {
        if self.is_gzip() {
            self.disk_len.saturating_mul(MAX_GZIP_RATIO)
        } else {
            self.disk_len
        }
    }

    /// Number of (decompressed) bytes delivered so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Fills `buf` as far as the stream allows; returns the number of bytes read
    /// (less than `buf.len()` only at the end of the stream).
    pub fn read_up_to(&mut self, buf: &mut [u8]) -> Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.inner_read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.map_err(e)),
            }
        }
        self.position += filled as u64;
        Ok(filled)
    }

    /// Fills `buf` completely, or fails with [`DataError::Truncated`], saying the
    /// file should hold `expected_total` bytes in all.
    pub fn read_exact_or_truncated(&mut self, buf: &mut [u8], expected_total: u64) -> Result<()> {
        let n = self.read_up_to(buf)?;
        if n < buf.len() {
            return Err(DataError::Truncated {
                path: self.path.clone(),
                expected: expected_total,
                actual: self.position,
            });
        }
        Ok(())
    }

    /// Reads (and counts) everything left; returns the number of bytes skipped.
    pub fn skip_to_end(&mut self) -> Result<u64> {
        let mut scratch = vec![0u8; 64 * 1024];
        let mut skipped = 0u64;
        loop {
            let n = self.read_up_to(&mut scratch)?;
            if n == 0 {
                return Ok(skipped);
            }
            skipped += n as u64;
        }
    }

    /// Reads everything left into a vector.
    pub fn read_rest(&mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = self.read_up_to(&mut chunk)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&chunk[..n]);
        }
    }

    fn inner_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Raw(r) => r.read(buf),
            Inner::Gz(r) => r.read(buf),
        }
    }

    fn map_err(&self, e: io::Error) -> DataError {
        let decoder_error =
            matches!(e.kind(), io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof);
        if self.is_gzip() && decoder_error {
            DataError::CorruptGzip { path: self.path.clone(), message: e.to_string() }
        } else {
            DataError::io(&self.path, e)
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("path", &self.path)
            .field("gzip", &self.is_gzip())
            .field("position", &self.position)
            .finish()
    }
}

/// Reads the whole (decompressed) content of `path`.
pub fn read_all(path: &Path) -> Result<Vec<u8>> {
    Source::open(path)?.read_rest()
}
