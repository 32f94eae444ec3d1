//! Typed n-dimensional arrays read from IDX and NORB files, and the
//! record-by-record reader both formats share.

use std::path::Path;

use crate::error::{DataError, Result};
use crate::gz::Source;

/// Largest payload that is pre-allocated in one go; larger files grow as they
/// are read, so a corrupt header cannot make the reader allocate terabytes.
const MAX_PREALLOC: u64 = 1 << 28;

/// Element type of a stored array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElemType {
    /// Unsigned byte.
    U8,
    /// Signed byte.
    I8,
    /// 16-bit signed integer.
    I16,
    /// 32-bit signed integer.
    I32,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

impl ElemType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            ElemType::U8 | ElemType::I8 => 1,
            ElemType::I16 => 2,
            ElemType::I32 | ElemType::F32 => 4,
            ElemType::F64 => 8,
        }
    }

    /// Short name, e.g. `"u8"`.
    pub fn name(self) -> &'static str {
        match self {
            ElemType::U8 => "u8",
            ElemType::I8 => "i8",
            ElemType::I16 => "i16",
            ElemType::I32 => "i32",
            ElemType::F32 => "f32",
            ElemType::F64 => "f64",
        }
    }
}

/// Byte order of the stored elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Most significant byte first (IDX).
    Big,
    /// Least significant byte first (NORB).
    Little,
}

/// The elements of an array, in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub enum Elements {
    /// u8 elements.
    U8(Vec<u8>),
    /// i8 elements.
    I8(Vec<i8>),
    /// i16 elements.
    I16(Vec<i16>),
    /// i32 elements.
    I32(Vec<i32>),
    /// f32 elements.
    F32(Vec<f32>),
    /// f64 elements.
    F64(Vec<f64>),
}

impl Elements {
    /// Decodes `bytes` (a whole number of elements) of type `ty`.
    pub fn decode(ty: ElemType, order: ByteOrder, bytes: Vec<u8>) -> Elements {
        fn conv<const N: usize, T>(
            bytes: &[u8],
            order: ByteOrder,
            be: fn([u8; N]) -> T,
            le: fn([u8; N]) -> T,
        ) -> Vec<T> {
            let f = match order {
                ByteOrder::Big => be,
                ByteOrder::Little => le,
            };
            bytes.chunks_exact(N).map(|c| f(c.try_into().expect("chunk of N bytes"))).collect()
        }
        let b = &bytes;
        match ty {
            ElemType::U8 => Elements::U8(bytes),
            ElemType::I8 => Elements::I8(bytes.iter().map(|&x| x as i8).collect()),
            ElemType::I16 => Elements::I16(conv(b, order, i16::from_be_bytes, i16::from_le_bytes)),
            ElemType::I32 => Elements::I32(conv(b, order, i32::from_be_bytes, i32::from_le_bytes)),
            ElemType::F32 => Elements::F32(conv(b, order, f32::from_be_bytes, f32::from_le_bytes)),
            ElemType::F64 => Elements::F64(conv(b, order, f64::from_be_bytes, f64::from_le_bytes)),
        }
    }

    /// Element type.
    pub fn elem_type(&self) -> ElemType {
        match self {
            Elements::U8(_) => ElemType::U8,
            Elements::I8(_) => ElemType::I8,
            Elements::I16(_) => ElemType::I16,
            Elements::I32(_) => ElemType::I32,
            Elements::F32(_) => ElemType::F32,
            Elements::F64(_) => ElemType::F64,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            Elements::U8(v) => v.len(),
            Elements::I8(v) => v.len(),
            Elements::I16(v) => v.len(),
            Elements::I32(v) => v.len(),
            Elements::F32(v) => v.len(),
            Elements::F64(v) => v.len(),
        }
    }

    /// True when there is no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements as i64 when they are integers (`None` for floats).
    pub fn to_i64(&self) -> Option<Vec<i64>> {
        match self {
            Elements::U8(v) => Some(v.iter().map(|&x| x as i64).collect()),
            Elements::I8(v) => Some(v.iter().map(|&x| x as i64).collect()),
            Elements::I16(v) => Some(v.iter().map(|&x| x as i64).collect()),
            Elements::I32(v) => Some(v.iter().map(|&x| x as i64).collect()),
            Elements::F32(_) | Elements::F64(_) => None,
        }
    }
}

/// An n-dimensional array read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    /// Dimensions, outermost first.
    pub dims: Vec<usize>,
    /// Elements in row-major order (`dims.iter().product()` of them).
    pub data: Elements,
}

/// Checked product of `dims` times `elem_size`, in bytes.
pub(crate) fn payload_bytes(path: &Path, dims: &[usize], elem_size: usize) -> Result<u64> {
    dims.iter().try_fold(elem_size as u64, |acc, &d| acc.checked_mul(d as u64)).ok_or_else(|| {
        DataError::InvalidHeader {
            path: path.to_path_buf(),
            message: format!("dims {dims:?} overflow a 64-bit byte count"),
        }
    })
}

/// Reads the payload of an IDX or NORB file whose header has been parsed,
/// either all at once or one record (one index of the first axis) at a time.
///
/// The payload length is checked against the dims exactly: a short file is
/// [`DataError::Truncated`], a long one [`DataError::LengthMismatch`].
#[derive(Debug)]
pub struct MatrixReader {
    src: Source,
    magic: u32,
    elem: ElemType,
    order: ByteOrder,
    dims: Vec<usize>,
    header_len: u64,
    payload_len: u64,
    consumed: u64,
}

impl MatrixReader {
    /// Wraps `src`, positioned just after a header of `header_len` bytes.
    /// For a raw file the length is checked at once against the dims.
    pub(crate) fn new(
        src: Source,
        magic: u32,
        elem: ElemType,
        order: ByteOrder,
        dims: Vec<usize>,
        header_len: u64,
    ) -> Result<MatrixReader> {
        let payload_len = payload_bytes(src.path(), &dims, elem.size())?;
        let total = header_len.checked_add(payload_len).ok_or_else(|| DataError::InvalidHeader {
            path: src.path().to_path_buf(),
            message: format!("dims {dims:?} overflow a 64-bit byte count"),
        })?;
        // One record must fit in the file too (this matters when the first
        // dim is 0): readers allocate a record buffer and resize tables from it.
        let record = payload_bytes(src.path(), dims.get(1..).unwrap_or(&[]), elem.size())?;
        if record > src.max_len() {
            return Err(DataError::InvalidHeader {
                path: src.path().to_path_buf(),
                message: format!("dims {dims:?} give records of {record} bytes, more than the file can hold"),
            });
        }
        if src.is_gzip() && total > src.max_len() {
            // More than this gzip file can possibly hold: it is truncated.
            // Read to the end to say how long it really is (bounded by max_len).
            let mut src = src;
            src.skip_to_end()?;
            return Err(DataError::Truncated {
                path: src.path().to_path_buf(),
                expected: total,
                actual: src.position(),
            });
        }
        if let Some(actual) = src.raw_len() {
            if actual < total {
                return Err(DataError::Truncated { path: src.path().to_path_buf(), expected: total, actual });
            }
            if actual > total {
                return Err(DataError::LengthMismatch {
                    path: src.path().to_path_buf(),
                    dims,
                    expected: total,
                    actual,
                });
            }
        }
        Ok(MatrixReader { src, magic, elem, order, dims, header_len, payload_len, consumed: 0 })
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        self.src.path()
    }

    /// The magic number of the header (as the format stores it: IDX big-endian,
    /// NORB little-endian).
    pub fn magic(&self) -> u32 {
        self.magic
    }

    /// Element type.
    pub fn elem_type(&self) -> ElemType {
        self.elem
    }

    /// Dimensions from the header.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Number of records (the first dimension; 1 for a 0-dimensional array).
    pub fn n_records(&self) -> usize {
        self.dims.first().copied().unwrap_or(1)
    }

    /// Bytes in one record (product of all dims but the first, times the element size).
    pub fn record_bytes(&self) -> usize {
        self.dims.iter().skip(1).product::<usize>() * self.elem.size()
    }

    /// Bytes in the whole file (header + payload) as the header announces it.
    pub fn expected_file_bytes(&self) -> u64 {
        self.header_len + self.payload_len
    }

    /// Reads the next record's raw bytes into `buf` (`buf.len()` must be
    /// [`record_bytes`](Self::record_bytes)); element decoding is left to the caller.
    ///
    /// # Panics
    /// When `buf` is not exactly one record long.
    pub fn read_record(&mut self, buf: &mut [u8]) -> Result<()> {
        assert_eq!(buf.len(), self.record_bytes(), "record buffer of the wrong size");
        if self.consumed + buf.len() as u64 > self.payload_len {
            return Err(DataError::InvalidHeader {
                path: self.path().to_path_buf(),
                message: "read past the last record".into(),
            });
        }
        let total = self.expected_file_bytes();
        self.src.read_exact_or_truncated(buf, total)?;
        self.consumed += buf.len() as u64;
        Ok(())
    }

    /// Reads whatever payload is left and decodes it (the whole array when no
    /// record has been read), then checks that the file ends there.
    pub fn read_rest(mut self) -> Result<Elements> {
        let left = self.payload_len - self.consumed;
        let mut bytes: Vec<u8> = Vec::with_capacity(left.min(MAX_PREALLOC) as usize);
        let mut remaining = left;
        while remaining > 0 {
            // Grow in steps so that only bytes actually present are allocated.
            let want = remaining.min(MAX_PREALLOC) as usize;
            let start = bytes.len();
            bytes.resize(start + want, 0);
            let n = self.src.read_up_to(&mut bytes[start..])?;
            if n < want {
                return Err(DataError::Truncated {
                    path: self.path().to_path_buf(),
                    expected: self.expected_file_bytes(),
                    actual: self.src.position(),
                });
            }
            remaining -= n as u64;
        }
        self.consumed = self.payload_len;
        let (elem, order) = (self.elem, self.order);
        self.finish()?;
        Ok(Elements::decode(elem, order, bytes))
    }

    /// Reads the rest as a [`Matrix`].
    pub fn into_matrix(self) -> Result<Matrix> {
        let dims = self.dims.clone();
        let data = self.read_rest()?;
        Ok(Matrix { dims, data })
    }

    /// Checks that every record has been read and the file ends exactly there.
    pub fn finish(mut self) -> Result<()> {
        if self.consumed < self.payload_len {
            // Reading the rest detects truncation and trailing bytes alike.
            return self.read_rest().map(|_| ());
        }
        let extra = self.src.skip_to_end()?;
        if extra > 0 {
            let expected = self.expected_file_bytes();
            return Err(DataError::LengthMismatch {
                path: self.path().to_path_buf(),
                dims: self.dims.clone(),
                expected,
                actual: expected + extra,
            });
        }
        Ok(())
    }
}
