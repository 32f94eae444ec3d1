//! IDX files (MNIST's format, also used for our Sprites and Cars3D files).
//!
//! Layout: magic `00 00 <type> <ndims>` (type 0x08 u8, 0x09 i8, 0x0B i16,
//! 0x0C i32, 0x0D f32, 0x0E f64), then one big-endian u32 per dimension, then
//! the elements, big-endian, row-major. The file may be gzipped.

use std::path::Path;

use crate::error::{DataError, Result};
use crate::gz::Source;
use crate::matrix::{ByteOrder, ElemType, Matrix, MatrixReader};

/// What a valid IDX magic looks like, for error messages.
const MAGIC_WORDS: &str = "00 00 <type> <ndims> with type 08 (u8), 09 (i8), 0B (i16), 0C (i32), 0D (f32) or 0E (f64)";

/// Element type of an IDX type code, if valid.
pub fn elem_type_of(code: u8) -> Option<ElemType> {
    Some(match code {
        0x08 => ElemType::U8,
        0x09 => ElemType::I8,
        0x0B => ElemType::I16,
        0x0C => ElemType::I32,
        0x0D => ElemType::F32,
        0x0E => ElemType::F64,
        _ => return None,
    })
}

/// IDX type code of an element type.
pub fn type_code(ty: ElemType) -> u8 {
    match ty {
        ElemType::U8 => 0x08,
        ElemType::I8 => 0x09,
        ElemType::I16 => 0x0B,
        ElemType::I32 => 0x0C,
        ElemType::F32 => 0x0D,
        ElemType::F64 => 0x0E,
    }
}

/// The magic number of an IDX file with elements `ty` and `ndims` dims
/// (e.g. 2051 = `0x0803` for MNIST images).
pub fn magic(ty: ElemType, ndims: usize) -> u32 {
    ((type_code(ty) as u32) << 8) | ndims as u32
}

/// Opens an IDX file and parses its header; the payload is then read with
/// the returned reader, whole or one record (first-axis index) at a time.
pub fn open(path: &Path) -> Result<MatrixReader> {
    let mut src = Source::open(path)?;
    let mut head = [0u8; 4];
    src.read_exact_or_truncated(&mut head, 4)?;
    let found = u32::from_be_bytes(head);
    let elem = match (head[0], head[1], elem_type_of(head[2])) {
        (0, 0, Some(t)) => t,
        _ => return Err(DataError::BadMagic { path: path.to_path_buf(), found, expected: MAGIC_WORDS.to_string() }),
    };
    let ndims = head[3] as usize;
    let header_len = 4 + 4 * ndims as u64;
    let mut raw_dims = vec![0u8; 4 * ndims];
    src.read_exact_or_truncated(&mut raw_dims, header_len)?;
    let dims = raw_dims.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize).collect();
    MatrixReader::new(src, found, elem, ByteOrder::Big, dims, header_len)
}

/// Reads a whole IDX file of any element type.
pub fn read(path: &Path) -> Result<Matrix> {
    open(path)?.into_matrix()
}

/// Reads a whole u8 IDX file whose magic must be `expected_magic`
/// (e.g. `0x0803` for MNIST images); returns its dims and bytes.
pub fn read_u8(path: &Path, expected_magic: u32) -> Result<(Vec<usize>, Vec<u8>)> {
    let reader = open_expecting(path, expected_magic)?;
    let dims = reader.dims().to_vec();
    let found = reader.magic();
    match reader.read_rest()? {
        crate::matrix::Elements::U8(v) => Ok((dims, v)),
        _ => Err(DataError::BadMagic {
            path: path.to_path_buf(),
            found,
            expected: "a u8 IDX file (type code 08)".into(),
        }),
    }
}

/// Opens an IDX file and fails with [`DataError::BadMagic`] unless its magic
/// is `expected_magic`.
pub fn open_expecting(path: &Path, expected_magic: u32) -> Result<MatrixReader> {
    let reader = open(path)?;
    if reader.magic() != expected_magic {
        return Err(DataError::BadMagic {
            path: path.to_path_buf(),
            found: reader.magic(),
            expected: describe_magic(expected_magic),
        });
    }
    Ok(reader)
}

/// `0x00000803 (u8, 3 dims)`: a magic number in words.
pub fn describe_magic(m: u32) -> String {
    let ty = elem_type_of((m >> 8) as u8).map_or("?", ElemType::name);
    format!("0x{m:08X} ({ty}, {} dims)", m & 0xFF)
}

/// Encodes an IDX file in memory (header + big-endian elements); used by tests
/// and tools that write small files.
pub fn encode(matrix: &Matrix) -> Vec<u8> {
    use crate::matrix::Elements;
    let ty = matrix.data.elem_type();
    let mut out = vec![0, 0, type_code(ty), matrix.dims.len() as u8];
    for &d in &matrix.dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    match &matrix.data {
        Elements::U8(v) => out.extend_from_slice(v),
        Elements::I8(v) => out.extend(v.iter().map(|&x| x as u8)),
        Elements::I16(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_be_bytes())),
        Elements::I32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_be_bytes())),
        Elements::F32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_be_bytes())),
        Elements::F64(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_be_bytes())),
    }
    out
}
